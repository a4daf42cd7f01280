// Lookup, option checking and JSON export of the registry; the entries themselves are in
// samplers.cpp and pruners.cpp.

#include "parzen/registry.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "registry/entries.hpp"
#include "registry/schema.hpp"

namespace parzen {
namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

template <class Entry>
std::vector<std::string> names_of(const std::vector<Entry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.name);
  return out;
}

nlohmann::json option_json(const OptionSpec& o) {
  // A required option has no default: the user must give it.
  nlohmann::json j = {{"name", o.name},
                      {"type", to_string(o.type)},
                      {"default", o.required ? nlohmann::json() : o.default_value},
                      {"help", o.help}};
  // Bounds in the option's own type: an integer option's "min" is 0, not 0.0.
  const auto bound = [&](double b) {
    return o.type == OptionType::Int ? nlohmann::json(static_cast<int64_t>(b)) : nlohmann::json(b);
  };
  if (o.min) j["min"] = bound(*o.min);
  if (o.min_exclusive) j["min_exclusive"] = true;
  if (o.max) j["max"] = bound(*o.max);
  if (!o.choices.empty()) j["choices"] = o.choices;
  if (o.accepts_auto) j["accepts_auto"] = true;
  if (o.required) j["required"] = true;
  return j;
}

nlohmann::json options_json(const std::vector<OptionSpec>& options) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& o : options) out.push_back(option_json(o));
  return out;
}

}  // namespace

const char* to_string(OptionType type) {
  switch (type) {
    case OptionType::Bool:
      return "bool";
    case OptionType::Int:
      return "int";
    case OptionType::Float:
      return "float";
    case OptionType::String:
      return "string";
    case OptionType::Choice:
      return "choice";
    case OptionType::Pruner:
      return "pruner";
    case OptionType::Points:
      return "points";
  }
  return "?";
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& known) {
  std::string best;
  size_t best_d = 3;
  for (const auto& k : known) {
    const size_t d = edit_distance(word, k);
    if (d < best_d) best = k, best_d = d;
  }
  return best.empty() ? "" : fmt::format(" (did you mean '{}'?)", best);
}

const std::vector<SamplerEntry>& sampler_registry() {
  static const std::vector<SamplerEntry> entries = internal::sampler_entries();
  return entries;
}

const std::vector<PrunerEntry>& pruner_registry() {
  static const std::vector<PrunerEntry> entries = internal::pruner_entries();
  return entries;
}

const SamplerEntry* find_sampler(const std::string& name) {
  for (const auto& e : sampler_registry())
    if (e.name == name || std::count(e.aliases.begin(), e.aliases.end(), name)) return &e;
  return nullptr;
}

const PrunerEntry* find_pruner(const std::string& name) {
  for (const auto& e : pruner_registry())
    if (e.name == name || std::count(e.aliases.begin(), e.aliases.end(), name)) return &e;
  return nullptr;
}

std::shared_ptr<Sampler> make_sampler(const std::string& name, const nlohmann::json& options,
                                      const SamplerContext& context) {
  const SamplerEntry* entry = find_sampler(name);
  if (!entry) {
    const auto known = names_of(sampler_registry());
    throw InvalidArgument(fmt::format("unknown sampler '{}'; expected one of: {}{}", name,
                                      fmt::join(known, ", "), did_you_mean(name, known)));
  }
  if (!options.is_object() && !options.is_null())
    throw InvalidArgument(fmt::format("the options of sampler '{}' must be an object, not {}", name,
                                      internal::json_kind(options)));
  return entry->factory(options.is_null() ? nlohmann::json::object() : options, context);
}

std::shared_ptr<Pruner> make_pruner(const std::string& name, const nlohmann::json& options) {
  const PrunerEntry* entry = find_pruner(name);
  if (!entry) {
    const auto known = names_of(pruner_registry());
    throw InvalidArgument(fmt::format("unknown pruner '{}'; expected one of: {}{}", name,
                                      fmt::join(known, ", "), did_you_mean(name, known)));
  }
  if (!options.is_object() && !options.is_null())
    throw InvalidArgument(fmt::format("the options of pruner '{}' must be an object, not {}", name,
                                      internal::json_kind(options)));
  return entry->factory(options.is_null() ? nlohmann::json::object() : options);
}

