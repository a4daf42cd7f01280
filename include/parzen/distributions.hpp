#pragma once
// Parameter distributions: the domain of one hyperparameter.
//
// A parameter value has two forms. Its external form (ParamValue) is what the objective sees: a
// double for FloatDistribution, an integer for IntDistribution, one of the choices for
// CategoricalDistribution. Its internal form is a double that samplers and storages work with:
// the value itself for floats and integers, the index of the choice for categoricals.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace parzen {

// The external value of a parameter, and the type of a categorical choice. nullptr is the null
// choice (Python's None, JSON null): only a categorical choice can be null.
using ParamValue = std::variant<bool, std::int64_t, double, std::string, std::nullptr_t>;

// A real-valued parameter in [low, high].
struct FloatDistribution {
  double low = 0.0;
  double high = 1.0;
  // Sample uniformly in log space; needs low > 0 and no step.
  bool log = false;
  // Discretise to low, low + step, ..., high; high - low must be a multiple of step.
  std::optional<double> step{};

  bool operator==(const FloatDistribution&) const = default;
};

// An integer parameter in {low, low + step, ..., high}.
struct IntDistribution {
  std::int64_t low = 0;
  std::int64_t high = 1;
  // Sample uniformly in log space; needs low >= 1 and step == 1.
  bool log = false;
  // Spacing of the admissible values; high - low must be a multiple of it.
  std::int64_t step = 1;

  bool operator==(const IntDistribution&) const = default;
};

// One of a finite set of choices (strings, integers, floats, booleans or null, mixed if need be).
struct CategoricalDistribution {
  std::vector<ParamValue> choices{};

  bool operator==(const CategoricalDistribution&) const = default;
};

using Distribution = std::variant<FloatDistribution, IntDistribution, CategoricalDistribution>;

// Throws InvalidArgument naming `param_name` when the distribution is malformed: low > high,
// non-finite bounds or a float width high - low that overflows, log with low <= 0 (or < 1 for
// integers), log combined with a step, a step that is not positive or does not divide high - low,
// no choices or a choice given twice.
void validate(const Distribution& distribution, std::string_view param_name);

// True when the distribution admits only one value.
bool is_single(const Distribution& distribution);

// True when the internal value lies in the distribution (on its grid for stepped ones).
bool contains(const Distribution& distribution, double internal_value);

// The admissible internal value nearest to `internal_value`, for samplers to call on the values
// they compute: clamped into the bounds (a value within a few ulps of a bound becomes the bound
// itself, so exp(log(0.01)) lands on 0.01); stepped floats on their decimal grid (see grid_value);
// integers on their step grid; categoricals the nearest choice index. NaN stays NaN.
double nearest_admissible(const Distribution& distribution, double internal_value);

// Point k of a stepped float's grid, low + k * step, as the shortest decimal it stands for: with
// low = 0 and step = 0.1, point 3 is 0.3 (the double parsed from "0.3"), not the
// 0.30000000000000004 that floating point computes. The result is rounded to the decimal places
// of low's and step's shortest round-trip forms; k <= 0 gives low and the last point gives high,
// both exactly as given. A distribution without a step gives low.
double grid_value(const FloatDistribution& distribution, int64_t k);

// origin + k * step rounded the same way, for grids without bounds (NNI's quniform q: the
// multiples of q). k is a whole number.
double decimal_grid_point(double origin, double step, double k);

// External -> internal form. Values are kept bit for bit (an enqueued or grid value 0.3 stays
// 0.3, on the grid within a relative tolerance of 1e-9 of a step). Throws InvalidArgument naming
// `param_name` when the value has the wrong type or lies outside the distribution.
double to_internal(const Distribution& distribution, const ParamValue& value,
                   std::string_view param_name = "");

// Internal -> external form. A stepped float already on its grid (within the tolerance above) is
// returned unchanged; one off it is moved to the nearest grid point (grid_value).
ParamValue to_external(const Distribution& distribution, double internal_value);

// A short human-readable description, e.g. "float in [0.001, 1] (log)".
std::string describe(const Distribution& distribution);

// JSON round trip, used by storages and exports.
nlohmann::json to_json(const Distribution& distribution);
Distribution distribution_from_json(const nlohmann::json& json);

nlohmann::json to_json(const ParamValue& value);
// Throws InvalidArgument when the JSON is not a bool, number, string or null.
ParamValue param_value_from_json(const nlohmann::json& json);

// "0.1", "42", "rbf", "true", "null": the value as a user would write it.
std::string to_string(const ParamValue& value);

}  // namespace parzen
