#include "storage/utf8.hpp"

#include <cstdint>

namespace parzen::detail {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the well-formed sequence starting at text[i], or 0 when none starts there; on 0,
// `subpart` is the length of the maximal subpart to replace (at least 1).
// `nul_ok`: whether a NUL byte counts as well-formed (it does in JSON strings, escaped).
size_t sequence_length(std::string_view text, size_t i, size_t& subpart, bool nul_ok) noexcept {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t b0 = byte(i);
  subpart = 1;
  if (b0 == 0) return nul_ok ? 1 : 0;
  if (b0 < 0x80) return 1;
  size_t n;
  uint8_t lo = 0x80, hi = 0xBF;  // the range of the second byte (table 3-7)
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  for (size_t k = 1; k < n; ++k) {
    if (i + k >= text.size()) return 0;
    const uint8_t b = byte(i + k);
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return 0;
    subpart = k + 1;
  }
  return n;
}

bool is_valid(std::string_view text, bool nul_ok) noexcept {
  for (size_t i = 0; i < text.size();) {
    size_t subpart;
    const size_t n = sequence_length(text, i, subpart, nul_ok);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string replace_invalid(std::string text, bool nul_ok) {
  if (is_valid(text, nul_ok)) return text;
  std::string out;
  out.reserve(text.size() + 8);
  for (size_t i = 0; i < text.size();) {
    size_t subpart;
    const size_t n = sequence_length(text, i, subpart, nul_ok);
    if (n == 0) {
      out += kReplacement;
      i += subpart;
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

}  // namespace

bool is_storable_text(std::string_view text) noexcept { return is_valid(text, false); }

std::string storable_text(std::string text) { return replace_invalid(std::move(text), false); }

nlohmann::json storable_json(nlohmann::json value) {
  if (value.is_string()) {
    auto& s = value.get_ref<std::string&>();
    if (!is_valid(s, true)) s = replace_invalid(std::move(s), true);
  } else if (value.is_array()) {
    for (auto& v : value) v = storable_json(std::move(v));
  } else if (value.is_object()) {
    bool keys_ok = true;
    for (auto& [k, v] : value.items()) {
      keys_ok = keys_ok && is_valid(k, true);
      v = storable_json(std::move(v));
    }
    if (!keys_ok) {
      nlohmann::json out = nlohmann::json::object();
      for (auto& [k, v] : value.items()) out[replace_invalid(k, true)] = std::move(v);
      return out;
    }
  }
  return value;
}

std::string dump_json(const nlohmann::json& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string dump_json(const nlohmann::ordered_json& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace parzen::detail
