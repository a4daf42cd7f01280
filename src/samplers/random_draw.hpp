#pragma once
// The draw of RandomSampler as a pure function (RandomSampler::sample_independent is this
// function of its seed): a caller may know a fresh study's model-free draws without creating the
// study (the Python package's ParzenSearchCV, whose in-memory study is then built when read).

#include <cstdint>
#include <string_view>

#include "parzen/distributions.hpp"

namespace parzen::detail {

// The internal value that RandomSampler(seed) draws for parameter `name` of trial `trial_number`
// of the study named `study_name`.
double random_draw(uint64_t seed, std::string_view study_name, int64_t trial_number,
                   std::string_view name, const Distribution& distribution);

}  // namespace parzen::detail
