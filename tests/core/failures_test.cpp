// An objective that throws, returns NaN or infinity, or overruns its timeout gives a failed trial
// with the reason recorded, and the study goes on.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "parzen/parzen.hpp"

using namespace parzen;

namespace {
Study quiet_study() {
  return Study::create(
      {.sampler = RandomSampler::make({.seed = 5}), .log_level = LogLevel::Silent});
}
struct CustomError {};
}  // namespace

// TrialFailed carries the reason as the caller wrote it, without the exception's C++ type.
TEST(Failures, TrialFailedGivesItsMessageAsTheReason) {
  auto study = quiet_study();
  study.optimize(
      [](Trial& t) -> double {
        t.suggest_float("x", 0, 1);
        throw TrialFailed("exited with status 3; stderr: out of memory");
      },
      {.n_trials = 1});
  EXPECT_EQ(study.trials().at(0).state, TrialState::Failed);
  EXPECT_EQ(study.trials().at(0).fail_reason, "exited with status 3; stderr: out of memory");
}

TEST(Failures, ThrowingObjectiveFailsTheTrialAndTheStudyGoesOn) {
  auto study = quiet_study();
  study.optimize(
      [](Trial& t) -> double {
        const double x = t.suggest_float("x", 0, 1);
        if (t.number() % 2 == 0) throw std::runtime_error("diverged at epoch 3");
        if (t.number() == 3) throw CustomError{};
        return x;
      },
      {.n_trials = 6});
  const auto trials = study.trials();
  ASSERT_EQ(trials.size(), 6u);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_EQ(trials[0].fail_reason, "the objective threw std::runtime_error: diverged at epoch 3");
  EXPECT_EQ(trials[0].params.count("x"), 1u);  // what was suggested before the throw is kept
  EXPECT_EQ(trials[1].state, TrialState::Complete);
  EXPECT_EQ(trials[3].state, TrialState::Failed);
  EXPECT_NE(trials[3].fail_reason.find("CustomError"), std::string::npos) << trials[3].fail_reason;
  EXPECT_EQ(trials[5].state, TrialState::Complete);
  EXPECT_EQ(study.best_trial().number, trials[1].value() < trials[5].value() ? 1 : 5);
}

TEST(Failures, NanAndInfinityFailTheTrial) {
  auto study = quiet_study();
  study.optimize(
      [](Trial& t) {
        t.suggest_float("x", 0, 1);
        switch (t.number()) {
          case 0:
            return std::nan("");
          case 1:
            return std::numeric_limits<double>::infinity();
          case 2:
            return -std::numeric_limits<double>::infinity();
          default:
            return 1.0;
        }
      },
      {.n_trials = 4});
  const auto trials = study.trials();
  EXPECT_EQ(trials[0].fail_reason, "the objective returned nan");
  EXPECT_EQ(trials[1].fail_reason, "the objective returned inf");
  EXPECT_EQ(trials[2].fail_reason, "the objective returned -inf");
  EXPECT_TRUE(trials[0].values.empty());
  EXPECT_EQ(trials[3].state, TrialState::Complete);
}

TEST(Failures, CatchExceptionsFalsePropagatesAfterRecordingTheFailure) {
  auto study = quiet_study();
  EXPECT_THROW(study.optimize(
                   [](Trial& t) -> double {
                     if (t.number() == 2) throw std::logic_error("bug");
                     return t.suggest_float("x", 0, 1);
                   },
                   {.n_trials = 10, .catch_exceptions = false}),
               std::logic_error);
  const auto trials = study.trials();
  ASSERT_EQ(trials.size(), 3u);  // no trial started after the failure
  EXPECT_EQ(trials[2].state, TrialState::Failed);
  EXPECT_EQ(trials[2].fail_reason, "the objective threw std::logic_error: bug");
}

TEST(Failures, PrunedObjectiveIsRecordedAsPruned) {
  auto study = quiet_study();
  study.optimize(
      [](Trial& t) -> double {
        t.report(0, 0.9);
        if (t.number() == 0) throw TrialPruned();
        return 0.1;
      },
      {.n_trials = 2});
  const auto trials = study.trials();
  EXPECT_EQ(trials[0].state, TrialState::Pruned);
  EXPECT_EQ(trials[0].values, std::vector<double>{0.9});
  EXPECT_EQ(trials[1].state, TrialState::Complete);
}

TEST(Failures, TrialTimeoutFailsTheTrialAndDiscardsItsLateResult) {
  auto study = quiet_study();
  study.optimize(
      [](Trial& t) {
        if (t.number() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(600));
        return t.suggest_float("x", 0, 1);
      },
      {.n_trials = 3, .trial_timeout_seconds = 0.2});
  const auto trials = study.trials();
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_EQ(trials[0].fail_reason, "exceeded the trial timeout of 0.2 s");
  EXPECT_TRUE(trials[0].values.empty());
  EXPECT_EQ(trials[1].state, TrialState::Complete);
  EXPECT_EQ(trials[2].state, TrialState::Complete);
}

TEST(Failures, TimedOutTrialIsFailedWhileStillRunningSoOtherJobsGoOn) {
  auto study = quiet_study();
  std::atomic<bool> seen_failed_while_running{false};
  study.optimize(
      [&](Trial& t) {
        if (t.number() == 0) {
          // Hold the job long after the deadline; the trial must already be failed meanwhile.
          for (int i = 0; i < 100 && !seen_failed_while_running; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
          return 0.0;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        return t.suggest_float("x", 0, 1);
      },
      {.n_trials = 12,
       .n_jobs = 2,
       .trial_timeout_seconds = 0.15,
       .callbacks = {[&](Study& s, const FrozenTrial&) {
         if (s.trials().at(0).state == TrialState::Failed) seen_failed_while_running = true;
       }}});
  EXPECT_TRUE(seen_failed_while_running.load());
  EXPECT_EQ(study.trials().at(0).state, TrialState::Failed);
  EXPECT_EQ(study.trials({TrialState::Complete}).size(), 11u);
}
