// No failure path leaves a trial running: a result the storage refuses, or a sampler that throws
// after its trial was created, ends with a failed trial and a clear error.

#include <gtest/gtest.h>

#include "core/failing_storage.hpp"
#include "parzen/parzen.hpp"

using namespace parzen;
using parzen::testing::FailingStorage;

namespace {

double objective(Trial& t) { return t.suggest_float("x", 0, 1); }

// Proposes nothing jointly: it throws as a broken model would.
class ThrowingSampler : public RandomSampler {
 public:
  SearchSpace infer_relative_space(const StudyView&, const FrozenTrial&) override {
    throw std::runtime_error("the model diverged");
  }
};

}  // namespace

TEST(StoreFailures, AResultTheStorageRefusesFailsTheTrialAndOptimizeSaysWhy) {
  auto storage = std::make_shared<FailingStorage>();
  storage->fail_finish_at = 2;  // trial 1's result, and its second attempt
  storage->fail_finish_sticky = true;
  auto study = Study::create({.storage_backend = storage, .log_level = LogLevel::Silent});
  try {
    study.optimize(objective, {.n_trials = 4});
    FAIL() << "optimize should rethrow the storage error";
  } catch (const StorageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "could not store the result of trial 1: database is full (injected); it was "
              "recorded as failed");
  }
  const auto trials = study.trials();
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].state, TrialState::Complete);
  EXPECT_EQ(trials[1].state, TrialState::Failed);
  EXPECT_EQ(trials[1].fail_reason, "could not store the result: database is full (injected)");
}

TEST(StoreFailures, WhenTheFallbackWriteFailsTooTheErrorSaysTheTrialStaysRunning) {
  auto storage = std::make_shared<FailingStorage>();
  storage->fail_finish_at = 1;
  storage->fail_finish_sticky = true;
  storage->fail_fail_trial = true;
  auto study = Study::create({.storage_backend = storage, .log_level = LogLevel::Silent});
  auto trial = study.ask();
  try {
    study.tell(trial, 1.0);
    FAIL() << "tell should throw";
  } catch (const StorageError& e) {
    // Each thing said once: the cause (both writes failed the same way) and the outcome.
    EXPECT_EQ(std::string(e.what()),
              "could not store the result of trial 0: database is full (injected); it stays "
              "running until its heartbeat lapses, then another worker fails it");
  }
}

// Try-out 21, finding 8: a result write that fails once (an outage longer than the storage's
// own retries, over by now) is written again with the result in hand: nothing is lost, no
// error, and the study goes on.
TEST(StoreFailures, AResultWriteThatFailsOnceIsStoredAtTheSecondAttempt) {
  auto storage = std::make_shared<FailingStorage>();
  storage->fail_finish_at = 2;  // trial 1's result, once
  auto study = Study::create({.storage_backend = storage, .log_level = LogLevel::Silent});
  study.optimize(objective, {.n_trials = 3});
  const auto trials = study.trials();
  ASSERT_EQ(trials.size(), 3u);
  for (const auto& t : trials) EXPECT_EQ(t.state, TrialState::Complete) << t.number;
  EXPECT_EQ(trials[1].values.at(0), std::get<double>(trials[1].params.at("x")));
}

// When the result cannot be stored at all, the trial is failed by a simpler write that enqueues
// its retry within max_retries, as for a dead worker's trial.
TEST(StoreFailures, ATrialWhoseResultCannotBeStoredIsRetried) {
  auto storage = std::make_shared<FailingStorage>();
  storage->fail_finish_at = 1;
  storage->fail_finish_sticky = true;
  auto study =
      Study::create({.storage_backend = storage, .max_retries = 1, .log_level = LogLevel::Silent});
  EXPECT_THROW(study.optimize(objective, {.n_trials = 1}), StorageError);
  const auto trials = study.trials();
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_EQ(trials[1].state, TrialState::Waiting);
}

TEST(StoreFailures, AParameterWriteThatFailsFailsTheTrialAndTheStudyGoesOn) {
  auto storage = std::make_shared<FailingStorage>();
  storage->fail_param_at = 1;
  auto study = Study::create({.storage_backend = storage, .log_level = LogLevel::Silent});
  study.optimize(objective, {.n_trials = 3});
  const auto trials = study.trials();
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_EQ(trials[0].fail_reason,
            "the objective threw parzen::StorageError: disk I/O error (injected)");
  EXPECT_EQ(trials[2].state, TrialState::Complete);
}

TEST(StoreFailures, ASamplerThatThrowsInAskFailsTheNewTrial) {
  auto study = Study::create(
      {.sampler = std::make_shared<ThrowingSampler>(), .log_level = LogLevel::Silent});
  EXPECT_THROW(study.ask(), std::runtime_error);
  EXPECT_THROW(study.optimize(objective, {.n_trials = 1}), std::runtime_error);
  const auto trials = study.trials();
  ASSERT_EQ(trials.size(), 2u);
  for (const auto& t : trials) {
    EXPECT_EQ(t.state, TrialState::Failed);
    EXPECT_EQ(t.fail_reason, "the sampler failed before the trial started: the model diverged");
  }
}
