#pragma once
// Pruners that stop unpromising trials early, from their intermediate values (Trial::report)
// and the study's history. Their decisions follow Optuna 3.1's definitions, so studies carry
// over. All state they keep between calls lives in the storage (trial system attributes), so
// they work across threads, processes and hosts.
//
//   auto study = parzen::Study::create({.pruner = parzen::MedianPruner::make({.n_startup_trials =
//   5})});
//   ... trial.report(epoch, loss); if (trial.should_prune()) throw parzen::TrialPruned("");
//
// Pruners support single-objective studies; should_prune throws InvalidState otherwise.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "parzen/error.hpp"
#include "parzen/pruner.hpp"

namespace parzen {

// ---------------------------------------------------------------------------------------------
// Prunes a trial whose best intermediate value so far is worse than the given percentile of the
// complete trials' values at the same step.
struct PercentilePrunerOptions {
  double percentile = 25.0;      // in [0, 100]; 50 is the median; lower prunes more (minimising)
  int64_t n_startup_trials = 5;  // no pruning until this many trials have completed
  int64_t n_warmup_steps = 0;    // nor before this step of the trial
  int64_t interval_steps = 1;    // check once per this many steps (after the warm-up)
  int64_t n_min_trials = 1;      // complete trials that reported the step, needed to compare
};

// Throws OptionError ("PercentilePruner: percentile = 120, must be in [0, 100]") unless
// percentile is in [0, 100], n_startup_trials and n_warmup_steps >= 0, interval_steps and
// n_min_trials >= 1. The constructor calls it, as every pruner's calls its validate().
void validate(const PercentilePrunerOptions& options);

class PercentilePruner : public Pruner {
 public:
  // Throws OptionError for an option out of range (see validate).
  explicit PercentilePruner(PercentilePrunerOptions options = {});
  static std::shared_ptr<PercentilePruner> make(PercentilePrunerOptions options = {}) {
    return std::make_shared<PercentilePruner>(options);
  }
  bool should_prune(const StudyView& view, const FrozenTrial& trial) override;

 private:
  PercentilePrunerOptions options_;
};

struct MedianPrunerOptions {
  int64_t n_startup_trials = 5;
  int64_t n_warmup_steps = 0;
  int64_t interval_steps = 1;
  int64_t n_min_trials = 1;
};

// The ranges of PercentilePrunerOptions, named "MedianPruner: ...".
void validate(const MedianPrunerOptions& options);

// The percentile pruner at the median.
class MedianPruner : public PercentilePruner {
 public:
  explicit MedianPruner(MedianPrunerOptions options = {});
  static std::shared_ptr<MedianPruner> make(MedianPrunerOptions options = {}) {
    return std::make_shared<MedianPruner>(options);
  }
};

// ---------------------------------------------------------------------------------------------
// Prunes a trial whose latest intermediate value leaves [lower, upper] (or is NaN).
struct ThresholdPrunerOptions {
  std::optional<double> lower{};
  std::optional<double> upper{};
  int64_t n_warmup_steps = 0;
  int64_t interval_steps = 1;
};

// Throws OptionError without a bound, with lower > upper, n_warmup_steps < 0 or
// interval_steps < 1.
void validate(const ThresholdPrunerOptions& options);

class ThresholdPruner : public Pruner {
 public:
  // Throws OptionError for invalid options (see validate).
  explicit ThresholdPruner(ThresholdPrunerOptions options);
  static std::shared_ptr<ThresholdPruner> make(ThresholdPrunerOptions options) {
    return std::make_shared<ThresholdPruner>(options);
  }
  bool should_prune(const StudyView& view, const FrozenTrial& trial) override;

 private:
  ThresholdPrunerOptions options_;
};

// ---------------------------------------------------------------------------------------------
// Tolerates a trial that has not improved for `patience` steps only as long as the wrapped
// pruner does: once the best value of the last patience + 1 steps is no better (by more than
// min_delta) than the best before them, the wrapped pruner decides (no wrapped pruner: prune).
struct PatientPrunerOptions {
  std::shared_ptr<Pruner> wrapped{};  // may be null
  int64_t patience = 0;
  double min_delta = 0.0;
};

// Throws OptionError unless patience >= 0 and min_delta is finite and >= 0.
void validate(const PatientPrunerOptions& options);

class PatientPruner : public Pruner {
 public:
  explicit PatientPruner(PatientPrunerOptions options);
  static std::shared_ptr<PatientPruner> make(PatientPrunerOptions options) {
    return std::make_shared<PatientPruner>(std::move(options));
  }
  bool should_prune(const StudyView& view, const FrozenTrial& trial) override;

