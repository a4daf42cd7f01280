#pragma once
// The one parser for numbers entering Parzen as text: a trial's last line or result line, its
// `parzen:report` lines, `parzen tell --value`. It accepts everything Python's repr(float)
// prints (subnormals such as 5e-324, 1e+20, inf, -inf, nan) and what C's printf("%g") and
// JavaScript print (Infinity, NaN, a leading +). A magnitude too large for a double (1e400) is
// read as infinite and one too small (1e-400) as zero, as Python's float() does; what an infinite
// or NaN value then means is the library's one rule (a final value that is not finite fails the
// trial with a reason naming the value; a reported one is rejected), not the parser's.

#include <optional>
#include <string_view>

namespace parzen::cli {

// The number `text` spells, or nullopt when it is not exactly one number (no surrounding
// spaces, no trailing characters, no hexadecimal).
std::optional<double> parse_number(std::string_view text);

}  // namespace parzen::cli
