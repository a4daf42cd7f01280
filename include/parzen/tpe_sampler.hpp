#pragma once
// Tree-structured Parzen Estimator (Bergstra et al., NeurIPS 2011), with the refinements of
// Optuna's TPESampler: the history is split at the gamma-quantile of the losses into good
// observations, modelled by l(x), and the rest, modelled by g(x); n_ei_candidates candidates are
// drawn from l(x) and the one maximising l(x) / g(x) is proposed.
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
  // Count running trials as bad observations, so that parallel workers spread out.
  bool constant_liar = false;
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

  // The default gamma and weights functions, for reuse in custom ones.
  static int64_t default_gamma(int64_t n);
  static std::vector<double> default_weights(int64_t n);

 private:
  TpeSamplerOptions options_;
  std::unique_ptr<internal::TpeState> state_;
};

}  // namespace parzen
