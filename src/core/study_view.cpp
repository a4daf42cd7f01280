#include "parzen/study_view.hpp"

#include <algorithm>

#include "parzen/error.hpp"

namespace parzen {

StudyView::StudyView(std::shared_ptr<Storage> storage, StudyId study,
                     std::vector<Direction> directions)
    : storage_(std::move(storage)), study_(study), directions_(std::move(directions)) {}

StudyView::StudyView(const StudyView& base, std::vector<FrozenTrial> trials)
    : storage_(base.storage_),
      study_(base.study_),
      directions_(base.directions_),
      trials_(std::move(trials)),
      version_(base.version_) {}

void StudyView::refresh() {
  TrialsDelta delta = storage_->trials_since(study_, version_);
  for (FrozenTrial& t : delta.trials) {
    const auto n = static_cast<size_t>(t.number);
    if (n >= trials_.size()) trials_.resize(n + 1);
    trials_[n] = std::move(t);
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
