#pragma once
// Search-space inference: which parameters a relative (joint) sampler can model.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "parzen/distributions.hpp"
#include "parzen/study_view.hpp"

namespace parzen {

// A set of named parameters with their distributions, ordered by name.
using SearchSpace = std::map<std::string, Distribution>;

// The parameters that every complete trial of the study has (and every pruned one, with
// include_pruned), each with the same distribution in all of them: the space a relative sampler
// can model. Parameters whose distribution differs between trials, or that only some branches of
// a conditional objective reach, are left out; they are sampled independently. Empty while no
// trial counts. (Optuna's IntersectionSearchSpace.)
//
// Kept incrementally: calculate() reads only the trials that finished since its last call, so
// a sampler that calls it at every ask pays for each trial once. A view of another lineage
// (another study, a view built from given trials) starts it afresh.
class IntersectionSearchSpace {
 public:
  explicit IntersectionSearchSpace(bool include_pruned = false) : include_pruned_(include_pruned) {}

  // Brings the space up to date with the view's finished trials and returns it.
  const SearchSpace& calculate(const StudyView& view);
  // Narrows the space by one trial's distributions (for samplers that read the trials
  // themselves); the first trial added sets it.
  void add(const std::map<std::string, Distribution>& distributions);
  const SearchSpace& space() const { return space_; }

 private:
  bool include_pruned_;
  bool started_ = false;
  SearchSpace space_{};
  uint64_t lineage_ = 0;
  size_t scan_from_ = 0;         // every trial below it is finished and counted
  std::vector<char> counted_{};  // per trial number
};

// The intersection search space of the view, computed afresh.
SearchSpace intersection_search_space(const StudyView& view, bool include_pruned = false);

// The space without the parameters that admit a single value (nothing to model there).
SearchSpace without_single_values(const SearchSpace& space);

}  // namespace parzen
