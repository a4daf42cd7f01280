#pragma once
// A thread that wakes at times it chooses, for the study's background duties (heartbeats,
// per-trial timeouts). Private to the library.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace parzen::detail {

class PeriodicThread {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  // Runs on the thread with mutex() held, each time a wait ends (its time came, or notify()).
  // Returns when to run next; nullopt: not until notify().
  using Step = std::function<std::optional<TimePoint>(TimePoint now)>;

  PeriodicThread(std::optional<TimePoint> first, Step step)
      : step_(std::move(step)), thread_([this, first] { run(first); }) {}
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

  // Stops the thread (after the step it may be running) and joins it.
  ~PeriodicThread() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  // Guards the state the step reads; callers changing that state hold it too.
  std::mutex& mutex() { return mu_; }
  // Runs the step soon, e.g. after an earlier deadline was added. Call without mutex() held.
  void notify() {
    {
      std::lock_guard lock(mu_);
      kicked_ = true;
    }
    cv_.notify_all();
  }

  // A duration of `s` seconds. Longer than kForever (about 31 years; infinity included) counts
  // as kForever, so that now + seconds(s) never overflows the clock's 64-bit nanoseconds (it
  // would at 9.2e9 s and put a deadline in the past).
  static constexpr double kForever = 1e9;
  static std::chrono::steady_clock::duration seconds(double s) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(s < kForever ? s : kForever));
  }

 private:
  void run(std::optional<TimePoint> next) {
    std::unique_lock lock(mu_);
    const auto woken = [this] { return done_ || kicked_; };
    while (!done_) {
      if (next) {
        cv_.wait_until(lock, *next, woken);
      } else {
        cv_.wait(lock, woken);
      }
      if (done_) break;
      kicked_ = false;
      // Woken early by notify(), the step only re-plans: it acts on what is due by `now`.
      next = step_(std::chrono::steady_clock::now());
    }
  }

  Step step_;
  std::mutex mu_{};
  std::condition_variable cv_{};
  bool done_ = false;
  bool kicked_ = false;
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace parzen::detail
