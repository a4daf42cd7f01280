#include "cli/options_reader.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "cli/experiment.hpp"
#include "parzen/registry.hpp"

namespace parzen::cli {
// The library's (parzen/registry.hpp), so that the CLI and the registry suggest alike.
std::string suggestion(const std::string& key, const std::vector<std::string>& known) {
  return did_you_mean(key, known);
}

std::string OptionsReader::dotted(const std::string& key) const {
  std::string prefix = name;
  if (prefix.empty())
    for (size_t i = 1; i < base.size(); ++i) prefix += base[i] == '/' ? '.' : base[i];
  return prefix.empty() ? key : prefix + "." + key;
}

void OptionsReader::fail(const std::string& key, const std::string& msg) const {
  map.fail(ptr(key), dotted(key), msg);
}

void OptionsReader::fail_at(const std::string& pointer, const std::string& msg) const {
  std::string table = name;
  if (table.empty())
    for (size_t i = 1; i < base.size(); ++i) table += base[i] == '/' ? '.' : base[i];
  map.fail(pointer, table, msg);
}

void OptionsReader::check_keys(const std::vector<std::string>& known) const {
  for (const auto& [k, v] : doc.items()) {
    if (std::find(known.begin(), known.end(), k) != known.end()) continue;
    std::string hint = suggestion(k, known);
    if (hint.empty()) {
      std::string list;
      for (const auto& a : known) list += (list.empty() ? "" : ", ") + a;
      hint = "; expected one of: " + list;
    }
    fail(k, fmt::format("unknown key '{}'{}", k, hint));
  }
}

std::string OptionsReader::string(const std::string& key) const {
  if (!at(key).is_string()) fail(key, fmt::format("must be a string, not {}", json_kind(at(key))));
  return at(key).get<std::string>();
}

bool OptionsReader::boolean(const std::string& key) const {
  if (!at(key).is_boolean())
    fail(key, fmt::format("must be true or false, not {}", json_kind(at(key))));
  return at(key).get<bool>();
}

int64_t OptionsReader::integer(const std::string& key, int64_t min) const {
  if (!at(key).is_number_integer())
    fail(key, fmt::format("must be an integer, not {}", json_kind(at(key))));
  const int64_t v = at(key).get<int64_t>();
  if (v < min) fail(key, fmt::format("must be at least {}, got {}", min, v));
  return v;
}

double OptionsReader::number(const std::string& key) const {
  if (!at(key).is_number()) fail(key, fmt::format("must be a number, not {}", json_kind(at(key))));
  const double v = at(key).get<double>();
  if (!std::isfinite(v)) fail(key, "must be finite");
  return v;
}

double OptionsReader::duration(const std::string& key) const {
  double v = 0;
  if (at(key).is_number()) {
    v = number(key);
  } else if (at(key).is_string()) {
    try {
      v = parse_duration(at(key).get<std::string>());
    } catch (const InvalidArgument& e) {
      fail(key, e.what());
    }
  } else {
    fail(key, fmt::format("must be seconds or a duration such as \"90s\", \"10m\", \"2h\", not {}",
                          json_kind(at(key))));
  }
  if (v <= 0) fail(key, "must be positive");
  return v;
}

std::vector<std::string> OptionsReader::strings(const std::string& key) const {
  const auto& v = at(key);
  if (v.is_string()) return {v.get<std::string>()};
  if (!v.is_array()) fail(key, fmt::format("must be an array of strings, not {}", json_kind(v)));
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string())
      map.fail(pointer_append(ptr(key), std::to_string(i)), dotted(key),
               fmt::format("element {} must be a string, not {}", i, json_kind(v[i])));
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

OptionsReader OptionsReader::table(const std::string& key) const {
  if (!at(key).is_object()) fail(key, fmt::format("must be a table, not {}", json_kind(at(key))));
  return OptionsReader{at(key), map, ptr(key), name.empty() ? "" : dotted(key)};
}

double OptionsReader::number_at(const nlohmann::ordered_json& v, const std::string& pointer,
                                const std::string& what) const {
  if (!v.is_number())
    fail_at(pointer, fmt::format("{} must be a number, not {}", what, json_kind(v)));
  const double d = v.get<double>();
  if (!std::isfinite(d)) fail_at(pointer, fmt::format("{} must be finite", what));
  return d;
}

int64_t OptionsReader::whole_number_at(const nlohmann::ordered_json& v, const std::string& pointer,
                                       const std::string& what) const {
  if (v.is_number_integer()) return v.get<int64_t>();
  const double d = number_at(v, pointer, what);
  if (d != std::floor(d) || std::fabs(d) > 9e15)
    fail_at(pointer, fmt::format("{} must be an integer, not {}", what, d));
  return static_cast<int64_t>(d);
}

}  // namespace parzen::cli
