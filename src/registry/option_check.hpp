#pragma once
// The one form of an option range error: "OWNER: KEY = VALUE, RULE" (OWNER the class the options
// belong to, RULE what the value must be), thrown as OptionError so that file readers can point
// at the key. Used by every validate(const XOptions&), each defined in its sampler's or pruner's
// own .cpp.

#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "parzen/error.hpp"

namespace parzen::internal {

template <class T>
std::string option_text(const T& value) {
  return fmt::format("{}", value);
}
template <class T>
std::string option_text(const std::optional<T>& value) {
  return value ? fmt::format("{}", *value) : std::string("unset");
}

// Throws OptionError "OWNER: KEY = VALUE, RULE" unless `ok`.
template <class T>
void check_option(bool ok, std::string_view owner, std::string_view key, const T& value,
                  std::string_view rule) {
  if (!ok)
    throw OptionError(std::string(key),
                      fmt::format("{}: {} = {}, {}", owner, key, option_text(value), rule));
}

}  // namespace parzen::internal
