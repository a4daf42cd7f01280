// The in-memory storage: one mutex over everything, which makes every operation atomic. Text is
// made valid UTF-8 where it enters (storage/utf8.hpp), as in the relational storage, so both
// backends return the same record.

#include <deque>
#include <map>
#include <mutex>
#include <unordered_map>

#include <fmt/format.h>

#include "parzen/error.hpp"
#include "parzen/storage.hpp"
#include "parzen/system_attrs.hpp"
#include "storage/utf8.hpp"

namespace parzen {
namespace {

// String choices as the relational storage returns them (its JSON column replaces invalid UTF-8).
Distribution storable(const Distribution& distribution) {
  const auto* c = std::get_if<CategoricalDistribution>(&distribution);
  if (!c) return distribution;
  CategoricalDistribution out = *c;
  for (auto& v : out.choices)
    if (auto* s = std::get_if<std::string>(&v)) *s = detail::storable_json(*s).get<std::string>();
  return out;
}

class InMemoryStorage final : public Storage {
 public:
  StudyId create_study(const std::string& given_name,
                       const std::vector<Direction>& directions) override {
    const std::string name = detail::storable_text(given_name);
    validate_study_name(name);
    if (directions.empty())
      throw InvalidArgument(fmt::format("study '{}' needs at least one direction", name));
    std::lock_guard lock(mu_);
    if (by_name_.count(name))
      throw DuplicatedStudy(fmt::format("a study named '{}' already exists", name));
    const StudyId id = next_study_++;
    StudyData& s = studies_[id];
    s.info.id = id;
    s.info.name = name;
    s.info.directions = directions;
    s.info.datetime_created = Clock::now();
    by_name_[name] = id;
    return id;
  }

  std::optional<StudyId> find_study(const std::string& name) override {
    std::lock_guard lock(mu_);
    auto it = by_name_.find(detail::storable_text(name));
    if (it == by_name_.end()) return std::nullopt;
    return it->second;
  }

  StudyInfo study(StudyId id) override {
    std::lock_guard lock(mu_);
    return info(study_data(id));
  }

  std::vector<StudyInfo> studies() override {
    std::lock_guard lock(mu_);
    std::vector<StudyInfo> out;
    for (const auto& [id, s] : studies_) out.push_back(info(s));
    return out;
  }

  void delete_study(StudyId id) override {
    std::lock_guard lock(mu_);
    StudyData& s = study_data(id);
    for (TrialId t : s.trials) trials_.erase(t);
    by_name_.erase(s.info.name);
    studies_.erase(id);
  }

  void set_study_user_attr(StudyId id, const std::string& key,
                           const nlohmann::json& value) override {
    std::lock_guard lock(mu_);
    study_data(id).info.user_attrs[detail::storable_text(key)] = detail::storable_json(value);
  }

  void set_study_system_attr(StudyId id, const std::string& key,
                             const nlohmann::json& value) override {
    std::lock_guard lock(mu_);
    study_data(id).info.system_attrs[detail::storable_text(key)] = detail::storable_json(value);
  }

  bool add_study_system_attr_if_absent(StudyId id, const std::string& key,
                                       const nlohmann::json& value) override {
    std::lock_guard lock(mu_);
    auto& attrs = study_data(id).info.system_attrs;
    const std::string k = detail::storable_text(key);
    if (attrs.contains(k)) return false;
    attrs[k] = detail::storable_json(value);
    return true;
  }

  FrozenTrial create_trial(StudyId id, const NewTrial& t) override {
    std::lock_guard lock(mu_);
    return create_locked(id, t);
  }

  std::optional<FrozenTrial> create_trial_within(StudyId id, const NewTrial& t,
                                                 const TrialBudget& budget) override {
    std::lock_guard lock(mu_);
    int64_t held = 0;
    for (TrialId tid : study_data(id).trials) {
      const FrozenTrial& r = trials_.at(tid).record;
      if (r.state == TrialState::Running || r.state == TrialState::Waiting ||
          counts_toward(r, budget))
        ++held;
    }
    if (held >= budget.n_trials) return std::nullopt;
    return create_locked(id, t);
  }

