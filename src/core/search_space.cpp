#include "parzen/search_space.hpp"

namespace parzen {

void IntersectionSearchSpace::add(const std::map<std::string, Distribution>& distributions) {
  if (!started_) {
    space_ = SearchSpace(distributions.begin(), distributions.end());
    started_ = true;
    return;
  }
  for (auto it = space_.begin(); it != space_.end();) {
    auto d = distributions.find(it->first);
    it = d == distributions.end() || !(d->second == it->second) ? space_.erase(it) : std::next(it);
  }
}

const SearchSpace& IntersectionSearchSpace::calculate(const StudyView& view) {
  if (view.lineage() != lineage_) {
    *this = IntersectionSearchSpace(include_pruned_);
    lineage_ = view.lineage();
  }
  const auto& trials = view.trials();
  if (counted_.size() < trials.size()) counted_.resize(trials.size(), 0);
  bool prefix_finished = true;
  for (size_t i = scan_from_; i < trials.size(); ++i) {
    const FrozenTrial& t = trials[i];
    const bool counts =
        t.state == TrialState::Complete || (include_pruned_ && t.state == TrialState::Pruned);
    if (counts && !counted_[i]) {
      add(t.distributions);
      counted_[i] = 1;
    }
    if (!is_finished(t.state)) prefix_finished = false;
    if (prefix_finished) scan_from_ = i + 1;
  }
  return space_;
}

SearchSpace intersection_search_space(const StudyView& view, bool include_pruned) {
  return IntersectionSearchSpace(include_pruned).calculate(view);
}

SearchSpace without_single_values(const SearchSpace& space) {
  SearchSpace out;
  for (const auto& [name, d] : space)
    if (!is_single(d)) out.emplace(name, d);
  return out;
}

}  // namespace parzen
