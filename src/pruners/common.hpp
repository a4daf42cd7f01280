#pragma once
// Helpers shared by the pruners.

#include <cstdint>
#include <map>
#include <vector>

#include "parzen/frozen_trial.hpp"
#include "parzen/study_view.hpp"

namespace parzen::pruning {

// The study's direction; throws InvalidState for multi-objective studies.
Direction single_direction(const StudyView& view);

// True when `step` is the first reported step of its checking interval (Optuna's rule): the
// trial's previous reported step lies before the nearest pruning step at or below `step`.
bool is_first_in_interval_step(int64_t step, const std::map<int64_t, double>& reported,
                               int64_t n_warmup_steps, int64_t interval_steps);

// numpy.nanpercentile with linear interpolation; NaN when no value is a number.
double percentile_of(std::vector<double> values, double percentile);

}  // namespace parzen::pruning