  std::optional<FrozenTrial> claim_waiting_trial(StudyId id, const std::string& worker,
                                                 bool heartbeat) override {
    std::lock_guard lock(mu_);
    StudyData& s = study_data(id);
    if (s.waiting.empty()) return std::nullopt;
    TrialData& td = trials_.at(s.waiting.front());
    s.waiting.pop_front();
    td.record.state = TrialState::Running;
    td.record.datetime_start = Clock::now();
    td.record.last_heartbeat =
        heartbeat ? std::optional<Clock::time_point>(td.record.datetime_start) : std::nullopt;
    td.record.worker = detail::storable_text(worker);
    touch(s, td);
    return td.record;
  }

 private:
  FrozenTrial create_locked(StudyId id, const NewTrial& t) {
    StudyData& s = study_data(id);
    FrozenTrial record = make_new_trial_record(t, static_cast<int64_t>(s.trials.size()));
    const TrialId tid = next_trial_++;
    record.id = tid;
    TrialData& td = trials_[tid];
    td.study = id;
    td.record = std::move(record);
    if (t.state == TrialState::Waiting) s.waiting.push_back(tid);
    s.trials.push_back(tid);
    touch(s, td);
    return td.record;
  }

 public:
  void set_trial_param(TrialId id, const std::string& name, double internal_value,
                       const Distribution& distribution) override {
    const Distribution d = storable(distribution);
    write_running(id, [&](FrozenTrial& r) {
      const std::string n = detail::storable_text(name);
      r.params[n] = to_external(d, internal_value);
      r.distributions[n] = d;
    });
  }

  void set_trial_intermediate_value(TrialId id, int64_t step, double value) override {
    write_running(id, [&](FrozenTrial& r) { r.intermediate_values[step] = value; });
  }

  void set_trial_constraints(TrialId id, const std::vector<double>& constraints) override {
    check_finite_constraints(constraints);
    write_running(id, [&](FrozenTrial& r) { r.constraints = constraints; });
  }

  void set_trial_user_attr(TrialId id, const std::string& key,
                           const nlohmann::json& value) override {
    write_running(id, [&](FrozenTrial& r) {
      r.user_attrs[detail::storable_text(key)] = detail::storable_json(value);
    });
  }

  void set_trial_system_attr(TrialId id, const std::string& key,
                             const nlohmann::json& value) override {
    write_running(id, [&](FrozenTrial& r) {
      r.system_attrs[detail::storable_text(key)] = detail::storable_json(value);
    });
  }

  // As in the SQL storages, a heartbeat bumps no version: trials_since does not return it.
  void record_heartbeat(TrialId id) override {
    std::lock_guard lock(mu_);
    TrialData& td = trial_data(id);
    if (td.record.state != TrialState::Running)
      throw InvalidState(fmt::format("trial {} is {}, not running; it can no longer be changed",
                                     td.record.number, to_string(td.record.state)));
    td.record.last_heartbeat = Clock::now();
  }

  bool finish_trial(TrialId id, TrialState state, const std::vector<double>& values,
                    const std::string& fail_reason) override {
    if (!is_finished(state))
      throw InvalidArgument(
          fmt::format("finish_trial needs a finished state, not {}", to_string(state)));
    std::lock_guard lock(mu_);
    TrialData& td = trial_data(id);
    if (td.record.state != TrialState::Running) return false;
    td.record.state = state;
    td.record.values = values;
    td.record.fail_reason =
        state == TrialState::Failed ? detail::storable_text(fail_reason) : std::string();
    td.record.datetime_complete = Clock::now();
    touch(studies_.at(td.study), td);
    return true;
  }

  bool fail_trial(TrialId id, const std::string& reason, int max_retries) override {
    std::lock_guard lock(mu_);
    TrialData& td = trial_data(id);
    if (td.record.state != TrialState::Running) return false;
    fail_locked(td, detail::storable_text(reason), max_retries);
    return true;
  }

