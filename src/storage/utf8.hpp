#pragma once
// Text entering the storage is valid UTF-8, whatever bytes a trial printed or a caller passed:
// PostgreSQL refuses invalid sequences (and NUL) in TEXT, and JSON cannot hold them, so one bad
// byte in a fail reason would abort the write that finishes a trial. Every backend sanitises
// where text enters (names, keys, fail reasons, JSON attribute values) and exports dump JSON
// with the same replacement, so rows written before this rule are read too.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace parzen::detail {

// True when `text` is well-formed UTF-8 (Unicode 15, table 3-7) without NUL bytes.
bool is_storable_text(std::string_view text) noexcept;

// `text` with each ill-formed UTF-8 subsequence (its maximal subpart, as in Unicode's "U+FFFD
// substitution of maximal subparts", the WHATWG decoder's rule) and each NUL byte replaced by
// U+FFFD. Returns `text` unchanged (no copy made by the overload taking an rvalue) when it is
// already storable.
std::string storable_text(std::string text);

// `value` with the ill-formed UTF-8 in every string and object key replaced as by storable_text
// (NUL stays: JSON text escapes it). The same text as dump_json writes for `value`.
nlohmann::json storable_json(nlohmann::json value);

// value.dump() that never throws on invalid UTF-8 (it writes U+FFFD instead): for JSON built
// from text read back from older databases. `indent` as in nlohmann::json::dump.
std::string dump_json(const nlohmann::json& value, int indent = -1);
std::string dump_json(const nlohmann::ordered_json& value, int indent = -1);

}  // namespace parzen::detail
