#pragma once
// The one reader of what users write in experiment files, search spaces and sampler options:
// each read checks the value's type and range and, when it is wrong, fails with a ConfigError
// "FILE:LINE: key 'NAME': MESSAGE" naming the key, the value and what to write instead.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/config_error.hpp"

namespace parzen::cli {

// " (did you mean 'x'?)" when one of `known` is within two edits of `key`, else "".
std::string suggestion(const std::string& key, const std::vector<std::string>& known);

// Reads one table of a parsed document (ordered_json with a SourceMap of its lines).
struct OptionsReader {
  const nlohmann::ordered_json& doc;
  const SourceMap& map;
  std::string base{};  // the table's JSON pointer in the document ("" for the top)
  std::string name{};  // its name in messages; empty: base's tokens joined by '.'

  // The table's keys.
  std::string ptr(const std::string& key) const { return pointer_append(base, key); }
  std::string dotted(const std::string& key) const;
  [[noreturn]] void fail(const std::string& key, const std::string& msg) const;
  bool has(const std::string& key) const { return doc.contains(key); }
  const nlohmann::ordered_json& at(const std::string& key) const { return doc[key]; }
  // Fails on the first key not in `known`: "unknown key 'k'" and the closest known key, or the
  // list of known keys.
  void check_keys(const std::vector<std::string>& known) const;
  std::string string(const std::string& key) const;
  bool boolean(const std::string& key) const;
  int64_t integer(const std::string& key, int64_t min) const;  // a JSON/TOML integer >= min
  double number(const std::string& key) const;                 // finite
  double duration(const std::string& key) const;  // seconds, or "90s", "10m", "1h30m"; > 0
  std::vector<std::string> strings(const std::string& key) const;  // a string or an array
  OptionsReader table(const std::string& key) const;

  // Values that are not keys of the table (array elements, NNI "_value" entries): `ptr` points
  // at the value and `what` names it ("choice 2", "\"_value\"[1]"); the message names the table.
  [[noreturn]] void fail_at(const std::string& ptr, const std::string& msg) const;
  double number_at(const nlohmann::ordered_json& v, const std::string& ptr,
                   const std::string& what) const;  // finite
  // An integer, or a number with an integral value (NNI's files write 5.0): |v| <= 9e15.
  int64_t whole_number_at(const nlohmann::ordered_json& v, const std::string& ptr,
                          const std::string& what) const;
};

}  // namespace parzen::cli