  std::vector<FrozenTrial> fail_stale_trials(StudyId id, double grace_seconds,
                                             int max_retries) override {
    std::lock_guard lock(mu_);
    StudyData& s = study_data(id);
    const auto now = Clock::now();
    std::vector<FrozenTrial> failed;
    for (size_t i = 0; i < s.trials.size(); ++i) {  // retries append to s.trials
      TrialData& td = trials_.at(s.trials[i]);
      FrozenTrial& r = td.record;
      if (r.state != TrialState::Running || !r.last_heartbeat) continue;
      const double silent = std::chrono::duration<double>(now - *r.last_heartbeat).count();
      if (silent <= grace_seconds) continue;
      fail_locked(td, fmt::format("no heartbeat for {:.1f} s from worker {}", silent, r.worker),
                  max_retries);
      failed.push_back(trials_.at(s.trials[i]).record);
    }
    return failed;
  }

  FrozenTrial trial(TrialId id) override {
    std::lock_guard lock(mu_);
    return trial_data(id).record;
  }

  TrialsDelta trials_since(StudyId id, uint64_t version) override {
    std::lock_guard lock(mu_);
    StudyData& s = study_data(id);
    TrialsDelta delta;
    delta.version = s.version;
    std::vector<const FrozenTrial*> changed;
    for (auto it = s.by_version.upper_bound(version); it != s.by_version.end(); ++it)
      changed.push_back(&trials_.at(it->second).record);
    std::sort(changed.begin(), changed.end(),
              [](const FrozenTrial* a, const FrozenTrial* b) { return a->number < b->number; });
    delta.trials.reserve(changed.size());
    for (const FrozenTrial* r : changed) delta.trials.push_back(*r);
    return delta;
  }

 private:
  struct StudyData {
    StudyInfo info;
    std::vector<TrialId> trials;  // by number
    std::deque<TrialId> waiting;  // oldest first
    uint64_t version = 0;
    std::map<uint64_t, TrialId> by_version;  // each trial under the version of its last write
  };
  struct TrialData {
    StudyId study = -1;
    uint64_t version = 0;
    FrozenTrial record;
  };

  // Fails a running trial and enqueues its retry while retries are left (make_retry).
  void fail_locked(TrialData& td, const std::string& reason, int max_retries) {
    FrozenTrial& r = td.record;
    r.state = TrialState::Failed;
    r.values.clear();
    r.fail_reason = reason;
    r.datetime_complete = Clock::now();
    const StudyId study = td.study;
    if (r.system_attrs.value(keys::retry_count, 0) < max_retries) {
      const FrozenTrial failed = r;
      const int64_t number = create_locked(study, make_retry(failed)).number;
      trials_.at(failed.id).record.system_attrs[keys::retried_by] = number;
    }
    touch(studies_.at(study), trials_.at(r.id));
  }

  StudyData& study_data(StudyId id) {
    auto it = studies_.find(id);
    if (it == studies_.end()) throw NotFound(fmt::format("no study with id {}", id));
    return it->second;
  }

  TrialData& trial_data(TrialId id) {
    auto it = trials_.find(id);
    if (it == trials_.end()) throw NotFound(fmt::format("no trial with id {}", id));
    return it->second;
  }

  StudyInfo info(const StudyData& s) const {
    StudyInfo i = s.info;
    i.n_trials = static_cast<int64_t>(s.trials.size());
    return i;
  }

  void touch(StudyData& s, TrialData& td) {
    if (td.version) s.by_version.erase(td.version);
    td.version = ++s.version;
    s.by_version[td.version] = td.record.id;
  }

  template <class F>
  void write_running(TrialId id, F&& write) {
    std::lock_guard lock(mu_);
    TrialData& td = trial_data(id);
    if (td.record.state != TrialState::Running)
      throw InvalidState(fmt::format("trial {} is {}, not running; it can no longer be changed",
                                     td.record.number, to_string(td.record.state)));
    write(td.record);
    touch(studies_.at(td.study), td);
  }

  std::mutex mu_;
  StudyId next_study_ = 1;
  TrialId next_trial_ = 1;
  std::map<StudyId, StudyData> studies_;
  std::unordered_map<TrialId, TrialData> trials_;
  std::map<std::string, StudyId> by_name_;
};

}  // namespace

std::shared_ptr<Storage> make_in_memory_storage() { return std::make_shared<InMemoryStorage>(); }

}  // namespace parzen
