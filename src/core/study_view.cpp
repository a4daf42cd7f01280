#include "parzen/study_view.hpp"

#include <algorithm>
#include <atomic>

#include <fmt/format.h>

#include "parzen/error.hpp"
#include "parzen/system_attrs.hpp"

namespace parzen {

bool BookkeepingWriter::reserve(const std::string& key, const nlohmann::json& value) const {
  return storage_->add_study_system_attr_if_absent(study_, key, value);
}

void BookkeepingWriter::set_trial_system_attr(TrialId trial, const std::string& key,
                                              const nlohmann::json& value) const {
  if (keys::is_core_key(key))
    throw InvalidArgument(fmt::format(
        "system attribute '{}' belongs to the study core; samplers and pruners cannot write it",
        key));
  storage_->set_trial_system_attr(trial, key, value);
}

StudyView::StudyView(std::shared_ptr<Storage> storage, StudyId study,
                     std::vector<Direction> directions)
    : storage_(std::move(storage)), study_(study), directions_(std::move(directions)) {}

StudyView::StudyView(const StudyView& base, std::vector<FrozenTrial> trials)
    : storage_(base.storage_),
      study_(base.study_),
      directions_(base.directions_),
      study_name_(base.study_name_),
      trials_(std::move(trials)),
      version_(base.version_),
      changed_at_(trials_.size(), 1),
      stamp_(1) {}

const std::string& StudyView::study_name() const {
  if (study_name_.empty()) study_name_ = storage_->study(study_).name;
  return study_name_;
}

nlohmann::json StudyView::study_system_attr(const std::string& key) const {
  const StudyInfo info = storage_->study(study_);
  const auto it = info.system_attrs.find(key);
  return it == info.system_attrs.end() ? nlohmann::json() : *it;
}

uint64_t StudyView::new_lineage() {
  static std::atomic<uint64_t> next{1};
  return next++;
}

void StudyView::set_trial(FrozenTrial trial) {
  const auto n = static_cast<size_t>(trial.number);
  if (n >= trials_.size()) {
    const size_t old = trials_.size();
    trials_.resize(n + 1);
    for (size_t i = old; i < n; ++i) {
      trials_[i].number = static_cast<int64_t>(i);
      trials_[i].state = TrialState::Waiting;
    }
    changed_at_.resize(n + 1, 0);
  }
  trials_[n] = std::move(trial);
  changed_at_[n] = ++stamp_;
}

void StudyView::refresh() {
  TrialsDelta delta = storage_->trials_since(study_, version_);
  if (!delta.trials.empty()) ++stamp_;
  for (FrozenTrial& t : delta.trials) {
    const auto n = static_cast<size_t>(t.number);
    if (n >= trials_.size()) {
      trials_.resize(n + 1);
      changed_at_.resize(n + 1, 0);
    }
    trials_[n] = std::move(t);
    changed_at_[n] = stamp_;
  }
  version_ = delta.version;
}

std::vector<const FrozenTrial*> StudyView::trials(std::initializer_list<TrialState> states) const {
  std::vector<const FrozenTrial*> out;
  for (const FrozenTrial& t : trials_)
    if (std::find(states.begin(), states.end(), t.state) != states.end()) out.push_back(&t);
  return out;
}

}  // namespace parzen
