#pragma once
// A test-only Storage decorator: forwards every call to an in-memory storage, and makes chosen
// writes fail with StorageError (as a lost connection, a full disk or a refused encoding would).

#include <atomic>
#include <memory>
#include <string>

#include "parzen/error.hpp"
#include "parzen/storage.hpp"

namespace parzen::testing {

class FailingStorage : public Storage {
 public:
  explicit FailingStorage(std::shared_ptr<Storage> inner = make_in_memory_storage())
      : inner_(std::move(inner)) {}

  // The n-th call (1-based) of that write fails, and every one after it while `sticky`.
  std::atomic<int> fail_finish_at{0};
  std::atomic<bool> fail_finish_sticky{false};
  std::atomic<int> fail_param_at{0};
  std::atomic<bool> fail_fail_trial{false};  // every fail_trial throws

  StudyId create_study(const std::string& name, const std::vector<Direction>& d) override {
    return inner_->create_study(name, d);
  }
  std::optional<StudyId> find_study(const std::string& name) override {
    return inner_->find_study(name);
  }
  StudyInfo study(StudyId s) override { return inner_->study(s); }
  std::vector<StudyInfo> studies() override { return inner_->studies(); }
  void delete_study(StudyId s) override { inner_->delete_study(s); }
  void set_study_user_attr(StudyId s, const std::string& k, const nlohmann::json& v) override {
    inner_->set_study_user_attr(s, k, v);
  }
  void set_study_system_attr(StudyId s, const std::string& k, const nlohmann::json& v) override {
    inner_->set_study_system_attr(s, k, v);
  }
  bool add_study_system_attr_if_absent(StudyId s, const std::string& k,
                                       const nlohmann::json& v) override {
    return inner_->add_study_system_attr_if_absent(s, k, v);
  }
  FrozenTrial create_trial(StudyId s, const NewTrial& t) override {
    return inner_->create_trial(s, t);
  }
  std::optional<FrozenTrial> create_trial_within(StudyId s, const NewTrial& t,
                                                 const TrialBudget& b) override {
    return inner_->create_trial_within(s, t, b);
  }
  std::optional<FrozenTrial> claim_waiting_trial(StudyId s, const std::string& w,
                                                 bool heartbeat) override {
    return inner_->claim_waiting_trial(s, w, heartbeat);
  }
  bool fail_trial(TrialId t, const std::string& reason, int max_retries) override {
    if (fail_fail_trial) throw StorageError("database is full (injected)");
    return inner_->fail_trial(t, reason, max_retries);
  }
  void set_trial_param(TrialId t, const std::string& name, double v,
                       const Distribution& d) override {
    if (++params_ == fail_param_at) throw StorageError("disk I/O error (injected)");
    inner_->set_trial_param(t, name, v, d);
  }
  void set_trial_intermediate_value(TrialId t, int64_t step, double v) override {
    inner_->set_trial_intermediate_value(t, step, v);
  }
  void set_trial_constraints(TrialId t, const std::vector<double>& c) override {
    inner_->set_trial_constraints(t, c);
  }
  void set_trial_user_attr(TrialId t, const std::string& k, const nlohmann::json& v) override {
    inner_->set_trial_user_attr(t, k, v);
  }
  void set_trial_system_attr(TrialId t, const std::string& k, const nlohmann::json& v) override {
    inner_->set_trial_system_attr(t, k, v);
  }
  void record_heartbeat(TrialId t) override { inner_->record_heartbeat(t); }
  bool finish_trial(TrialId t, TrialState s, const std::vector<double>& v,
                    const std::string& reason) override {
    const int n = ++finishes_;
    if (n == fail_finish_at || (fail_finish_sticky && fail_finish_at > 0 && n > fail_finish_at))
      throw StorageError("database is full (injected)");
    return inner_->finish_trial(t, s, v, reason);
  }
  std::vector<FrozenTrial> fail_stale_trials(StudyId s, double grace, int max_retries) override {
    return inner_->fail_stale_trials(s, grace, max_retries);
  }
  FrozenTrial trial(TrialId t) override { return inner_->trial(t); }
  TrialsDelta trials_since(StudyId s, uint64_t version) override {
    return inner_->trials_since(s, version);
  }

 private:
  std::shared_ptr<Storage> inner_;
  std::atomic<int> finishes_{0};
  std::atomic<int> params_{0};
};

}  // namespace parzen::testing
