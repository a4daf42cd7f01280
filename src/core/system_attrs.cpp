#include "parzen/system_attrs.hpp"

#include <fmt/format.h>

namespace parzen {

std::string keys::completed_rung(int64_t rung) {
  return fmt::format("{}{}", completed_rung_prefix, rung);
}

std::string keys::grid_point(uint64_t index) { return fmt::format("grid:{}", index); }
std::string keys::cmaes_state(int64_t index) { return fmt::format("cma:state:{}", index); }

bool keys::is_core_key(const std::string& key) {
  return key == fixed_params || key == retried_from || key == retry_count;
}

}  // namespace parzen
