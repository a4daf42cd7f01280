#pragma once
// Tree-structured Parzen Estimator (Bergstra et al., NeurIPS 2011), with the refinements of
// Optuna's TPESampler: the history is split at the gamma-quantile of the losses into good
// observations, modelled by l(x), and the rest, modelled by g(x); n_ei_candidates candidates are
// drawn from l(x) and the one maximising l(x) / g(x) is proposed. Constraint values steer it by
// c-TPE or by Optuna's rule (TpeConstraintsMethod).
//
// The sampler keeps its state between asks (observations sorted by loss and by value per
// parameter), so an ask costs time roughly linear in the number of trials, with a small constant.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "parzen/sampler.hpp"

namespace parzen {
namespace internal {
struct TpeState;  // the incremental bookkeeping, in src/samplers/tpe
}

// How TpeSampler uses constraint values (FrozenTrial::constraints, feasible when every value is
// <= 0) on a study with one objective.
enum class TpeConstraintsMethod {
  // The default: c-TPE on one objective with multivariate = false, Optuna's rule otherwise
  // (several objectives, or multivariate). Chosen by the numbers of docs/benchmarks.md
  // (Gardner 1 and 2, 30 and 60 seeds against Optuna 3.1's TPE): c-TPE's median regret is
  // lower than Optuna's rule's on both univariately; multivariate, Optuna's rule is better on
  // Gardner 2 (0.147 against 0.308 median over 60 seeds).
  Auto,
  // Optuna 3.1's rule (its TPESampler with constraints_func, matched line by line): the good
  // set is the best feasible trials by loss; when fewer than gamma(n) trials are feasible, the
  // least violating infeasible ones (violation = sum of positive constraint values) fill it.
  // One l(x)/g(x) ratio is maximised. Several objectives: see multi_objective_split.hpp.
  Optuna,
  // c-TPE (Watanabe and Hutter, "c-TPE: Tree-structured Parzen Estimator with Inequality
  // Constraints for Expensive Hyperparameter Optimization", IJCAI 2023, arXiv 2211.14411; its
  // authors' code: optunahub-registry package/samplers/ctpe). One split per constraint i
  // (feasible for it: good, else bad; gamma_i = the feasible share of the trials that report
  // it) and one for the objective (the best trials by loss up to and including the
  // gamma(n)-th feasible one, gamma_0 = their share of n). Each split k gives l_k, g_k and the
  // gamma-relative ratio r_k(x) = l_k(x) / (gamma_k l_k(x) + (1 - gamma_k) g_k(x));
  // n_ei_candidates candidates are drawn from every l_k and the one maximising sum_k log r_k(x)
  // is proposed. A constraint every trial satisfies (gamma_k = 1) adds nothing to the score;
  // one that none satisfies (gamma_k = 0) scores l_k / g_k with l_k the prior alone, as in the
  // paper. One deviation, measured: while fewer than gamma(n) trials are feasible the paper
  // makes every trial good (gamma_0 = 1, so the objective drops out of the score and the search
  // settles on the first feasible island it finds); here the objective's good set is then the
  // gamma(n) best by loss, feasible or not (Gardner 2, 30 seeds, both with the age weights:
  // median regret 0.12 against 5.18). Observation weights are 1 each unless the weights option is
  // set (the authors'
  // "uniform"). Trials without constraint values are left out of the constraint splits and
  // count as infeasible in the objective's; running trials (constant_liar) join the objective's
  // bad set. One objective only: with several, TpeSampler throws InvalidArgument at the first
  // suggestion.
  CTpe,
};

struct TpeSamplerOptions {
  // Seed of the sampler's draws; unset: a fresh random seed. Each trial draws from a mix of
  // (seed, study name, trial number), so with a seed a study proposes the same parameters on
  // every run, resumed or not.
  std::optional<uint64_t> seed{};
  // Trials sampled at random before the model is used.
  int64_t n_startup_trials = 10;
  // Candidates drawn from l(x) per suggestion.
  int64_t n_ei_candidates = 24;
  // Number of "good" observations out of n; default min(ceil(0.1 n), 25).
  std::function<int64_t(int64_t n)> gamma{};
  // Weights of n observations, oldest first; default: 1 for n < 25, else a ramp from 1/n to 1
  // over the oldest n - 25 and 1 for the newest 25.
  std::function<std::vector<double>(int64_t n)> weights{};
  // Weight of the prior kernel (uniform-ish over the range) in each estimator.
  double prior_weight = 1.0;
  // Lower-bound kernel widths by range / min(100, 1 + n_kernels).
  bool consider_magic_clip = true;
  // Let the outermost kernels' widths reach the bounds.
  bool consider_endpoints = false;
  // Score candidates with continuous kernels of equal peak height, i.e. each kernel's mixture
  // weight multiplied by its bandwidth, so that isolated observations (wide kernels) count for
  // more. This is what Optuna 3.1's TPE computes (its kernel log-density leaves out -log(sigma))
  // and it finds better optima on the benchmark functions of docs/benchmarks.md; false scores
  // with the textbook mixture density. Candidates are drawn from the textbook mixture either way.
  bool weight_by_bandwidth = true;
  // Model the parameters of the (intersection) search space jointly.
  bool multivariate = false;
  // With multivariate: split conditional spaces into groups of parameters that always occur
  // together, and model each group jointly.
  bool group = false;
  // Count running trials as bad observations, so that parallel workers spread out. (With
  // c-TPE they join the objective's bad set only.)
  bool constant_liar = false;
  // How constraint values steer the model (see TpeConstraintsMethod; registry name
  // "constraints_method": "auto", "optuna", "ctpe"). Only studies whose trials report
  // constraint values are affected: without them every method samples alike.
  TpeConstraintsMethod constraints_method = TpeConstraintsMethod::Auto;
};

// Checks the options before anything uses them; TpeSampler's constructor calls it. Throws
// OptionError naming the option, its value and the allowed range, in the form every options
// struct uses: "TpeSampler: n_startup_trials = -1, must be >= 0". Ranges: n_startup_trials >= 0,
// n_ei_candidates >= 1, prior_weight > 0 and finite, group only with multivariate.
void validate(const TpeSamplerOptions& options);

class TpeSampler : public Sampler {
 public:
  // Throws OptionError for invalid options (see validate).
  explicit TpeSampler(TpeSamplerOptions options = {});
  ~TpeSampler() override;
  static std::shared_ptr<TpeSampler> make(TpeSamplerOptions options = {}) {
    return std::make_shared<TpeSampler>(std::move(options));
  }

  SearchSpace infer_relative_space(const StudyView& view, const FrozenTrial& trial) override;
  std::map<std::string, double> sample_relative(const StudyView& view, const FrozenTrial& trial,
                                                const SearchSpace& space) override;
  double sample_independent(const StudyView& view, const FrozenTrial& trial,
                            const std::string& name, const Distribution& distribution) override;
  // OptionError (key "constraints_method") for constraints_method = "ctpe" with several
  // objectives: c-TPE models one objective.
  void check_objectives(size_t n_objectives) const override;

  // The default gamma and weights functions, for reuse in custom ones.
  static int64_t default_gamma(int64_t n);
  static std::vector<double> default_weights(int64_t n);

 private:
  TpeSamplerOptions options_;
  std::unique_ptr<internal::TpeState> state_;
};

}  // namespace parzen
