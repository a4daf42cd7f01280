#pragma once
// The text forms of the CSV/JSON export (export.cpp), shared with the CLI's own export
// (src/cli/commands.cpp) so that both write times and fields alike.
#include <optional>
#include <string>

#include "parzen/frozen_trial.hpp"

namespace parzen::detail {

// "2026-11-30T21:50:23.123Z" (UTC, milliseconds); "" when unset.
std::string iso8601(const std::optional<Clock::time_point>& t);

// A CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& s);

}  // namespace parzen::detail
