#pragma once
// For tests of configuration errors: what a ConfigError said, or what went wrong instead.

#include <exception>
#include <functional>
#include <string>

#include "cli/config_error.hpp"

namespace parzen_test {

// The message of the ConfigError `f` throws; "not a ConfigError: ..." for another exception,
// "no error" when it throws none.
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const parzen::cli::ConfigError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("not a ConfigError: ") + e.what();
  }
  return "no error";
}

}  // namespace parzen_test
