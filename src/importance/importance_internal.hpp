#pragma once
// What the importance evaluators share: the usable trials as columns of internal values.

#include <string>
#include <vector>

#include "parzen/distributions.hpp"
#include "parzen/importance.hpp"

namespace parzen::importance {

// The trials and parameters an evaluator measures (see importance.hpp for the rules).
struct Data {
  std::vector<std::string> names;            // parameters that admit more than one value, by name
  std::vector<Distribution> distributions;   // one per name
  std::vector<std::vector<double>> columns;  // [param][trial]: internal values
  std::vector<double> values;                // [trial]: the objective value
  bool lower_is_better = true;               // the objective's direction
};

// Unnormalised importance of each parameter of `data` (same order as data.names).
std::vector<double> ped_anova(const Data& data, const ImportanceOptions& options);
std::vector<double> fanova(const Data& data, const ImportanceOptions& options);

}  // namespace parzen::importance
