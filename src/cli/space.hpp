#pragma once
// The search space of a CLI experiment: NNI's search_space.json format (every _type, nested
// choices), Parzen's own {type = "float", ...} entries and named presets, in file order.
//
// Each parameter is sampled through a library Distribution. NNI's unbounded and quantised types
// are sampled in a warped space and transformed before the trial sees them: "normal" samples the
// normal's quantile u in [1e-6, 1 - 1e-6] (so values lie within about 4.75 sigma of mu), then
// mu + sigma * Phi^-1(u); "lognormal" exponentiates that; the q-variants round to a multiple of q;
// quniform/qloguniform round and clip to [low, high] (quniform whose bounds are multiples of q is
// sampled directly as a stepped float). The trial's values are stored with each trial (system
// attribute "parzen.params") and shown by the CLI's inspection commands.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/config_error.hpp"
#include "parzen/distributions.hpp"

namespace parzen {
class Trial;
}

namespace parzen::cli {

struct SpaceParam;

struct SpaceParam {
  std::string name{};  // full name: storage, placeholders; nested: "parent.branch.key"
  std::string key{};   // the key it was written under
  std::string type{};  // as written: "choice", "loguniform", "float", "preset adam.lr", ...
  Distribution distribution{};
  enum class Transform { None, Normal, Quantize } transform = Transform::None;
  double mu = 0.0, sigma = 1.0;  // Normal
  bool exponentiate = false;     // lognormal, qlognormal
  std::optional<double> q{};     // round to a multiple of q
  std::optional<std::pair<double, double>> clip{};
  // Choice values that open a sub-space (NNI's {"_name": ..., ...}), by choice index.
  std::map<size_t, std::vector<SpaceParam>> branches{};

  // The value the trial sees for an external value drawn from `distribution`.
  nlohmann::ordered_json present(const ParamValue& sampled) const;
};

struct Space {
  std::vector<SpaceParam> params{};        // top level, in file order
  nlohmann::ordered_json source{};         // the space as written, to store with the study
  std::vector<std::string> names() const;  // every parameter, nested ones included
};

// Parses a space given as a JSON object (from search_space.json, or from the experiment's
// [search_space] table converted to JSON). `map` and `base` locate keys for error messages.
// Throws ConfigError naming the file, line and key.
Space parse_space(const nlohmann::ordered_json& json, const SourceMap& map,
                  const std::string& base = "");
// Reads and parses an NNI search_space.json file.
Space load_space_file(const std::string& path);

// What one trial got: nested like NNI's parameters (a nested choice is {"_name": ..., ...}),
// and flat by full name, as the text that replaces a placeholder.
struct SuggestedParams {
  nlohmann::ordered_json nested = nlohmann::ordered_json::object();
  nlohmann::ordered_json flat = nlohmann::ordered_json::object();
  std::map<std::string, std::string> text{};
};
// Suggests every active parameter of `space` in `trial`, in file order (a nested choice's
// sub-parameters right after it).
SuggestedParams suggest_all(const Space& space, Trial& trial);
// The placeholder text of a presented value: numbers as the shortest decimal that reads back
// the same, strings as they are.
std::string placeholder_text(const nlohmann::ordered_json& value);

// The grid a grid search enumerates: every top-level parameter's finite set of values. Throws
// ConfigError naming a parameter that is continuous, nested or has over `max_values` values.
std::vector<std::pair<std::string, std::vector<ParamValue>>> grid_of(const Space& space,
                                                                     size_t max_values = 100000);

// --- presets ---------------------------------------------------------------------------------
struct Preset {
  std::string name{};
  Distribution distribution{};
  std::optional<Distribution> finetune{};  // with finetune = true
  std::string source{};
  std::string note{};
};
const std::vector<Preset>& presets();
// Throws ConfigError listing the known names when `name` is unknown.
const Preset& find_preset(const std::string& name);

}  // namespace parzen::cli
