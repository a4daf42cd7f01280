#pragma once
// The immutable record of one trial, as the storage holds it.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "parzen/distributions.hpp"

namespace parzen {

using StudyId = std::int64_t;
using TrialId = std::int64_t;
using Clock = std::chrono::system_clock;

enum class Direction { Minimize, Maximize };

// waiting: enqueued, not yet claimed by a worker; running: claimed, the objective is evaluating
// it; complete / pruned / failed: finished, never to change again.
enum class TrialState { Waiting, Running, Complete, Pruned, Failed };

std::string_view to_string(TrialState state);     // "waiting", "running", "complete", ...
std::string_view to_string(Direction direction);  // "minimize", "maximize"
// Parses the names above (case-insensitive); throws InvalidArgument on anything else.
TrialState trial_state_from_string(std::string_view name);
Direction direction_from_string(std::string_view name);

inline bool is_finished(TrialState s) {
  return s == TrialState::Complete || s == TrialState::Pruned || s == TrialState::Failed;
}

struct FrozenTrial {
  TrialId id = -1;      // unique within the storage
  int64_t number = -1;  // 0, 1, 2, ... within the study, gapless, in creation order
  TrialState state = TrialState::Running;

  std::map<std::string, ParamValue> params{};           // external values
  std::map<std::string, Distribution> distributions{};  // same keys as params

  // One entry per study direction once complete; the last intermediate value when pruned.
  std::vector<double> values{};
  // Constraint values; the trial is feasible when every one is <= 0. Empty: unconstrained.
  std::vector<double> constraints{};
  std::map<int64_t, double> intermediate_values{};  // step -> value

  nlohmann::json user_attrs = nlohmann::json::object();
  // Attributes for Parzen's own bookkeeping (e.g. "grid_id", "fixed_params").
  nlohmann::json system_attrs = nlohmann::json::object();

  std::optional<Clock::time_point> datetime_start{};     // set when the trial starts running
  std::optional<Clock::time_point> datetime_complete{};  // set when it finishes
  std::optional<Clock::time_point> last_heartbeat{};
  std::string worker{};       // who ran it: host:pid:thread, for diagnostics
  std::string fail_reason{};  // why a failed trial failed

  // The single objective value; throws InvalidState unless the trial has exactly one value.
  double value() const;
  // Seconds between start and completion, if both are known.
  std::optional<double> duration_seconds() const;
  // True when every constraint value is <= 0 (or there are none). In a study where other trials
  // have constraint values, a trial without them counts as infeasible instead: see
  // multi_objective::feasible_in.
  bool feasible() const;
  // The internal (double) form of a parameter, as samplers use it.
  double internal_param(const std::string& name) const;
  std::optional<int64_t> last_step() const;
};

}  // namespace parzen
