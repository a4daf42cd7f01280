#pragma once
// How a registry entry reads its options: one Field per option, bound to a member of the options
// struct. The field's type, default and (for nested structs) place are taken from the member
// itself, so the table states only the key, the documented range and the help text; the range is
// enforced by the struct's validate() when the sampler or pruner is constructed.

#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "parzen/error.hpp"
#include "parzen/registry.hpp"

namespace parzen::internal {

template <class O>
struct Field {
  OptionSpec spec;
  // Stores a value whose JSON type check_type() has accepted. `owner` names the struct in
  // messages.
  std::function<void(O&, const nlohmann::json&, const std::string& owner)> set;
};

// "a string", "an integer", ... for messages about a value of the wrong type.
std::string json_kind(const nlohmann::json& value);

// Throws OptionError "OWNER: KEY = VALUE, must be ..." unless `value` has the spec's type.
void check_type(const std::string& owner, const OptionSpec& spec, const nlohmann::json& value);

struct Range {
  std::optional<double> min{};
  std::optional<double> max{};
  bool min_exclusive = false;
};

template <class T>
struct Unwrap {
  static constexpr bool optional = false;
  using type = T;
};
template <class T>
struct Unwrap<std::optional<T>> {
  static constexpr bool optional = true;
  using type = T;
};
template <class T>
constexpr bool is_optional = Unwrap<T>::optional;
template <class V>
constexpr bool is_seed = std::is_same_v<V, uint64_t>;

// The option `name` stored in `member`; its type and default come from the member.
template <class O, class T>
Field<O> field(std::string name, T O::*member, std::string help, Range range = {}) {
  OptionSpec spec{.name = std::move(name),
                  .min = range.min,
                  .max = range.max,
                  .min_exclusive = range.min_exclusive,
                  .help = help};
  using V = typename Unwrap<T>::type;
  static_assert(std::is_same_v<V, bool> || std::is_same_v<V, int64_t> ||
                    std::is_same_v<V, uint64_t> || std::is_same_v<V, double>,
                "an option is a bool, an integer or a double (or an optional of one)");
  if constexpr (std::is_same_v<V, bool>)
    spec.type = OptionType::Bool;
  else if constexpr (std::is_integral_v<V>)
    spec.type = OptionType::Int;
  else
    spec.type = OptionType::Float;
  // A seed cannot be negative whatever the struct says.
  if constexpr (is_seed<V>) spec.min = spec.min.value_or(0);
  const T fallback = O{}.*member;
  if constexpr (is_optional<T>) {
    spec.default_value = fallback ? nlohmann::json(*fallback) : nlohmann::json();
    // An unset resource is written "auto"; an unset seed or bound is left out.
    spec.accepts_auto = std::is_same_v<V, int64_t>;
  } else {
    spec.default_value = fallback;
  }
  const std::optional<double> min = spec.min;
  auto set = [member, min, key = spec.name](O& o, const nlohmann::json& v,
                                            const std::string& owner) {
    if (v.is_null() || (v.is_string() && v.get<std::string>() == "auto")) {
      if constexpr (is_optional<T>) o.*member = std::nullopt;
      return;
    }
    if constexpr (is_seed<V>) {
      // Out of the struct's type: validate() could not see it.
      if (v.is_number_integer() && v.get<int64_t>() < 0 && !v.is_number_unsigned())
        throw OptionError(
            key, fmt::format("{}: {} = {}, must be >= {}", owner, key, v.dump(), min.value_or(0)));
    }
    o.*member = v.get<V>();
  };
  return {std::move(spec), std::move(set)};
}

// An option naming one of `choices` (the external names of an enum).
template <class O, class E>
Field<O> choice_field(std::string name, E O::*member,
                      std::vector<std::pair<std::string, E>> choices, std::string help) {
  OptionSpec spec{.name = std::move(name), .type = OptionType::Choice, .help = std::move(help)};
  for (const auto& [text, value] : choices) {
    spec.choices.push_back(text);
    if (value == O{}.*member) spec.default_value = text;
  }
  auto set = [member, choices](O& o, const nlohmann::json& v, const std::string&) {
    for (const auto& [text, value] : choices)
      if (text == v.get<std::string>()) o.*member = value;
  };
  return {std::move(spec), std::move(set)};
}

// An option holding a list of points (OptionType::Points), e.g. NSGA-III's reference_points;
// null or [] leaves the member empty. check_type() has checked the shape; the struct's validate()
// checks the sizes and values.
template <class O>
Field<O> points_field(std::string name, std::vector<std::vector<double>> O::*member,
                      std::string help) {
  OptionSpec spec{.name = std::move(name),
                  .type = OptionType::Points,
                  .default_value = nlohmann::json(O{}.*member),
                  .help = std::move(help)};
  auto set = [member](O& o, const nlohmann::json& v, const std::string&) {
    o.*member = v.is_null() ? std::vector<std::vector<double>>{}
                            : v.get<std::vector<std::vector<double>>>();
  };
  return {std::move(spec), std::move(set)};
}

// The fields of a nested options struct (BOHB's TPE options) as fields of the outer one.
template <class O, class Inner>
std::vector<Field<O>> lift(const std::vector<Field<Inner>>& fields, Inner O::*member) {
  std::vector<Field<O>> out;
  for (const auto& f : fields)
    out.push_back(
        {f.spec, [set = f.set, member](O& o, const nlohmann::json& v, const std::string& owner) {
           set(o.*member, v, owner);
         }});
  return out;
}

template <class O>
std::vector<OptionSpec> specs_of(const std::vector<Field<O>>& fields) {
  std::vector<OptionSpec> out;
  for (const auto& f : fields) out.push_back(f.spec);
  return out;
}

// Throws OptionError for a key of `options` that is not an option (with a suggestion) and for a
// required option left out. The key "type" (the name of what is built) is always allowed.
void check_keys(const std::string& owner, const std::vector<OptionSpec>& specs,
                const nlohmann::json& options);

// Reads `options` (a JSON object) into an options struct: defaults from O{}, keys, types and
// required options checked here, ranges left to the struct's validate().
template <class O>
O read_options(const std::string& owner, const std::vector<Field<O>>& fields,
               const nlohmann::json& options) {
  check_keys(owner, specs_of(fields), options);
  O o{};
  for (const auto& f : fields) {
    if (!options.contains(f.spec.name)) continue;
    const nlohmann::json& v = options[f.spec.name];
    check_type(owner, f.spec, v);
    f.set(o, v, owner);
  }
  return o;
}

}  // namespace parzen::internal
