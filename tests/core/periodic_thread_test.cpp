#include "core/periodic_thread.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

using parzen::detail::PeriodicThread;

namespace {

// Counts the steps and lets the test wait for a count, without asserting on time.
struct Counter {
  std::mutex mu;
  std::condition_variable cv;
  int steps = 0;
  void add() {
    {
      std::lock_guard lock(mu);
      ++steps;
    }
    cv.notify_all();
  }
  void wait_for(int n) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return steps >= n; });
  }
};

}  // namespace

TEST(PeriodicThread, RunsTheStepAtTheTimesItReturns) {
  Counter counter;
  int runs = 0;  // guarded by the thread's mutex
  {
    PeriodicThread thread(
        std::chrono::steady_clock::now(),
        [&](PeriodicThread::TimePoint now) -> std::optional<PeriodicThread::TimePoint> {
          counter.add();
          if (++runs < 3) return now + PeriodicThread::seconds(0.001);
          return std::nullopt;  // then only when notified
        });
    counter.wait_for(3);
    thread.notify();
    counter.wait_for(4);
    std::lock_guard lock(thread.mutex());
    EXPECT_EQ(runs, 4);
  }  // the destructor stops and joins the thread
}

TEST(PeriodicThread, WithNothingPlannedItWaitsForNotify) {
  Counter counter;
  PeriodicThread thread(std::nullopt, [&](PeriodicThread::TimePoint) {
    counter.add();
    return std::optional<PeriodicThread::TimePoint>();
  });
  thread.notify();
  counter.wait_for(1);
  thread.notify();
  counter.wait_for(2);
  std::lock_guard lock(counter.mu);
  EXPECT_EQ(counter.steps, 2);
}

TEST(PeriodicThread, StopsPromptlyWhenItsNextTimeIsFarAway) {
  Counter counter;
  {
    PeriodicThread thread(std::chrono::steady_clock::now() + std::chrono::hours(24),
                          [&](PeriodicThread::TimePoint now) {
                            counter.add();
                            return std::optional<PeriodicThread::TimePoint>(now);
                          });
  }  // would hang for a day if the destructor did not wake the thread
  std::lock_guard lock(counter.mu);
  EXPECT_EQ(counter.steps, 0);
}