 private:
  PatientPrunerOptions options_;
};

// ---------------------------------------------------------------------------------------------
// Asynchronous successive halving (ASHA, Li et al., MLSys 2020). Rung k is reached at step
// min_resource * reduction_factor^(min_early_stopping_rate + k); a trial reaching it records its
// value there (system attribute "completed_rung_k") and goes on only if that value is among the
// best 1 / reduction_factor of the values recorded at rung k so far (the best one while fewer
// than reduction_factor trials have reached the rung).
struct SuccessiveHalvingPrunerOptions {
  // Steps before the first rung; unset ("auto"): max(1, the longest complete trial's last step
  // / 100), estimated once a trial has completed (no pruning before).
  std::optional<int64_t> min_resource{};
  int64_t reduction_factor = 4;  // >= 2
  int64_t min_early_stopping_rate = 0;
  // A trial is pruned at a rung that fewer than this many trials (itself included) have reached.
  int64_t bootstrap_count = 0;
};

// Throws OptionError unless min_resource (when set) >= 1, reduction_factor >= 2,
// min_early_stopping_rate >= 0 and bootstrap_count >= 0.
void validate(const SuccessiveHalvingPrunerOptions& options);

class SuccessiveHalvingPruner : public Pruner {
 public:
  explicit SuccessiveHalvingPruner(SuccessiveHalvingPrunerOptions options = {});
  static std::shared_ptr<SuccessiveHalvingPruner> make(
      SuccessiveHalvingPrunerOptions options = {}) {
    return std::make_shared<SuccessiveHalvingPruner>(options);
  }
  bool should_prune(const StudyView& view, const FrozenTrial& trial) override;
  // The same decision over a subset of the study's trials (Hyperband's bracket).
  bool should_prune(const StudyView& view, const FrozenTrial& trial,
                    const std::vector<const FrozenTrial*>& trials);

 private:
  SuccessiveHalvingPrunerOptions options_;
};

// ---------------------------------------------------------------------------------------------
// Hyperband (Li et al., JMLR 2018) over ASHA: n_brackets = floor(log_eta(max / min)) + 1
// successive-halving brackets with min_early_stopping_rate 0, 1, ...; each trial belongs to one
// bracket, chosen deterministically from the study's name and the trial's number (CRC-32, as
// Optuna does, in proportion to each bracket's budget), and competes only with its bracket.
struct HyperbandPrunerOptions {
  int64_t min_resource = 1;
  // The largest step a trial reaches; unset ("auto"): the longest complete trial's last step + 1,
  // taken once a trial has completed (no pruning before).
  std::optional<int64_t> max_resource{};
  int64_t reduction_factor = 3;
  int64_t bootstrap_count = 0;
};

// Throws OptionError unless min_resource >= 1, max_resource (when set) >= min_resource,
// reduction_factor >= 2 and bootstrap_count >= 0.
void validate(const HyperbandPrunerOptions& options);

class HyperbandPruner : public Pruner {
 public:
  explicit HyperbandPruner(HyperbandPrunerOptions options = {});
  ~HyperbandPruner() override;
  HyperbandPruner(HyperbandPruner&&) noexcept;
  HyperbandPruner& operator=(HyperbandPruner&&) noexcept;
  static std::shared_ptr<HyperbandPruner> make(HyperbandPrunerOptions options = {}) {
    return std::make_shared<HyperbandPruner>(options);
  }
  bool should_prune(const StudyView& view, const FrozenTrial& trial) override;

  // The bracket of a trial (0 when the brackets are not known yet, with "auto" max_resource and
  // no complete trial); and how many brackets there are (0 until known).
  int64_t bracket_of(const std::string& study_name, int64_t trial_number) const;
  int64_t n_brackets() const;
  const HyperbandPrunerOptions& options() const { return options_; }
  // Initialises the brackets from the view if max_resource is "auto"; true once they exist.
  bool ensure_brackets(const StudyView& view);
  // The bracket of a trial of the view's study (0 until the brackets are known).
  int64_t bracket_index(const StudyView& view, int64_t trial_number);
  // The trials of the view in the same bracket as `trial_number`.
  std::vector<const FrozenTrial*> bracket_trials(const StudyView& view, int64_t trial_number);

 private:
  struct Impl;  // the brackets, their budgets and the bracket of each trial number
  HyperbandPrunerOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parzen
