#include "parzen/search_space.hpp"

namespace parzen {

SearchSpace intersection_search_space(const StudyView& view, bool include_pruned) {
  std::optional<SearchSpace> space;
  for (const FrozenTrial& t : view.trials()) {
    if (t.state != TrialState::Complete && !(include_pruned && t.state == TrialState::Pruned))
      continue;
    if (!space) {
      space = SearchSpace(t.distributions.begin(), t.distributions.end());
      continue;
    }
    for (auto it = space->begin(); it != space->end();) {
      auto d = t.distributions.find(it->first);
      if (d == t.distributions.end() || !(d->second == it->second)) {
        it = space->erase(it);
      } else {
        ++it;
      }
    }
    if (space->empty()) break;
  }
  return space.value_or(SearchSpace{});
}

}  // namespace parzen
