#pragma once
// A cached, incrementally refreshed view of one study's trials, through which samplers and
// pruners read the history. refresh() asks the storage only for the trials written since the
// last refresh, so an ask does not reload the study.
//
// Read-only for samplers and pruners (they never reach the Storage itself); their few writes go
// through writer(). Not thread-safe by itself: the Study serialises all sampler and pruner calls,
// and the refreshes before them, under one lock.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "parzen/frozen_trial.hpp"
#include "parzen/storage.hpp"

namespace parzen {

// The few writes samplers and pruners make, narrow and typed: study-wide reservations (e.g. a
// grid point, taken exactly once across all workers) and bookkeeping on a running trial (e.g.
// the value it reached at a rung). Keys are the constants of system_attrs.hpp. Obtained from
// StudyView::writer(); a cheap value, valid while the view's storage lives.
class BookkeepingWriter {
 public:
  BookkeepingWriter(std::shared_ptr<Storage> storage, StudyId study)
      : storage_(std::move(storage)), study_(study) {}

  // Atomically stores `value` under the study-wide `key` if it is absent; true when this call
  // stored it (the reservation is this worker's), false when another worker holds the key.
  bool reserve(const std::string& key, const nlohmann::json& value) const;
  // Stores a bookkeeping value on a running trial of the study. Throws InvalidArgument for the
  // keys the study core owns (keys::fixed_params, retried_from, retry_count), InvalidState when
  // the trial is no longer running.
  void set_trial_system_attr(TrialId trial, const std::string& key,
                             const nlohmann::json& value) const;

 private:
  std::shared_ptr<Storage> storage_;
  StudyId study_;
};

class StudyView {
 public:
  StudyView(std::shared_ptr<Storage> storage, StudyId study, std::vector<Direction> directions);

  // A view of the same study holding the given trials instead (e.g. a filtered copy of `base`,
  // indexed by number like every view; entries left out can be default trials in state waiting).
  StudyView(const StudyView& base, std::vector<FrozenTrial> trials);

  // Pulls the trials changed since the last refresh from the storage.
  void refresh();

  // Every trial of the study, indexed by number, as of the last refresh.
  const std::vector<FrozenTrial>& trials() const { return trials_; }
  // The trials in one of the given states, by number.
  std::vector<const FrozenTrial*> trials(std::initializer_list<TrialState> states) const;

  const std::vector<Direction>& directions() const { return directions_; }
  StudyId study_id() const { return study_; }
  // The study's name, read from the storage on first use (seeded samplers mix it into their
  // per-trial seeds, so that two studies with one seed draw differently).
  const std::string& study_name() const;
  // The study-wide system attribute `key` as stored now (null when absent), e.g. what a
  // reservation holds.
  nlohmann::json study_system_attr(const std::string& key) const;
  // The only way a sampler or pruner writes: see BookkeepingWriter.
  BookkeepingWriter writer() const { return BookkeepingWriter(storage_, study_); }
  // The study version the view is consistent with.
  uint64_t version() const { return version_; }

  // For samplers that derive views from this one (DerivedView) and update them trial by trial:
  // an identity shared by this view and its copies (a view built from given trials gets its own),
  // and a stamp, increasing within that identity, of when each trial last changed in this view
  // (0 for a number the view does not hold).
  uint64_t lineage() const { return lineage_; }
  uint64_t changed_at(size_t number) const {
    return number < changed_at_.size() ? changed_at_[number] : 0;
  }
  // Puts one trial in at its number (growing the view with waiting placeholders) and stamps it
  // changed.
  void set_trial(FrozenTrial trial);

 private:
  static uint64_t new_lineage();
  std::shared_ptr<Storage> storage_;
  StudyId study_;
  std::vector<Direction> directions_;
  mutable std::string study_name_{};
  std::vector<FrozenTrial> trials_;
  uint64_t version_ = 0;
  uint64_t lineage_ = new_lineage();
  std::vector<uint64_t> changed_at_{};
  uint64_t stamp_ = 0;
};

}  // namespace parzen
