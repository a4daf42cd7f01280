#pragma once
// CMA-ES (Hansen's covariance matrix adaptation evolution strategy) over the intersection search
// space, with Optuna's CmaEsSampler's options and the equations and defaults of the `cmaes`
// Python library 0.9.1 (see src/samplers/cmaes/cma.hpp):
//
//  - The relative space is every float and int parameter of the intersection search space with
//    more than one value, mapped to [0, 1] (log parameters on a log scale; without with_margin
//    stepped floats and ints padded by half a step at each end, as Optuna's transform). The
//    first mean is the centre (or x0), sigma0 = 1/6 of that unit range (Optuna's min range / 6),
//    popsize 4 + floor(3 ln n). A space of one dimension, categorical parameters and anything
//    outside the relative space go to the independent sampler (random by default). (Optuna 3.1
//    scales the box by one factor, sigma0 = min range / 6; later Optuna maps to [0, 1] as here.
//    The two agree when the ranges are equal.)
//  - A relative space that changes before the first generation is told (the intersection
//    shrinks when a later trial lacks a conditional parameter of the first ones) gets a fresh
//    first distribution, stored as the next state with meta "first_state", and its generation
//    is assembled from the trials of all those states that have its parameters, as Optuna
//    (which stores nothing before the first update) does. A change after that: the independent
//    sampler draws everything, with a warning.
//  - Generations are shared through the storage, as Optuna 3.1 does: state k of the
//    distribution is stored as the study system attribute "cma:state:<k>" (keys::cmaes_state)
//    the first time any worker computes it; each trial records the state it was drawn from
//    (keys::cmaes_state_index) and, with margin, the undiscretised draw (keys::cmaes_x_for_tell).
//    Once popsize trials of state k are complete (the smallest numbers first), the first worker
//    to notice tells them and stores state k + 1; every worker then loads it. A trial of state k
//    that finishes later is not used. No process-local state is needed by another worker: a
//    restarted process reloads the newest state.
//  - Restarts (restart_strategy): "ipop" restarts from a uniformly random mean with popsize x
//    inc_popsize when a termination criterion fires: cmaes' (tolfun 1e-12 over the recent
//    generations, tolx, tolxup 1e4, no effect axis/coordinate, condition number 1e14) or one of
//    Hansen's IPOP/BIPOP and pycma's (tolfunhist 1e-12, equalfunvals, stagnation, tolupsigma
//    1e20; cmaes::Cma::stop_reason documents each); "bipop" alternates a
//    large regime (popsize0 x inc_popsize^restarts) with a small one (popsize0 x
//    (inc_popsize^restarts)^(u^2), sigma0 x 10^(-2u)), choosing the regime that has spent fewer
//    evaluations, as Optuna 3.3 does.
//  - Warm start (source_trials): the first distribution is WS-CMA-ES's get_warm_start_mgd
//    (gamma 0.1, alpha 0.1) of the source trials that have exactly this relative space.
//
// Single objective only.
//
//   auto sampler = parzen::CmaEsSampler::make({.seed = 1, .restart_strategy =
//   parzen::CmaEsRestart::Ipop});
//   // or parzen::make_sampler("cmaes", {{"restart_strategy", "ipop"}})

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "parzen/sampler.hpp"

namespace parzen {

namespace internal {
struct CmaEsState;
}

enum class CmaEsRestart {
  None,  // "" (Optuna's None)
  Ipop,  // "ipop": increasing population size
  Bipop  // "bipop": bi-population
};

struct CmaEsSamplerOptions {
  // The first mean, in external values (floats and ints) of the relative space's parameters;
  // unset: the centre of the space. A parameter missing from x0 starts at the centre.
  std::optional<std::map<std::string, double>> x0{};
  // The first step size in [0, 1] units of the space; unset: 1/6 (Optuna's min range / 6).
  std::optional<double> sigma0{};
  // Complete trials drawn by the independent sampler before CMA-ES is used (Optuna's default 1);
  // with consider_pruned_trials, pruned trials with a report count too (as in Optuna).
  int64_t n_startup_trials = 1;
  // Draws what CMA-ES does not (categoricals, conditional parameters, a 1-D space); null: a
  // RandomSampler with this sampler's seed.
  std::shared_ptr<Sampler> independent_sampler{};
  // Log (once per parameter) when a parameter is sampled by the independent sampler.
  bool warn_independent_sampling = true;
  std::optional<uint64_t> seed{};
  // Count pruned trials, with their last intermediate value, as solutions.
  bool consider_pruned_trials = false;
  CmaEsRestart restart_strategy = CmaEsRestart::None;
  // Population size of the first run; unset: 4 + floor(3 ln n).
  std::optional<int64_t> popsize{};
  // Multiplier of the population size at each restart.
  int64_t inc_popsize = 2;
  // Separable CMA-ES: a diagonal covariance matrix (faster learning, no correlations).
  bool use_separable_cma = false;
  // CMA-ES with margin for ints and stepped floats (keeps discrete dimensions from freezing).
  bool with_margin = false;
  // Trials of a source task for WS-CMA-ES warm start (complete ones with this relative space).
  std::vector<FrozenTrial> source_trials{};
};

// Throws OptionError naming the option: sigma0 <= 0 or not finite, n_startup_trials < 0,
// popsize < 2, inc_popsize < 1, use_separable_cma with with_margin, source_trials with x0 or
// sigma0.
void validate(const CmaEsSamplerOptions& options);

class CmaEsSampler : public Sampler {
 public:
  explicit CmaEsSampler(CmaEsSamplerOptions options = {});
  ~CmaEsSampler() override;
  static std::shared_ptr<CmaEsSampler> make(CmaEsSamplerOptions options = {}) {
    return std::make_shared<CmaEsSampler>(std::move(options));
  }
  const CmaEsSamplerOptions& options() const { return options_; }

  SearchSpace infer_relative_space(const StudyView& view, const FrozenTrial& trial) override;
  std::map<std::string, double> sample_relative(const StudyView& view, const FrozenTrial& trial,
                                                const SearchSpace& space) override;
  double sample_independent(const StudyView& view, const FrozenTrial& trial,
                            const std::string& name, const Distribution& distribution) override;
  void after_trial(const StudyView& view, const FrozenTrial& trial) override;

  // For tests and tools: the current distribution as this sampler last loaded or computed it
  // (null before the first relative draw): {"state": k, "restarts": r, "restart_strategy",
  // "last_stop" (the criterion that ended the previous run, "" before a restart), "popsize",
  // "generation", "mean" (unit space), "sigma", "C"}.
  nlohmann::json distribution() const;

 private:
  CmaEsSamplerOptions options_;
  std::unique_ptr<internal::CmaEsState> state_;
};

}  // namespace parzen
