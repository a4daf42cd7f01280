#include "cli/number.hpp"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <string>

namespace parzen::cli {

std::optional<double> parse_number(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') {
    digits.remove_prefix(1);  // from_chars refuses the sign that printf("%+g") writes
    if (!digits.empty() && digits.front() == '-') return std::nullopt;
  }
  if (digits.empty()) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (end != digits.data() + digits.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    // from_chars leaves `value` untouched; strtod gives the overflow's ±HUGE_VAL (infinity) or
    // the underflow's correctly rounded ±0.
    const std::string copy(digits);
    return std::strtod(copy.c_str(), nullptr);
  }
  if (ec != std::errc()) return std::nullopt;
  return value;
}

}  // namespace parzen::cli
