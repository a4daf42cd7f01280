#pragma once
// The one table of samplers and pruners: for each name, what it is, its options (key, type,
// default, range, help), what it supports, and how to build it from options given as JSON. The
// C++ API, experiment files, every `parzen` command (run, ask --sampler, info) and, later, the
// Python package and the dashboard all read it, so a name, an option or a default is written in
// one place. Defaults are read from the options structs (TpeSamplerOptions{} ...), and ranges are
// checked by their validate(), so the table never restates either.
//
//   auto sampler = parzen::make_sampler("tpe", {{"seed", 42}, {"multivariate", true}});
//   auto pruner = parzen::make_pruner("hyperband", {{"max_resource", 27}});
//   for (const auto& entry : parzen::sampler_registry()) std::cout << entry.name << "\n";
//
// Adding a sampler: its files, one entry in src/registry/samplers.cpp, its tests (see
// docs/architecture.md).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "parzen/distributions.hpp"
#include "parzen/error.hpp"
#include "parzen/pruner.hpp"
#include "parzen/sampler.hpp"

namespace parzen {

enum class OptionType {
  Bool,
  Int,
  Float,
  String,
  Choice,  // a string out of OptionSpec::choices
  Pruner,  // a nested pruner: an object with "type" and that pruner's options (PatientPruner)
  Points,  // a list of points, each a list of numbers (NSGA-III's reference_points); [] or null:
           // none given
};

// "bool", "int", "float", "string", "choice", "pruner", "points".
const char* to_string(OptionType type);

struct OptionSpec {
  std::string name{};
  OptionType type = OptionType::Bool;
  // The value when the option is left out, as the options struct has it; null: unset (an
  // optional left empty, e.g. a random seed or an "auto" resource, and for a required option).
  nlohmann::json default_value{};
  // The allowed range (inclusive), documented here and enforced by the struct's validate().
  std::optional<double> min{};
  std::optional<double> max{};
  bool min_exclusive = false;          // the value must be > min
  std::vector<std::string> choices{};  // for Choice
  // The option accepts the string "auto" for the unset default (e.g. Hyperband's max_resource).
  bool accepts_auto = false;
  // The option has no usable default and must be given (e.g. PercentilePruner's percentile).
  bool required = false;
  std::string help{};
};

// What a sampler supports and what it needs from the study it samples for.
struct SamplerCapabilities {
  bool multi_objective = false;     // studies with several directions
  bool constraints = false;         // uses constraint values (feasibility) when sampling
  bool conditional_spaces = false;  // parameters that only some trials have are modelled
  // Needs the study's pruner to be a HyperbandPruner with max_resource set (SamplerContext).
  bool needs_hyperband_pruner = false;
  // Needs every parameter's values up front (SamplerContext::grid).
  bool needs_grid = false;
  // With multi_objective: the most directions it handles (0: no limit).
  size_t max_objectives = 0;
};

// What some samplers need beyond their options.
struct SamplerContext {
  // For samplers with needs_grid: each parameter with the values to try, in order.
  std::vector<std::pair<std::string, std::vector<ParamValue>>> grid{};
  // The pruner of the study the sampler will sample for ("bohb" and TPE's per_bracket read a
  // HyperbandPruner's rungs and brackets). May be null.
  std::shared_ptr<Pruner> pruner{};
};

using SamplerFactory =
    std::function<std::shared_ptr<Sampler>(const nlohmann::json& options, const SamplerContext&)>;
using PrunerFactory = std::function<std::shared_ptr<Pruner>(const nlohmann::json& options)>;

struct SamplerEntry {
  std::string name{};                  // as written in experiment files and on the command line
  std::vector<std::string> aliases{};  // other names accepted for it (none yet; as pruners)
  std::string summary{};
  std::vector<OptionSpec> options{};
  SamplerCapabilities capabilities{};
  // Builds the sampler from options already checked against `options` (make_sampler does that).
  SamplerFactory factory{};
};

struct PrunerCapabilities {
  bool multi_objective = false;  // studies with several directions
  bool wraps_pruner = false;     // takes another pruner as an option
};

struct PrunerEntry {
  std::string name{};
  std::vector<std::string> aliases{};  // other names accepted for it ("asha")
  std::string summary{};
  std::vector<OptionSpec> options{};
  PrunerCapabilities capabilities{};
  PrunerFactory factory{};
};

// Every sampler and every pruner, in the order `parzen info` lists them.
const std::vector<SamplerEntry>& sampler_registry();
const std::vector<PrunerEntry>& pruner_registry();

// The entry of a name (a pruner also by alias); nullptr when unknown.
const SamplerEntry* find_sampler(const std::string& name);
const PrunerEntry* find_pruner(const std::string& name);

// Builds a sampler or pruner by name from options given as a JSON object (null: none; its
// "type", if any, is ignored). Throws InvalidArgument for an unknown name ("unknown sampler 'tpee';
// expected one of: ... (did you mean 'tpe'?)") or a context the sampler cannot work in (no
// Hyperband pruner), and OptionError, whose key() names the option, for an unknown key (with a
// suggestion), a value of the wrong type or out of range. Inside a nested pruner the key is dotted
// ("wrapped.patience").
std::shared_ptr<Sampler> make_sampler(const std::string& name,
                                      const nlohmann::json& options = nlohmann::json::object(),
                                      const SamplerContext& context = {});
std::shared_ptr<Pruner> make_pruner(const std::string& name,
                                    const nlohmann::json& options = nlohmann::json::object());

// The whole registry as JSON (names, summaries, options with their types, defaults, ranges and
// help, capabilities), for `parzen info --json`, bindings and the dashboard.
nlohmann::json registry_json();

// " (did you mean 'x'?)" when one of `known` is within two edits of `word`; "" otherwise.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& known);

}  // namespace parzen
