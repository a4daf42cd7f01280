#pragma once

#include <map>
#include <string>

#include "parzen/distributions.hpp"
#include "parzen/study_view.hpp"

namespace parzen {

// A set of named parameters with their distributions, ordered by name.
using SearchSpace = std::map<std::string, Distribution>;

// The parameters that every complete trial of the study has, each with the same distribution
// in all of them: the space a relative (joint) sampler can model. Parameters whose distribution
// differs between trials, or that only some branches of a conditional objective reach, are left
// out; they are sampled independently.
SearchSpace intersection_search_space(const StudyView& view, bool include_pruned = false);

}  // namespace parzen
