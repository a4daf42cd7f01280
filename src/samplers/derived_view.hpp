#pragma once
// A view derived trial by trial from a study's view (one bracket's trials, every trial's value at
// a budget, ...) and kept up to date incrementally: a trial is derived again only when the base
// view's copy of it has changed since the last sync, so that a sampler wrapping another does not
// copy the whole history on every call (which made a BracketSampler study quadratic in its
// trials: bench_hyperband_overhead).

#include <functional>
#include <optional>
#include <vector>

#include "parzen/study_view.hpp"

namespace parzen::internal {

class DerivedView {
 public:
  // How one trial of the base view appears in the derived one (same number).
  using Derive = std::function<FrozenTrial(const FrozenTrial&)>;

  // Brings the derived view up to date with `base` and returns it. A base of another lineage
  // (another study, or a view built from given trials) starts it afresh.
  const StudyView& sync(const StudyView& base, const Derive& derive) {
    if (!view_ || base.lineage() != base_lineage_ || base.study_id() != view_->study_id()) {
      view_.emplace(base, std::vector<FrozenTrial>{});
      base_lineage_ = base.lineage();
      synced_at_.clear();
    }
    const auto& trials = base.trials();
    if (synced_at_.size() < trials.size()) synced_at_.resize(trials.size(), 0);
    for (size_t i = 0; i < trials.size(); ++i) {
      const uint64_t stamp = base.changed_at(i);
      if (stamp != 0 && stamp == synced_at_[i]) continue;
      view_->set_trial(derive(trials[i]));
      synced_at_[i] = stamp;
    }
    return *view_;
  }

  // Forgets everything (e.g. when what a trial derives to has changed for every trial).
  void reset() { view_.reset(); }

 private:
  std::optional<StudyView> view_{};
  uint64_t base_lineage_ = 0;
  std::vector<uint64_t> synced_at_{};
};

}  // namespace parzen::internal
