// The relational storage when the connection drops under it (rdb::ConnectionLost), with a
// connection decorator that loses chosen round trips over a real SQLite file: transactions run
// again, and a compare-and-set write whose first attempt committed before the connection dropped
// still reports success, once.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "parzen/parzen.hpp"
#include "storage/rdb/rdb_storage.hpp"

using namespace parzen;

namespace {

class FlakyConnection final : public rdb::Connection {
 public:
  explicit FlakyConnection(std::unique_ptr<rdb::Connection> inner) : inner_(std::move(inner)) {}

  std::atomic<int> lose_begins{0};  // the next N begin_write calls fail before running anything
  std::atomic<bool> lose_commit_answer{false};  // the next commit commits, then the answer is lost
  std::atomic<bool> resend_next_batch{false};   // the next write_batch runs twice (re-sent)

  std::vector<rdb::Row> query(const std::string& sql,
                              const std::vector<rdb::Value>& params = {}) override {
    return inner_->query(sql, params);
  }
  std::vector<std::vector<rdb::Row>> write_batch(
      const std::vector<rdb::Statement>& statements) override {
    if (resend_next_batch.exchange(false)) {
      inner_->write_batch(statements);  // committed; its answer was lost with the connection
      ++reconnects_;
    }
    return inner_->write_batch(statements);
  }
  std::vector<std::vector<rdb::Row>> pipeline(
      const std::vector<rdb::Statement>& statements) override {
    return inner_->pipeline(statements);
  }
  int64_t changes() override { return inner_->changes(); }
  void begin_write() override {
    if (lose_begins > 0) {
      --lose_begins;
      ++reconnects_;
      throw rdb::ConnectionLost("lost the connection (injected)");
    }
    inner_->begin_write();
  }
  void begin_read() override { inner_->begin_read(); }
  void commit() override {
    inner_->commit();
    if (lose_commit_answer.exchange(false)) {
      ++reconnects_;
      throw rdb::ConnectionLost("lost the connection after COMMIT (injected)");
    }
  }
  void rollback() override { inner_->rollback(); }
  std::string dialect() const override { return inner_->dialect(); }
  std::string describe() const override { return inner_->describe(); }
  uint64_t reconnects() const override { return reconnects_; }
  void simulate_reconnect() { ++reconnects_; }  // as the driver re-establishing the connection

 private:
  std::unique_ptr<rdb::Connection> inner_;
  std::atomic<uint64_t> reconnects_{0};
};

struct FlakyStorage {
  FlakyConnection* connection = nullptr;
  std::shared_ptr<Storage> storage;
};

FlakyStorage flaky_sqlite(const std::string& name) {
  const std::string path =
      ::testing::TempDir() + "parzen-flaky-" + name + "-" + std::to_string(getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  auto connection = std::make_unique<FlakyConnection>(rdb::open_sqlite(path, 10));
  FlakyStorage out;
  out.connection = connection.get();
  out.storage = rdb::make_rdb_storage(std::move(connection));
  return out;
}

}  // namespace

TEST(RdbRetries, ATransactionRunsAgainAfterALostConnection) {
  auto [connection, storage] = flaky_sqlite("rerun");
  connection->lose_begins = 2;
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  EXPECT_EQ(storage->studies().size(), 1u);
  EXPECT_EQ(storage->study(s).name, "s");
  // A few attempts, then the error.
  connection->lose_begins = 100;
  EXPECT_THROW(storage->create_study("t", {Direction::Minimize}), rdb::ConnectionLost);
  connection->lose_begins = 0;
  EXPECT_FALSE(storage->find_study("t"));
}

TEST(RdbRetries, AFailureWhoseCommitAnswerWasLostCountsOnceAndIsRetriedOnce) {
  auto [connection, storage] = flaky_sqlite("fail");
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  const FrozenTrial t = storage->create_trial(s, {});
  storage->set_trial_param(t.id, "x", 0.5, FloatDistribution{0, 1});
  connection->lose_commit_answer = true;
  EXPECT_TRUE(storage->fail_trial(t.id, "boom", 1));
  const auto trials = storage->trials(s);
  ASSERT_EQ(trials.size(), 2u);  // one retry, not two
  EXPECT_EQ(trials[0].fail_reason, "boom");
  EXPECT_EQ(trials[1].system_attrs.at(keys::retried_from), 0);
  // Another writer failed it with another reason: a rerun after a reconnect does not claim it.
  const FrozenTrial u = storage->create_trial(s, {});
  EXPECT_TRUE(storage->fail_trial(u.id, "watchdog", 0));
  connection->lose_begins = 1;
  EXPECT_FALSE(storage->fail_trial(u.id, "mine", 0));
}

TEST(RdbRetries, AResultResentAfterAReconnectIsReportedAsAccepted) {
  auto [connection, storage] = flaky_sqlite("finish");
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  const FrozenTrial t = storage->create_trial(s, {});
  connection->resend_next_batch = true;
  EXPECT_TRUE(storage->finish_trial(t.id, TrialState::Complete, {0.5}, ""));
  EXPECT_EQ(storage->trial(t.id).values, std::vector<double>{0.5});
  // Finished by someone else with other values: still rejected.
  const FrozenTrial u = storage->create_trial(s, {});
  EXPECT_TRUE(storage->finish_trial(u.id, TrialState::Complete, {1.0}, ""));
  connection->resend_next_batch = true;
  EXPECT_FALSE(storage->finish_trial(u.id, TrialState::Complete, {2.0}, ""));
  // Without a reconnect, a finished trial is rejected as before.
  EXPECT_FALSE(storage->finish_trial(u.id, TrialState::Complete, {1.0}, ""));
}

TEST(RdbRetries, AfterAReconnectStaleTrialsAreJudgedOnlyOnceTheGracePeriodHasPassed) {
  auto [connection, storage] = flaky_sqlite("stale");
  const StudyId s = storage->create_study("s", {Direction::Minimize});
  const FrozenTrial t = storage->create_trial(s, {});
  const double grace = 1.0;
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // its heartbeat is now stale
  // The connection was re-established (the database was away): its workers could not beat, so
  // nothing is judged until a whole grace period after the storage saw it.
  connection->simulate_reconnect();
  EXPECT_TRUE(storage->fail_stale_trials(s, grace).empty());
  EXPECT_EQ(storage->trial(t.id).state, TrialState::Running);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const auto failed = storage->fail_stale_trials(s, grace);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].id, t.id);
}