nlohmann::json registry_json() {
  nlohmann::json samplers = nlohmann::json::array();
  for (const auto& e : sampler_registry()) {
    const auto& c = e.capabilities;
    samplers.push_back({{"name", e.name},
                        {"aliases", e.aliases},
                        {"summary", e.summary},
                        {"options", options_json(e.options)},
                        {"capabilities",
                         {{"multi_objective", c.multi_objective},
                          {"constraints", c.constraints},
                          {"conditional_spaces", c.conditional_spaces},
                          {"needs_hyperband_pruner", c.needs_hyperband_pruner},
                          {"needs_grid", c.needs_grid},
                          {"max_objectives", c.max_objectives}}}});
  }
  nlohmann::json pruners = nlohmann::json::array();
  for (const auto& e : pruner_registry())
    pruners.push_back({{"name", e.name},
                       {"aliases", e.aliases},
                       {"summary", e.summary},
                       {"options", options_json(e.options)},
                       {"capabilities",
                        {{"multi_objective", e.capabilities.multi_objective},
                         {"wraps_pruner", e.capabilities.wraps_pruner}}}});
  return {{"samplers", samplers}, {"pruners", pruners}};
}

namespace internal {

std::string json_kind(const nlohmann::json& value) {
  if (value.is_boolean()) return "a boolean";
  if (value.is_number_integer()) return "an integer";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_array()) return "an array";
  if (value.is_object()) return "a table";
  return "nothing";
}

void check_type(const std::string& owner, const OptionSpec& spec, const nlohmann::json& v) {
  const bool unset_ok = spec.default_value.is_null() && !spec.required;
  if (unset_ok && v.is_null()) return;
  std::string rule;
  switch (spec.type) {
    case OptionType::Bool:
      if (v.is_boolean()) return;
      rule = "must be true or false";
      break;
    case OptionType::Int:
      if (v.is_number_integer()) return;
      if (spec.accepts_auto && v.is_string() && v.get<std::string>() == "auto") return;
      rule = spec.accepts_auto ? "must be an integer or \"auto\"" : "must be an integer";
      break;
    case OptionType::Float:
      if (v.is_number()) return;
      rule = "must be a number";
      break;
    case OptionType::String:
      if (v.is_string()) return;
      rule = "must be a string";
      break;
    case OptionType::Choice: {
      if (v.is_string() &&
          std::count(spec.choices.begin(), spec.choices.end(), v.get<std::string>()))
        return;
      // An empty choice (e.g. CMA-ES's restart_strategy = "", no restart) is shown as "".
      std::vector<std::string> shown;
      for (const auto& c : spec.choices) shown.push_back(c.empty() ? "\"\"" : c);
      throw OptionError(
          spec.name,
          fmt::format("{}: {} = {}, must be one of: {}{}", owner, spec.name, v.dump(),
                      fmt::join(shown, ", "),
                      v.is_string() ? did_you_mean(v.get<std::string>(), spec.choices) : ""));
    }
    case OptionType::Pruner:
      if (v.is_object()) return;
      rule = "must be a pruner table with its type, e.g. {type = \"median\"}";
      break;
    case OptionType::Points: {
      if (v.is_null()) return;
      const char* example = "e.g. [[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]";
      if (!v.is_array()) {
        rule = fmt::format("must be a list of points, each a list of numbers ({})", example);
        break;
      }
      for (size_t i = 0; i < v.size(); ++i) {
        const auto& point = v[i];
        bool numbers = point.is_array();
        for (size_t k = 0; numbers && k < point.size(); ++k) numbers = point[k].is_number();
        if (!numbers)
          throw OptionError(
              spec.name,
              fmt::format("{}: {} = {}, point {} (counting from 0) is {}, must be a list of "
                          "numbers, one per objective ({})",
                          owner, spec.name, v.dump(), i, point.dump(), example));
      }
      return;
    }
  }
  throw OptionError(spec.name, fmt::format("{}: {} = {}, {}, not {}", owner, spec.name, v.dump(),
                                           rule, json_kind(v)));
}

void check_keys(const std::string& owner, const std::vector<OptionSpec>& specs,
                const nlohmann::json& options) {
  std::vector<std::string> known;
  for (const auto& s : specs) known.push_back(s.name);
  for (const auto& [key, value] : options.items()) {
    if (key == "type" || std::count(known.begin(), known.end(), key)) continue;
    throw OptionError(
        key,
        fmt::format("{}: unknown option '{}'{}; {}", owner, key, did_you_mean(key, known),
                    known.empty() ? "it takes no options"
                                  : fmt::format("its options are: {}", fmt::join(known, ", "))));
  }
  for (const auto& s : specs)
    if (s.required && !options.contains(s.name))
      throw OptionError(s.name, fmt::format("{}: {} is required ({})", owner, s.name, s.help));
}

}  // namespace internal
}  // namespace parzen
