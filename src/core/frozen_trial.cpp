#include "parzen/frozen_trial.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "parzen/error.hpp"

namespace parzen {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::string_view to_string(TrialState state) {
  switch (state) {
    case TrialState::Waiting:
      return "waiting";
    case TrialState::Running:
      return "running";
    case TrialState::Complete:
      return "complete";
    case TrialState::Pruned:
      return "pruned";
    case TrialState::Failed:
      return "failed";
  }
  return "unknown";
}

std::string_view to_string(Direction direction) {
  return direction == Direction::Minimize ? "minimize" : "maximize";
}

TrialState trial_state_from_string(std::string_view name) {
  const std::string n = lower(name);
  for (auto s : {TrialState::Waiting, TrialState::Running, TrialState::Complete, TrialState::Pruned,
                 TrialState::Failed})
    if (to_string(s) == n) return s;
  throw InvalidArgument(fmt::format(
      "unknown trial state '{}' (expected waiting, running, complete, pruned or failed)", name));
}

Direction direction_from_string(std::string_view name) {
  const std::string n = lower(name);
  if (n == "minimize" || n == "min") return Direction::Minimize;
  if (n == "maximize" || n == "max") return Direction::Maximize;
  throw InvalidArgument(
      fmt::format("unknown direction '{}' (expected minimize or maximize)", name));
}

double FrozenTrial::value() const {
  if (values.size() != 1)
    throw InvalidState(
        fmt::format("trial {} has {} values; value() needs exactly one", number, values.size()));
  return values[0];
}

std::optional<double> FrozenTrial::duration_seconds() const {
  if (!datetime_start || !datetime_complete) return std::nullopt;
  return std::chrono::duration<double>(*datetime_complete - *datetime_start).count();
}

bool FrozenTrial::feasible() const {
  return std::all_of(constraints.begin(), constraints.end(), [](double c) { return c <= 0; });
}

double FrozenTrial::internal_param(const std::string& name) const {
  const auto p = params.find(name);
  const auto d = distributions.find(name);
  if (p == params.end() || d == distributions.end())
    throw NotFound(fmt::format("trial {} has no parameter '{}'", number, name));
  return to_internal(d->second, p->second, name);
}

std::optional<int64_t> FrozenTrial::last_step() const {
  if (intermediate_values.empty()) return std::nullopt;
  return intermediate_values.rbegin()->first;
}

}  // namespace parzen
