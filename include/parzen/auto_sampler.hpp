#pragma once
// The "auto" sampler, the default: for each new trial it picks a delegate sampler from the
// registry by what the study is, and lets that delegate propose the trial. The delegates read the
// study's whole history (every trial, whoever proposed it), so the study changes strategy as it
// grows without losing what it learnt. The rule (AutoSampler::choose; measured in
// docs/benchmarks.md, "The auto sampler"):
//
//   1. no complete trial yet (the space is unknown)            -> "random"
//   2. a conditional space (the complete trials' parameters
//      or distributions differ)                                -> "tpe"
//   3. no numeric parameter, or at least as many categorical
//      parameters as numeric ones                              -> "tpe"
//   4. more than kGpMaxObjectives (3) objectives               -> "tpe" (multi-objective TPE)
//   5. 2-3 objectives, or constraints reported by a complete
//      trial: in the GP phase                                  -> "gp" (log EHVI; log
//                                                                 constrained EI)
//      after it                                                -> "tpe" (multi-objective or
//                                                                 constrained TPE)
//   6. one objective, no constraints: in the GP phase          -> "gp"
//   7. after the GP phase, two or more numeric parameters and
//      "cmaes" in the registry                                 -> "cmaes", its first mean
//                                                                 the best trial so far
//   8. otherwise                                               -> "tpe"
//
// The GP phase: fewer trials so far (running ones included) than n_trials when the budget is
// known, at most gp_budget and not reached yet, else than gp_trials.
//
// Trust-region turns (rules 6 and 7 only, a known budget B): in the final local_share of B every
// local_period-th trial counted back from trial B - 1, and every trial of the final local_tail of
// B, is a turn -> kTrustRegionStep ("trust-region"): a step on a quadratic model around the best
// trial (src/samplers/auto/trust_region.hpp). A turn falls back to the phase's delegate (the
// AutoChoice's fallback) when the model predicts no decrease, and, outside the tail, while the
// best value still improved over the last 10 complete trials by local_stall of the spread
// (median minus best) of the values.
//
// The TPE delegate runs with constant_liar, so that concurrent workers spread out (the GP delegate
// enters running trials as fantasies). Each new trial stores its choice as the trial system
// attribute keys::auto_sampler ("auto:sampler"), and that trial's parameters all come from that
// delegate, even when another worker's trial has moved the study on meanwhile. An enqueued trial
// (no before_trial) gets its choice at its ask. A change of choice is logged at debug level.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "parzen/sampler.hpp"

namespace parzen {
namespace internal {
struct AutoState;  // delegates, the observed space and the per-trial choices, in src/samplers/auto
}

struct AutoSamplerOptions {
  // Seed of every delegate; unset: one fresh random seed for all of them.
  std::optional<uint64_t> seed{};
  // The study's budget in trials, when known (Study::optimize's n_trials and `parzen run`'s
  // n_trials fill it in when it is unset). A budget of at most gp_budget trials is proposed by
  // the GP (after the first trial) on a fixed numeric space.
  std::optional<int64_t> n_trials{};
  // Without a known budget, or with one above gp_budget: the GP proposes trials until the study
  // has this many, then CMA-ES or TPE take over (the GP's cost per ask grows with the history).
  int64_t gp_trials = 100;
  // The largest known budget that the GP proposes in full.
  int64_t gp_budget = 300;
  // With a known budget: the final share of it in which every local_period-th trial (the last
  // trial included) is a trust-region step on a quadratic model around the best trial, between
  // the GP's or CMA-ES's trials (dlib find_min_global's alternation of a global and a local
  // step). 0: none.
  double local_share = 0.5;
  int64_t local_period = 2;
  // A trust-region turn goes to the GP or CMA-ES instead while the best value improved, over
  // the last 10 complete trials, by at least this share of the spread of the values (their
  // median minus the best): the global search is still finding better regions. 0: no such gate.
  double local_stall = 0.01;
  // The final local_tail share of a known budget: every trial a trust-region turn, without the
  // stall check (the end of the budget polishes the best trial). 0: none.
  double local_tail = 0.05;
};

// Throws OptionError naming the option unless n_trials (when set) >= 1, gp_trials >= 0 and
// gp_budget >= 0. AutoSampler's constructor calls it.
void validate(const AutoSamplerOptions& options);

// What the rule reads about a study (AutoSampler::observe fills it from the view).
struct AutoStudyTraits {
  size_t n_objectives = 1;
  int64_t n_trials = 0;    // trials so far, in every state (running and waiting included)
  int64_t n_complete = 0;  // complete trials
  int64_t n_running = 0;   // running trials (other workers' included)
  bool constraints = false;
  bool conditional = false;
  int64_t n_numeric = 0;      // float and integer parameters of the complete trials (the union)
  int64_t n_categorical = 0;  // categorical parameters of the complete trials (the union)
};

// The name of the trust-region step (not a registry sampler: the auto sampler's own).
inline constexpr const char* kTrustRegionStep = "trust-region";

struct AutoChoice {
  std::string sampler{};    // a registry name, or kTrustRegionStep
  std::string reason{};     // why, in words, for the debug log
  std::string fallback{};   // for kTrustRegionStep: the delegate when the model predicts no gain
  bool stall_check = true;  // for kTrustRegionStep: fall back while the phase still improves
};

class AutoSampler : public Sampler {
 public:
  // Throws OptionError for invalid options (see validate).
  explicit AutoSampler(AutoSamplerOptions options = {});
  ~AutoSampler() override;
  static std::shared_ptr<AutoSampler> make(AutoSamplerOptions options = {}) {
    return std::make_shared<AutoSampler>(options);
  }

  // The documented rule above, for a study with these traits (budget: options().n_trials).
  AutoChoice choose(const AutoStudyTraits& traits) const;
  // The traits of the study behind `view` (incremental: reads the trials finished since the
  // last call).
  AutoStudyTraits observe(const StudyView& view);

  const AutoSamplerOptions& options() const { return options_; }
  // The budget, if the options left it unset (Study::optimize and `parzen run` call it).
  void set_budget_hint(int64_t n_trials);
  // The study's logger (Study::create connects it): the debug line on a change of choice goes
  // there, and so do the delegates' own messages.
  void set_logger(Logger logger) override;

  nlohmann::json before_trial(const StudyView& view) override;
  SearchSpace infer_relative_space(const StudyView& view, const FrozenTrial& trial) override;
  std::map<std::string, double> sample_relative(const StudyView& view, const FrozenTrial& trial,
                                                const SearchSpace& space) override;
  double sample_independent(const StudyView& view, const FrozenTrial& trial,
                            const std::string& name, const Distribution& distribution) override;
  void after_trial(const StudyView& view, const FrozenTrial& trial) override;

 private:
  AutoSamplerOptions options_;
  std::unique_ptr<internal::AutoState> state_;
};

}  // namespace parzen
