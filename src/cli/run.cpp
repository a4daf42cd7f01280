#include "cli/run.hpp"

#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <string_view>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/nni_config.hpp"
#include "cli/trial_process.hpp"
#include "parzen/stop_request.hpp"
#include "parzen/study.hpp"
#include "storage/utf8.hpp"

namespace parzen::cli {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

// Writes every byte of `text` (a C-string write would stop at a NUL a trial printed) and a
// newline; on a terminal, control characters a trial printed are shown escaped (terminal_text).
void put_line(const std::string& text, std::FILE* f) {
  const std::string shown = terminal_text_for(f, text);
  std::fwrite(shown.data(), 1, shown.size(), f);
  std::fputc('\n', f);
}

std::string first_line(const std::string& s, size_t max) {
  std::string out = s.substr(0, s.find('\n'));
  if (out.size() > max) out = out.substr(0, max - 3) + "...";
  return out;
}

std::string params_text(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) out += fmt::format("{}{}={}", out.empty() ? "" : " ", k, v);
  return out;
}

std::string values_text(const std::vector<double>& values, const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (!out.empty()) out += ' ';
    if (i < names.size()) out += names[i] + "=";
    out += fmt::format("{}", values[i]);  // the shortest text that reads back exactly
  }
  return out;
}

bool better(double a, double b, Direction d) { return d == Direction::Minimize ? a < b : a > b; }

// The live display: a bar on a terminal, one line per finished trial otherwise.
class Progress {
 public:
  Progress(const Experiment& e, ProgressStyle style, const std::vector<FrozenTrial>& existing)
      : e_(e), style_(style), start_(SteadyClock::now()) {
    for (const auto& t : existing) {
      consider_best(t, shown_params(t));
      if (counts_toward_budget(t, e_.count_failed_trials)) counted_.insert(t.number);
    }
  }

  // Takes in the trials other processes (`parzen worker`s) finished, so that the count and the
  // best value cover the whole study: at most once a second unless `force` (the study's view is
  // refreshed incrementally, but copying every trial is not free).
  void refresh(const Study& study, bool force = false) {
    {
      std::lock_guard lock(mu_);
      const auto now = SteadyClock::now();
      if (!force && now - last_refresh_ < std::chrono::seconds(1)) return;
      last_refresh_ = now;
    }
    const std::vector<FrozenTrial> all = study.trials();
    std::lock_guard lock(mu_);
    for (const auto& t : all) {
      if (running_.count(t.number)) continue;  // ours, shown when finished
      if (counts_toward_budget(t, e_.count_failed_trials)) counted_.insert(t.number);
      if (t.state == TrialState::Complete &&
          (!best_ ||
           (t.values.size() == 1 && better(t.values[0], best_->values[0], e_.directions[0]))))
        consider_best(t, shown_params(t));
    }
  }

  // A trial this process runs: the library's "Trial N failed with parameters ..." warning for
  // it is left out (its progress line says it), until finished() has shown it.
  void claimed(int64_t number) {
    std::lock_guard lock(mu_);
    ours_.insert(number);
  }
  // True for a library message that this display already shows: the failure warning of a trial
  // this process ran, when trial lines are printed (not with --progress quiet). Warnings about
  // other workers' trials (failed for a lapsed heartbeat) are not.
  bool shows(const std::string& message) const {
    if (style_ != ProgressStyle::Lines && style_ != ProgressStyle::Bar) return false;
    static const std::string kPrefix = "Trial ";
    if (message.rfind(kPrefix, 0) != 0) return false;
    const auto space = message.find(' ', kPrefix.size());
    if (space == std::string::npos || message.compare(space, 24, " failed with parameters ") != 0)
      return false;
    int64_t number = -1;
    const char* first = message.data() + kPrefix.size();
    const char* last = message.data() + space;
    if (std::from_chars(first, last, number).ptr != last) return false;
    std::lock_guard lock(mu_);
    return ours_.count(number) > 0;
  }

  void started(int64_t number, std::vector<std::pair<std::string, std::string>> params) {
    std::lock_guard lock(mu_);
    running_[number] = {SteadyClock::now(), std::move(params)};
  }
  void process_ended(int64_t number) {
    std::lock_guard lock(mu_);
    if (auto it = running_.find(number); it != running_.end()) it->second.ended = true;
  }

  void finished(const FrozenTrial& t) {
    std::lock_guard lock(mu_);
    ours_.erase(t.number);
    std::vector<std::pair<std::string, std::string>> params;
    if (auto it = running_.find(t.number); it != running_.end()) {
      params = std::move(it->second.params);
      running_.erase(it);
    } else {
      params = shown_params(t);
    }
    if (counts_toward_budget(t, e_.count_failed_trials) && counted_.insert(t.number).second)
      ++done_;
    const bool improved = consider_best(t, params);
    const auto d = t.duration_seconds();
    const std::string total = e_.n_trials ? fmt::format("/{}", *e_.n_trials) : "";
    std::string line = fmt::format("[{:>4}{}] trial {}{} {}", counted_.size(), total, t.number,
                                   retry_text(t), to_string(t.state));
    if (t.state == TrialState::Complete) {
      line += "  " + values_text(t.values, e_.metrics);
      if (!t.constraints.empty() && !t.feasible()) {
        // Said on the trial's own line: its value may beat the best, which counts feasible
        // trials only.
        std::string violated;
        for (size_t i = 0; i < t.constraints.size(); ++i)
          if (!(t.constraints[i] <= 0))
            violated += fmt::format(
                "{}{} = {} > 0", violated.empty() ? "" : ", ",
                i < e_.constraints.size() ? e_.constraints[i] : fmt::format("constraint_{}", i),
                t.constraints[i]);
        line += "  (infeasible: " + violated +
                (!best_ && e_.directions.size() == 1 ? "; no feasible trial yet)" : ")");
      }
      if (best_ && e_.directions.size() == 1)
        line += fmt::format("  (best {} #{}{})", best_->values[0], best_->number,
                            improved ? ", new" : "");
      else if (e_.directions.size() == 1 && infeasible_seen_ && t.feasible())
        line += "  (infeasible; no feasible trial yet)";
    } else if (t.state == TrialState::Failed) {
      line += retried_text(t) + ": " + first_line(t.fail_reason, 300);
    }
    line += "  " + params_text(params);
    if (d) line += "  " + duration_text(*d);
    if (style_ == ProgressStyle::Lines) {
      put_line(line, stdout);
      std::fflush(stdout);
    } else if (style_ == ProgressStyle::Bar && t.state == TrialState::Failed) {
      print_above(line);
    }
  }

  void message(const std::string& text) {
    std::lock_guard lock(mu_);
    if (style_ == ProgressStyle::Bar) {
      print_above(text);
    } else {
      put_line(text, stderr);
      std::fflush(stderr);
    }
  }

  // Redraws the block; `final` leaves it on the screen for good.
  void draw(bool final = false) {
    std::lock_guard lock(mu_);
    if (style_ != ProgressStyle::Bar) return;
    erase();
    const auto lines = block();
    for (const auto& l : lines) put_line(l, stdout);
    drawn_ = final ? 0 : lines.size();
    std::fflush(stdout);
  }

  std::optional<FrozenTrial> best() const {
    std::lock_guard lock(mu_);
    return best_;
  }

 private:
  struct Running {
    SteadyClock::time_point since;
    std::vector<std::pair<std::string, std::string>> params;
    bool ended = false;
  };

  // " (re-runs trial 4: retry 1 of 2)" for a trial that re-runs a failed one (system attrs,
  // written by the storage that failed it: Storage::fail_trial, fail_stale_trials). Trial 4 is
  // the trial it re-runs, itself possibly a retry; the count is the parameter set's.
  std::string retry_text(const FrozenTrial& t) const {
    const auto from = t.system_attrs.find(keys::retried_from);
    if (from == t.system_attrs.end() || !from->is_number_integer()) return "";
    return fmt::format(" (re-runs trial {}: retry {} of {})", from->get<int64_t>(),
                       t.system_attrs.value(keys::retry_count, 1), e_.max_retries);
  }
  // " (re-run as trial 5: retry 1 of 2)" for a failed trial that was retried.
  std::string retried_text(const FrozenTrial& t) const {
    const auto by = t.system_attrs.find(keys::retried_by);
    if (by == t.system_attrs.end() || !by->is_number_integer()) return "";
    return fmt::format(" (re-run as trial {}: retry {} of {})", by->get<int64_t>(),
                       t.system_attrs.value(keys::retry_count, 0) + 1, e_.max_retries);
  }

  bool consider_best(const FrozenTrial& t,
                     const std::vector<std::pair<std::string, std::string>>& params) {
    if (t.state != TrialState::Complete || e_.directions.size() != 1 || t.values.size() != 1)
      return false;
    // With constraints the best is the best feasible trial (as `parzen best` and the summary):
    // an infeasible value is neither shown as the best nor reaches stop_when.
    if (!t.feasible()) {
      infeasible_seen_ = true;
      return false;
    }
    if (best_ && !better(t.values[0], best_->values[0], e_.directions[0])) return false;
    best_ = t;
    best_params_ = params;
    return true;
  }

  size_t width() const {
    winsize ws{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col;
    return 100;
  }

  std::vector<std::string> block() const {
    const double elapsed = std::chrono::duration<double>(SteadyClock::now() - start_).count();
    const int64_t done = static_cast<int64_t>(counted_.size());
    std::string head;
    if (e_.n_trials) {
      const double frac =
          std::min(1.0, static_cast<double>(done) / static_cast<double>(*e_.n_trials));
      const int filled = static_cast<int>(frac * 30);
      head = fmt::format("{} [{}{}] {}/{} trials  elapsed {}", e_.name, std::string(filled, '#'),
                         std::string(30 - filled, '.'), done, *e_.n_trials, duration_text(elapsed));
      if (done_ > 0 && done < *e_.n_trials)
        head += "  ETA " + duration_text(elapsed / static_cast<double>(done_) *
                                         static_cast<double>(*e_.n_trials - done));
    } else {
      head = fmt::format("{} {} trials  elapsed {}", e_.name, done, duration_text(elapsed));
    }
    std::vector<std::string> lines = {head};
    if (best_)
      lines.push_back(fmt::format("best #{}  {}  {}", best_->number,
                                  values_text(best_->values, e_.metrics),
                                  params_text(best_params_)));
    else if (infeasible_seen_ && e_.directions.size() == 1)
      lines.push_back("best: no feasible trial yet");
    std::string running;
    const auto now = SteadyClock::now();
    size_t shown = 0;
    for (const auto& [n, r] : running_) {
      if (shown++ == 8) {
        running += fmt::format("  +{} more", running_.size() - 8);
        break;
      }
      running += fmt::format("  #{} {}", n,
                             duration_text(std::chrono::duration<double>(now - r.since).count()));
    }
    if (!running.empty()) lines.push_back("running" + running);
    const size_t w = width();
    for (auto& l : lines)
      if (l.size() >= w) l = l.substr(0, w - 4) + "...";
    return lines;
  }

  void erase() {
    for (size_t i = 0; i < drawn_; ++i) std::fputs("\033[1A\r\033[2K", stdout);
    drawn_ = 0;
  }
  void print_above(const std::string& text) {
    erase();
    put_line(text, stdout);
    std::fflush(stdout);
  }

  const Experiment& e_;
  ProgressStyle style_;
  SteadyClock::time_point start_;
  mutable std::mutex mu_;
  std::map<int64_t, Running> running_{};
  std::set<int64_t> ours_{};     // trials this process runs, until their progress line is shown
  int64_t done_ = 0;             // counted trials this process finished (for the ETA)
  std::set<int64_t> counted_{};  // the study's counted trials, as far as seen
  SteadyClock::time_point last_refresh_{};
  std::optional<FrozenTrial> best_{};  // the best feasible complete trial (one objective)
  bool infeasible_seen_ = false;       // a complete trial violated a constraint
  std::vector<std::pair<std::string, std::string>> best_params_{};
  size_t drawn_ = 0;
};

// Routes SIGINT/SIGTERM to the run: the first stops new trials, the second kills running ones.
class InterruptHandler {
 public:
  InterruptHandler() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);  // threads started from now on inherit it
  }
  ~InterruptHandler() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  // One stop action often delivers its signal twice within microseconds: GNU `timeout` and job
  // schedulers signal the process and then its process group. A second signal within
  // kSameRequest of the first is that same request, so it does not turn the graceful stop into
  // a kill; a second Ctrl-C pressed later kills as before.
  static constexpr std::chrono::milliseconds kSameRequest{200};
  void start(std::function<void(int count)> on_signal) {
    thread_ = std::thread([this, on_signal = std::move(on_signal)] {
      int count = 0;
      std::chrono::steady_clock::time_point first{};
      const timespec wait{0, 200'000'000};
      while (!done_) {
        if (sigtimedwait(&set_, nullptr, &wait) <= 0) continue;
        const auto now = std::chrono::steady_clock::now();
        if (count == 1 && now - first < kSameRequest) continue;
        if (count == 0) first = now;
        on_signal(++count);
      }
    });
  }

 private:
  sigset_t set_{}, old_{};
  std::atomic<bool> done_{false};
  std::thread thread_{};
};

// ": LAST STDERR LINE" and the lines before it (stderr_reason); NUL bytes stay: fail() replaces
// them.
std::string stderr_suffix(const std::string& tail) { return stderr_reason(tail); }

// A study attribute from ordered JSON (text from the command line may hold invalid UTF-8).
nlohmann::json plain(const nlohmann::ordered_json& j) {
  return nlohmann::json::parse(detail::dump_json(j));
}

// The protocol lines the run ignored or rejected, each once, for the run's output and the trial.
std::vector<std::string> protocol_warnings(const ProcessResult& r,
                                           const std::vector<std::string>& report_errors,
                                           uint64_t reports_not_kept) {
  std::vector<std::string> out = r.protocol_errors;
  out.insert(out.end(), report_errors.begin(), report_errors.end());
  if (const uint64_t more = r.protocol_errors_not_kept + reports_not_kept; more > 0)
    out.push_back(fmt::format("and {} more ignored or rejected parzen: line(s)", more));
  return out;
}

// Nothing the trial printed is dropped without a word: each warning goes to the run's output and
// the list is stored with the trial (user attribute kWarningsAttr, shown by `parzen trials`).
void keep_warnings(Storage& storage, Trial& t, const std::vector<std::string>& warnings,
                   Progress& progress) {
  if (warnings.empty()) {
    // A retry starts with the user attributes of the trial it re-runs (make_retry): not its
    // warnings.
    if (t.record().user_attrs.contains(kWarningsAttr))
      storage.set_trial_user_attr(t.id(), kWarningsAttr, nlohmann::json::array());
    return;
  }
  for (const auto& w : warnings) progress.message(fmt::format("Trial {}: {}", t.number(), w));
  storage.set_trial_user_attr(t.id(), kWarningsAttr, warnings);
}

std::string message_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "an unknown error";
  }
}

// The run stopped because storing a trial's result failed (storage error, disk full...). The
// library fails such a trial by a second write (StudyCore::finish) and says so in `error`; any
// trial still left running is failed here the same way, so none stays running, and the message
// says which trials and why.
std::string fail_unstored(Storage& storage, const std::map<TrialId, int64_t>& in_flight,
                          const std::string& error, const std::string& shown_storage) {
  std::string out;
  for (const auto& [id, number] : in_flight) {
    const std::string sep = out.empty() ? "" : "\n";
    // What went wrong, said once: without the library's own "could not store the result of
    // trial N: " (StudyCore::finish) and its "; it stays running ..." (said below if still so).
    std::string cause = error;
    const std::string prefix = fmt::format("could not store the result of trial {}: ", number);
    if (cause.rfind(prefix, 0) == 0) cause.erase(0, prefix.size());
    if (const auto tail = cause.find("; it stays running until its heartbeat lapses");
        tail != std::string::npos)
      cause.resize(tail);
    const std::string reason = fmt::format("parzen could not store this trial's result: {}", cause);
    try {
      if (!storage.finish_trial(id, TrialState::Failed, {}, reason)) {
        // Finished already: by the library's own fallback write, or by the trial itself.
        out += storage.trial(id).state == TrialState::Failed
                   ? fmt::format("{}{} (storage {})", sep, error, shown_storage)
                   : fmt::format("{}trial {} had already been finished; {}", sep, number, error);
        continue;
      }
      out += fmt::format(
          "{}could not store the result of trial {} in {}: {}; it is marked failed "
          "with this reason",
          sep, number, shown_storage, cause);
    } catch (const NotFound&) {
      // The trial's row is gone with its study: nothing is left running to fail later.
      out += fmt::format("{}could not store the result of trial {} in {}: {}", sep, number,
                         shown_storage, cause);
      if (error.find("was deleted") == std::string::npos) out += "; the study was deleted";
    } catch (const std::exception& ex) {
      // The error of this last write only where it says something new.
      const std::string also =
          cause.find(ex.what()) == std::string::npos
              ? fmt::format("; marking it failed did not work either: {}", ex.what())
              : "";
      out += fmt::format(
          "{}could not store the result of trial {} in {}: {}{}; the trial stays running until "
          "its heartbeat lapses, then the next `parzen run` or `parzen worker` on the study "
          "fails it (and retries it, within max_retries)",
          sep, number, shown_storage, cause, also);
    }
  }
  return out;
}

}  // namespace

std::string duration_text(double seconds) {
  if (!(seconds < 60)) {
    const auto s = static_cast<int64_t>(seconds);
    if (s >= 3600) return fmt::format("{}:{:02d}:{:02d}", s / 3600, (s / 60) % 60, s % 60);
    return fmt::format("{}:{:02d}", s / 60, s % 60);
  }
  return fmt::format("{:.1f}s", seconds);
}

std::vector<std::pair<std::string, std::string>> shown_params(const FrozenTrial& trial) {
  std::vector<std::pair<std::string, std::string>> out;
  if (auto it = trial.system_attrs.find(kParamsAttr);
      it != trial.system_attrs.end() && it->is_object()) {
    for (const auto& [k, v] : it->items())
      out.emplace_back(k, placeholder_text(nlohmann::ordered_json::parse(v.dump())));
    return out;
  }
  for (const auto& [k, v] : trial.params) out.emplace_back(k, to_string(v));
  return out;
}

bool counts_toward_budget(const FrozenTrial& t, bool count_failed) {
  return counts_toward(t, TrialBudget{0, count_failed});
}

int64_t counted_trials(const std::vector<FrozenTrial>& trials, bool count_failed) {
  return std::count_if(trials.begin(), trials.end(),
                       [&](const FrozenTrial& t) { return counts_toward_budget(t, count_failed); });
}

namespace {

// The steps of run_experiment, in the order it takes them.

ProgressStyle resolved(ProgressStyle style) {
  if (style != ProgressStyle::Auto) return style;
  const char* term = std::getenv("TERM");
  return ::isatty(STDOUT_FILENO) && !(term && std::string(term) == "dumb") ? ProgressStyle::Bar
                                                                           : ProgressStyle::Lines;
}

// The study's trials so far (none when it is new); refuses a stored study whose directions differ
// from the experiment's.
std::vector<FrozenTrial> existing_trials(Storage& storage, const Experiment& e,
                                         const std::string& shown_storage) {
  const auto id = storage.find_study(e.name);
  if (!id) return {};
  const auto info = storage.study(*id);
  if (info.directions != e.directions) {
    std::string have, want;
    for (auto d : info.directions)
      have += std::string(have.empty() ? "" : ", ") + std::string(to_string(d));
    for (auto d : e.directions)
      want += std::string(want.empty() ? "" : ", ") + std::string(to_string(d));
    throw InvalidArgument(fmt::format(
        "study '{}' in {} optimises [{}] but the experiment says [{}]; give the experiment "
        "another name (or `parzen delete {}`)",
        e.name, shown_storage, have, want, e.name));
  }
  return storage.trials(*id);
}

// Creates or loads the study with the experiment's sampler, pruner, heartbeat and retries, and
// (for `parzen run`) stores the experiment in it for `parzen worker`.
// "0 of 10 trials counted so far (5 failed, not counted)": what the budget counts, and the
// trials it does not count, so a study of failed trials does not read as empty.
std::string resume_text(const std::vector<FrozenTrial>& existing, const Experiment& e,
                        int64_t counted) {
  const auto trials = [](int64_t n) { return n == 1 ? "trial" : "trials"; };
  std::string text = e.n_trials ? fmt::format("{} of {} {} counted so far", counted, *e.n_trials,
                                              trials(*e.n_trials))
                                : fmt::format("{} {} counted so far", counted, trials(counted));
  int64_t failed = 0, running = 0, waiting = 0;
  for (const auto& t : existing) {
    failed += t.state == TrialState::Failed;
    running += t.state == TrialState::Running;
    waiting += t.state == TrialState::Waiting;
  }
  std::vector<std::string> others;
  if (failed && !e.count_failed_trials) others.push_back(fmt::format("{} failed", failed));
  if (running) others.push_back(fmt::format("{} running", running));
  if (waiting) others.push_back(fmt::format("{} waiting", waiting));
  if (!others.empty()) text += fmt::format(" ({}; not counted)", fmt::join(others, ", "));
  return text;
}

Study open_study(const Experiment& e, const std::shared_ptr<Storage>& storage, Progress& progress,
                 bool store_experiment) {
  StudyOptions so;
  so.name = e.name;
  so.storage_backend = storage;
  so.directions = e.directions;
  so.pruner = make_pruner(e.pruner);
  so.sampler = make_sampler(e.sampler, e.space, so.pruner);
  so.load_if_exists = true;
  so.heartbeat_interval_seconds = e.heartbeat_interval_seconds;
  so.grace_period_seconds = e.grace_seconds;
  // One retry mechanism: a trial failed retryably (TrialFailed(reason, true)) or for a missing
  // heartbeat is retried by the storage, in the transaction that fails it (system attributes
  // retried_from / retry_count on the retry, retried_by on the failed trial).
  so.max_retries = e.max_retries;
  // Each failure once: the progress line of a trial this process ran says it failed and why.
  so.logger = [&progress](LogLevel, const std::string& msg) {
    if (!progress.shows(msg)) progress.message(msg);
  };
  Study study = Study::create(so);
  if (store_experiment)
    storage->set_study_system_attr(study.id(), kExperimentAttr, plain(e.to_json()));
  return study;
}

// What a trial printed besides its values: parzen:attr and parzen:constraint lines, and a
// result given as a JSON object (NNI's dict metrics: values by metric name or "default",
// constraint values by name, other keys as user attributes).
struct TrialOutputs {
  std::vector<std::pair<std::string, std::string>> user_attrs{};  // key, JSON text
  std::vector<double> constraints{};               // in the experiment's order, when all are known
  std::vector<std::string> missing_constraints{};  // listed, but neither printed nor in the JSON
  std::optional<std::vector<double>> values{};     // from a JSON result
  std::string json_error{};                        // a result that is malformed JSON
};

TrialOutputs trial_outputs(const Experiment& e, const ProcessResult& r,
                           std::vector<std::string>& warnings) {
  TrialOutputs o;
  o.user_attrs = r.user_attrs;
  std::vector<std::pair<std::string, double>> named = r.constraints;
  const std::string text = r.result_line ? *r.result_line : r.last_line;
  try {
    if (auto json = parse_json_result(text, e.metrics, e.constraints, e.directions.size())) {
      o.values = std::move(json->values);
      for (auto& kv : json->constraints) named.push_back(std::move(kv));
      // The other keys are user attributes, capped as parzen:attr lines are (a trial keeps at
      // most kMaxAttributes): a JSON result of thousands of keys would store them all.
      constexpr size_t kMaxAttributes = 100;  // trial_process.cpp's kMaxNamed
      size_t dropped = 0;
      for (auto& kv : json->user_attrs) {
        const auto same = std::find_if(o.user_attrs.begin(), o.user_attrs.end(),
                                       [&](const auto& a) { return a.first == kv.first; });
        if (same != o.user_attrs.end())
          same->second = std::move(kv.second);
        else if (o.user_attrs.size() < kMaxAttributes)
          o.user_attrs.push_back(std::move(kv));
        else
          ++dropped;
      }
      if (dropped > 0)
        warnings.push_back(
            fmt::format("ignored {} key{} of the JSON result: a trial keeps at most {} attributes",
                        dropped, dropped == 1 ? "" : "s", kMaxAttributes));
    }
  } catch (const InvalidArgument& ex) {
    o.json_error = ex.what();
  }
  std::vector<std::optional<double>> by_position(e.constraints.size());
  for (const auto& [name, value] : named) {
    // As a NaN (refused where the line is read): ignored with a protocol warning naming it, so
    // the trial fails "no value for constraint" with the reason (not a library error by index).
    if (!std::isfinite(value)) {
      warnings.push_back(fmt::format(
          "ignored constraint '{}' = {}: a constraint value must be finite (the storages keep "
          "finite numbers only); give a large value for a badly infeasible trial",
          name, value));
      continue;
    }
    const auto it = std::find(e.constraints.begin(), e.constraints.end(), name);
    if (it == e.constraints.end()) {
      warnings.push_back(
          e.constraints.empty()
              ? fmt::format("ignored constraint '{}': the experiment lists no constraints (add "
                            "constraints = [\"{}\"])",
                            name, name)
              : fmt::format("ignored constraint '{}': the experiment's constraints are {}", name,
                            fmt::join(e.constraints, ", ")));
      continue;
    }
    by_position[static_cast<size_t>(it - e.constraints.begin())] = value;
  }
  for (size_t i = 0; i < by_position.size(); ++i) {
    if (by_position[i])
      o.constraints.push_back(*by_position[i]);
    else
      o.missing_constraints.push_back(e.constraints[i]);
  }
  if (!o.missing_constraints.empty()) o.constraints.clear();
  return o;
}

// The running trials' slots (PARZEN_SLOT, 0..concurrency-1) and, with `gpus`, their devices:
// each trial takes the free slot with the lowest index and the gpus_per_trial least-loaded
// devices (in the order gpus lists them on ties), never more than trials_per_gpu trials on one
// device. The config check keeps concurrency within the devices' capacity; a trial that still
// finds too few free devices (several devices per trial can leave the free ones scattered) waits
// for a running one to end.
class Slots {
 public:
  struct Lease {
    int slot = 0;
    std::vector<size_t> devices{};  // indices into gpus
  };
  explicit Slots(const Experiment& e)
      : e_(e),
        used_(static_cast<size_t>(std::max(1, e.concurrency)), false),
        load_(e.gpus.size(), 0) {}

  Lease acquire() {
    std::unique_lock lock(mu_);
    Lease lease;
    cv_.wait(lock, [&] { return take(lease); });
    return lease;
  }
  void release(const Lease& lease) {
    {
      std::lock_guard lock(mu_);
      used_[static_cast<size_t>(lease.slot)] = false;
      for (size_t d : lease.devices) --load_[d];
    }
    cv_.notify_all();
  }
  // "0,1": CUDA_VISIBLE_DEVICES for a lease.
  std::string devices_text(const Lease& lease) const {
    std::string out;
    for (size_t d : lease.devices) out += fmt::format("{}{}", out.empty() ? "" : ",", e_.gpus[d]);
    return out;
  }

 private:
  bool take(Lease& lease) {
    const auto slot = std::find(used_.begin(), used_.end(), false);
    if (slot == used_.end()) return false;
    std::vector<size_t> devices;
    if (!e_.gpus.empty()) {
      std::vector<size_t> order(e_.gpus.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t a, size_t b) { return load_[a] < load_[b]; });
      for (size_t d : order)
        if (devices.size() < static_cast<size_t>(e_.gpus_per_trial) && load_[d] < e_.trials_per_gpu)
          devices.push_back(d);
      if (devices.size() < static_cast<size_t>(e_.gpus_per_trial)) return false;
      std::sort(devices.begin(), devices.end());
    }
    *slot = true;
    for (size_t d : devices) ++load_[d];
    lease.slot = static_cast<int>(slot - used_.begin());
    lease.devices = std::move(devices);
    return true;
  }

  const Experiment& e_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<bool> used_;
  std::vector<int> load_;
};

// The file that names the study a trial directory belongs to.
constexpr char kTrialMarker[] = ".parzen-trial";

// Why `dir` (it exists) must not be emptied for a trial of study `study`, or "". A directory
// is emptied only when it is this study's name's (a deleted study of the same name left it), or
// an empty one, or one without a marker that holds a trial's files (params.json: left by a
// parzen before the markers). Another study's (sharing output_directory), or the user's own
// files, are never deleted (try-out 21, finding 15).
std::string foreign_directory(const fs::path& dir, const std::string& study) {
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(dir, ec))) return "";  // a file or link: replaced
  if (std::ifstream in(dir / kTrialMarker); in) {
    std::string owner;
    try {
      owner = nlohmann::json::parse(in).value("study", "");
    } catch (const std::exception&) {
    }
    if (owner == study) return "";
    return fmt::format(
        "the trial directory {} belongs to study '{}' (its {}); give this experiment an "
        "output_directory of its own (nothing was deleted)",
        dir.string(), owner, kTrialMarker);
  }
  if (fs::is_empty(dir, ec) || fs::exists(dir / "params.json", ec)) return "";
  return fmt::format(
      "the trial directory {} exists and holds files that are no trial's of this study (no {} "
      "names it); move them away or give this experiment another output_directory (nothing was "
      "deleted)",
      dir.string(), kTrialMarker);
}

// Makes `dir` a fresh, empty directory of study `study` (marked so): one a deleted study of the
// same name left behind is removed first. Returns "" or why it could not.
std::string fresh_directory(const fs::path& dir, const std::string& study) {
  std::error_code ec;
  if (fs::exists(fs::symlink_status(dir, ec))) {
    if (std::string why = foreign_directory(dir, study); !why.empty()) return why;
    fs::remove_all(dir, ec);
  } else {
    ec.clear();  // no such path (yet)
  }
  if (!ec) fs::create_directories(dir, ec);
  if (ec)
    return fmt::format("cannot create the trial directory {}: {}", dir.string(), ec.message());
  std::ofstream(dir / kTrialMarker) << nlohmann::json{{"study", study}}.dump() << '\n';
  return "";
}

// The objective Study::optimize runs: each trial as a process of the experiment's command, its
// output read into the trial's outcome. Shared by the optimiser's threads.
class TrialRunner {
 public:
  TrialRunner(const Experiment& e, Storage& storage, Study& study, Progress& progress)
      : e_(e),
        storage_(storage),
        study_(study),
        progress_(progress),
        names_(e.space.names()),
        slots_(e),
        output_directory_(resolved_output_directory(e)) {}
  TrialRunner(const TrialRunner&) = delete;
  TrialRunner& operator=(const TrialRunner&) = delete;

  std::vector<double> operator()(Trial& t) {
    ++n_started_;
    progress_.claimed(t.number());
    {
      std::lock_guard lock(mu_);
      in_flight_[t.id()] = t.number();
    }
    const SuggestedParams sp = suggest_all(e_.space, t);
    write_own(t, [&] { storage_.set_trial_system_attr(t.id(), kParamsAttr, plain(sp.flat)); });
    std::vector<std::pair<std::string, std::string>> shown;
    for (const auto& [k, v] : sp.flat.items()) shown.emplace_back(k, placeholder_text(v));
    progress_.started(t.number(), shown);

    std::vector<std::string> report_errors;
    uint64_t reports_not_kept = 0;
    const Slots::Lease lease = slots_.acquire();
    ProcessResult r;
    try {
      r = run_process(t, sp, lease, report_errors, reports_not_kept);
    } catch (...) {
      slots_.release(lease);
      throw;
    }
    slots_.release(lease);
    progress_.process_ended(t.number());
    std::vector<std::string> warnings = protocol_warnings(r, report_errors, reports_not_kept);
    const TrialOutputs outputs = trial_outputs(e_, r, warnings);
    if (!r.log_error.empty()) warnings.push_back(r.log_error);
    write_own(t, [&] {
      keep_warnings(storage_, t, warnings, progress_);
      store_outputs(t, outputs);
    });
    const std::vector<double> values = outcome(t, r, warnings, outputs);
    check_constraints(outputs, warnings);
    return values;
  }

  // This objective's own writes to the trial (its parameters as the program saw them, its
  // warnings, attributes and constraints). A storage error there (an outage longer than
  // retry_seconds) is not the trial's failure: the writes are made once more with the outcome in
  // hand (the outage may be over); when that fails too, ResultNotStored makes it the process's
  // failure (the trial failed and retried within max_retries, exit 1).
  template <class F>
  void write_own(Trial& t, F&& f) {
    try {
      f();
    } catch (const StorageError& first) {
      try {
        f();
      } catch (const StorageError&) {
        throw ResultNotStored(first.what());
      }
      progress_.message(fmt::format(
          "Trial {}: its outputs were stored at the second attempt (the first failed: {})",
          t.number(), first.what()));
    }
  }

  // Called once a trial's outcome is stored: after max_consecutive_failures of this process's
  // trials failed in a row (a broken command, a missing data set), no new trial starts.
  void stored(const FrozenTrial& t) {
    std::lock_guard lock(mu_);
    in_flight_.erase(t.id);
    if (t.system_attrs.contains(kInterruptedAttr) || interrupted_) return;
    if (t.state != TrialState::Failed) {
      failed_in_a_row_ = 0;
      first_failure_.clear();
      return;
    }
    if (failed_in_a_row_++ == 0)
      first_failure_ = fmt::format(
          "trial {}: {}{}", t.number, first_line(t.fail_reason, 500),
          t.fail_reason.find('\n') == std::string::npos
              ? ""
              : fmt::format(" (`parzen logs {} {} --stderr` for the rest)", e_.name, t.number));
    if (e_.max_consecutive_failures > 0 && failed_in_a_row_ >= e_.max_consecutive_failures &&
        !too_many_failures_) {
      too_many_failures_ = true;
      study_.stop();
      progress_.message(fmt::format(
          "{} trials failed in a row (max_consecutive_failures = {}): no new trials; waiting for "
          "the running ones to finish",
          failed_in_a_row_, e_.max_consecutive_failures));
    }
  }
  int64_t n_started() const { return n_started_; }

  // stop_when: once the study's best value reaches it, no new trial starts. `best` is the best
  // feasible complete trial (Progress::best): an infeasible trial never reaches stop_when.
  bool reached(const std::optional<FrozenTrial>& best) const {
    if (!e_.stop_when || !best || best->values.size() != 1) return false;
    return e_.directions[0] == Direction::Minimize ? best->values[0] <= *e_.stop_when
                                                   : best->values[0] >= *e_.stop_when;
  }
  void check_target(const std::optional<FrozenTrial>& best) {
    if (!reached(best)) return;
    std::lock_guard lock(mu_);
    if (target_) return;
    target_ = fmt::format("trial {} reached stop_when = {} with {}", best->number, *e_.stop_when,
                          best->values[0]);
    study_.stop();
    progress_.message(
        fmt::format("{}: no new trials; waiting for the running ones to finish", *target_));
  }

  // Ctrl-C: the first stops new trials, the second kills the running ones.
  void interrupt(int count) {
    interrupted_ = true;
    if (count == 1) {
      study_.stop();
      progress_.message(
          "Interrupted: no new trials; waiting for the running ones to finish (Ctrl-C again kills "
          "them)");
    } else if (!kill_now_.exchange(true)) {
      progress_.message("Killing the running trials");
    }
  }
  bool interrupted() const { return interrupted_; }
  // The run lasted its max_duration, so a run that started no trial ended on time, not because
  // the sampler was exhausted.
  void time_up() { time_up_ = true; }

  // After Study::optimize threw: when trials are left whose outcome could not be stored, each
  // is failed by a second write and the error names them; otherwise `error` is rethrown.
  [[noreturn]] void rethrow(const std::exception_ptr& error, const std::string& shown_storage) {
    std::lock_guard lock(mu_);
    if (in_flight_.empty()) std::rethrow_exception(error);
    throw StorageError(fail_unstored(storage_, in_flight_, message_of(error), shown_storage));
  }

  int exit_status() const {
    if (spawn_failed_) {
      fmt::print(stderr, "parzen: error: {}\n", spawn_error_);
      return kExitFailure;
    }
    if (interrupted_) {
      fmt::print("Interrupted; run the same command again to resume the study.\n");
      return kExitInterrupted;
    }
    if (too_many_failures_) {
      fmt::print(
          stderr,
          "parzen: error: {} of this run's trials failed in a row "
          "(max_consecutive_failures = {}); the first: {}\nFix the cause and run the same "
          "command again to resume the study (failed trials do not count toward n_trials{}); "
          "max_consecutive_failures = 0 never stops\n",
          failed_in_a_row_, e_.max_consecutive_failures, terminal_text_for(stderr, first_failure_),
          e_.count_failed_trials ? " unless count_failed_trials" : "");
      return kExitFailure;
    }
    if (target_) {
      fmt::print("Stopped: {}.\n", *target_);
      return kExitOk;
    }
    if (n_started_ == 0 && time_up_) {
      fmt::print("The time limit (max_duration {}) was reached before a trial started.\n",
                 duration_text(*e_.max_duration_seconds));
      return kExitOk;
    }
    if (n_started_ == 0) {
      fmt::print("The sampler has no trial left to run (every grid point is taken).\n");
      return kExitNothingToDo;
    }
    return kExitOk;
  }

 private:
  ProcessResult run_process(Trial& t, const SuggestedParams& sp, const Slots::Lease& lease,
                            std::vector<std::string>& report_errors, uint64_t& reports_not_kept) {
    // The trial's own directory, fresh (a retry has its own number, so its own directory).
    const fs::path dir = fs::path(output_directory_) / fmt::format("trial-{}", t.number());
    if (std::string why = fresh_directory(dir, e_.name); !why.empty()) {
      ProcessResult failed;
      failed.end = ProcessResult::End::SpawnFailed;
      failed.spawn_error = why.find("output_directory") == std::string::npos
                               ? why + "; check output_directory"
                               : why;
      return failed;
    }
    storage_.set_trial_system_attr(t.id(), keys::trial_dir, dir.string());
    // The parameters as a file, kept with the trial's logs.
    const fs::path params_file = dir / "params.json";
    std::ofstream(params_file) << sp.nested.dump(2) << '\n';
    ProcessSpec ps;
    // A shell command (one string) runs as written; parameters only through the environment.
    ps.argv = e_.shell_command ? e_.command : expand_command(e_.command, sp.text, names_);
    ps.working_directory = e_.run_in_trial_directory ? dir.string() : e_.working_directory;
    ps.environment = e_.environment;
    add_nni_module_path(ps.environment);  // `import nni` finds Parzen's shim (docs/nni.md)
    ps.stdout_log = (dir / "stdout.log").string();
    ps.stderr_log = (dir / "stderr.log").string();
    ps.log_max_bytes = static_cast<uint64_t>(e_.log_max_bytes);
    ps.environment["PARZEN_TRIAL_DIR"] = dir.string();
    ps.environment["PARZEN_SLOT"] = std::to_string(lease.slot);
    if (!e_.gpus.empty()) ps.environment["CUDA_VISIBLE_DEVICES"] = slots_.devices_text(lease);
    // Python trials print parzen:report lines as they go, not when their buffer fills (unless
    // the experiment's environment says otherwise).
    if (!e_.environment.count("PYTHONUNBUFFERED")) ps.environment["PYTHONUNBUFFERED"] = "1";
    ps.environment["PARZEN_STUDY"] = e_.name;
    ps.environment["PARZEN_TRIAL_NUMBER"] = std::to_string(t.number());
    ps.environment["PARZEN_PARAMS"] = sp.nested.dump();
    ps.environment["PARZEN_PARAMS_FILE"] = params_file.string();
    ps.timeout_seconds = e_.trial_timeout_seconds;
    ps.kill_grace_seconds = e_.kill_grace_seconds;
    ProcessControl pc;
    // Kept like the process's own protocol errors: the first few, then a count.
    const auto reject = [&](std::string why) {
      if (report_errors.size() < 5)
        report_errors.push_back(std::move(why));
      else
        ++reports_not_kept;
    };
    pc.on_report = [&](int64_t step, double value) {
      if (t.record().intermediate_values.count(step)) {
        reject(fmt::format("ignored 'parzen:report {} {}': step {} was already reported", step,
                           value, step));
        return false;
      }
      try {
        t.report(step, value);
        return t.should_prune();
      } catch (const std::exception& ex) {
        reject(fmt::format("report rejected: {}", ex.what()));
        return false;
      }
    };
    pc.kill_now = &kill_now_;
    return run_trial_process(ps, pc);
  }

  // The parzen:attr user attributes and the constraint values (stored once every constraint
  // the experiment lists is known), whatever the trial's outcome.
  static void store_outputs(Trial& t, const TrialOutputs& o) {
    for (const auto& [key, text] : o.user_attrs) t.set_user_attr(key, nlohmann::json::parse(text));
    if (!o.constraints.empty() && o.missing_constraints.empty()) t.set_constraints(o.constraints);
  }
  // A trial that completes without every listed constraint fails, naming the missing ones and
  // the protocol lines that were ignored (a NaN, a misspelt name, ...): often the cause.
  void check_constraints(const TrialOutputs& o, const std::vector<std::string>& warnings) const {
    if (o.missing_constraints.empty()) return;
    std::string ignored;
    for (const auto& w : warnings) ignored += "; " + w;
    fail(fmt::format("no value for constraint{} {} (the experiment's constraints = [{}]): print "
                     "'parzen:constraint NAME VALUE' for each, feasible when <= 0{}",
                     o.missing_constraints.size() > 1 ? "s" : "",
                     fmt::join(o.missing_constraints, ", "), fmt::join(e_.constraints, ", "),
                     ignored),
         false);
  }

  // The trial's values, or an exception saying why it failed or was pruned.
  std::vector<double> outcome(Trial& t, const ProcessResult& r,
                              const std::vector<std::string>& warnings,
                              const TrialOutputs& outputs) {
    if (r.end == ProcessResult::End::SpawnFailed) {
      {
        std::lock_guard lock(mu_);
        if (spawn_error_.empty()) spawn_error_ = r.spawn_error;
      }
      spawn_failed_ = true;
      study_.stop();
      fail(r.spawn_error, false);
    }
    if (r.end == ProcessResult::End::Stopped && kill_now_) {
      storage_.set_trial_system_attr(t.id(), kInterruptedAttr, true);
      fail("interrupted: killed by a second Ctrl-C", false);
    }
    if (r.end == ProcessResult::End::Stopped) throw TrialPruned("pruned at its last reported step");
    if (r.end == ProcessResult::End::TimedOut)
      fail(fmt::format("exceeded the trial timeout of {}s; its process group was killed{}",
                       *e_.trial_timeout_seconds, stderr_suffix(r.stderr_tail)),
           true);
    if (r.end != ProcessResult::End::Exited || r.exit_code != 0)
      fail(describe_end(r) + stderr_suffix(r.stderr_tail), true);
    const std::string text = r.result_line ? *r.result_line : r.last_line;
    std::string protocol;
    for (const auto& w : warnings) protocol += "; " + w;
    // `parzen:result` with nothing after it (a shell's empty $VAR): the line was printed.
    if (text.empty() && r.result_line)
      fail(fmt::format("the parzen:result line has no value (the study expects {} value(s)){}",
                       e_.directions.size(), protocol),
           true);
    if (text.empty())
      fail(fmt::format("no metric in the output ({} bytes on stdout): print the value as the last "
                       "line or as 'parzen:result VALUE'{}",
                       r.stdout_bytes, protocol),
           true);
    if (!r.result_line && r.last_line_cut_bytes > 0)
      fail(fmt::format("no metric in the output: the last line is {} bytes long, over the 64 KiB "
                       "parzen reads of a line (it starts '{}...'): print the value on a line of "
                       "its own, last, or as 'parzen:result VALUE'{}",
                       r.last_line_cut_bytes, first_line(text, 40), protocol),
           true);
    if (!outputs.json_error.empty())
      fail(fmt::format("no metric in the output: {} {} ({}){}",
                       r.result_line ? "the parzen:result line" : "the last line",
                       first_line(text, 200), outputs.json_error, protocol),
           true);
    if (outputs.values) return *outputs.values;
    try {
      return parse_trial_values(text, e_.metrics, e_.directions.size());
    } catch (const InvalidArgument& ex) {
      fail(fmt::format("no metric in the output: {} {} ({}){}",
                       r.result_line ? "the parzen:result line" : "the last line",
                       first_line(text, 200), ex.what(), protocol),
           true);
    }
  }

  // Fails the trial with `reason`. A `retryable` failure (non-zero exit, crash, trial timeout,
  // no metric) is retried by the library while max_retries allows: the storage fails the trial
  // and enqueues its retry in one transaction, one count with heartbeat retries.
  [[noreturn]] static void fail(std::string reason, bool retryable) {
    // TrialFailed's what() is a C string, which would end the reason at a NUL the trial printed;
    // the storage would replace each NUL by U+FFFD anyway.
    throw TrialFailed(detail::storable_text(std::move(reason)), retryable);
  }

  const Experiment& e_;
  Storage& storage_;
  Study& study_;
  Progress& progress_;
  const std::vector<std::string> names_;
  Slots slots_;
  const std::string output_directory_;
  std::atomic<bool> kill_now_{false}, interrupted_{false}, spawn_failed_{false};
  bool too_many_failures_ = false;  // under mu_ until optimize returns
  int failed_in_a_row_ = 0;
  std::string first_failure_{};
  bool time_up_ = false;
  std::optional<std::string> target_{};  // why stop_when stopped the run (under mu_)
  std::atomic<int64_t> n_started_{0};
  std::mutex mu_;
  std::string spawn_error_{};
  // Trials started and not yet seen stored as finished: if storing one's outcome fails, a second
  // write fails it with the reason (fail_unstored) instead of leaving it running.
  std::map<TrialId, int64_t> in_flight_{};  // id -> number
};

// The options of the run's Study::optimize: the study's budget, shared with every worker on
// any host (no trial starts once the study holds n_trials running, waiting or counted trials;
// optimize returns once n_trials are counted, after failing and retrying trials whose workers
// died), and this process's own cap.
OptimizeOptions optimize_options(const Experiment& e, const RunSettings& settings) {
  OptimizeOptions oo;
  oo.n_trials = settings.max_trials;
  if (e.n_trials) oo.study_budget = TrialBudget{*e.n_trials, e.count_failed_trials};
  oo.timeout_seconds = e.max_duration_seconds;
  oo.n_jobs = e.concurrency;
  oo.catch_exceptions = true;
  return oo;
}

// Runs the trials until the budget, max_duration, the sampler's exhaustion or Ctrl-C, with the
// progress display drawn meanwhile.
void optimize(Study& study, TrialRunner& runner, const Experiment& e, const RunSettings& settings,
              Storage& storage, Progress& progress, ProgressStyle style,
              const std::string& shown_storage) {
  OptimizeOptions oo = optimize_options(e, settings);
  oo.callbacks.push_back([&](Study& s, const FrozenTrial& stored) {
    runner.stored(stored);
    progress.refresh(s);
    // After the progress line (below) has taken the trial in: stop_when against the best.
    struct CheckAtExit {
      TrialRunner& runner;
      Progress& progress;
      ~CheckAtExit() { runner.check_target(progress.best()); }
    } at_exit{runner, progress};
    // A failed trial's retry is enqueued by the storage in the transaction that failed it; the
    // trial as stored says so (retried_by), which the progress line shows.
    if (stored.state == TrialState::Failed && e.max_retries > 0 &&
        !stored.system_attrs.contains(keys::retried_by)) {
      try {
        progress.finished(storage.trial(stored.id));
        return;
      } catch (const std::exception&) {
        // shown as the callback gave it
      }
    }
    progress.finished(stored);
  });

  InterruptHandler interrupts;
  interrupts.start([&](int count) { runner.interrupt(count); });
  std::atomic<bool> drawing{true};
  std::thread painter;
  if (style == ProgressStyle::Bar)
    painter = std::thread([&] {
      while (drawing) {
        progress.refresh(study);
        progress.draw();
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
      }
    });
  std::exception_ptr error;
  const auto start = std::chrono::steady_clock::now();
  try {
    if (!runner.interrupted()) study.optimize([&runner](Trial& t) { return runner(t); }, oo);
  } catch (...) {
    error = std::current_exception();
  }
  if (e.max_duration_seconds &&
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >=
          *e.max_duration_seconds)
    runner.time_up();
  drawing = false;
  if (painter.joinable()) painter.join();
  progress.draw(/*final=*/true);
  if (error) runner.rethrow(error, shown_storage);
}

// `text` as one word to paste into a POSIX shell: as is when it has only safe characters,
// else in single quotes (a quote inside written '\'').
static std::string shell_word(const std::string& text) {
  const bool safe = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("_./:=@%+,-").find(c) != std::string_view::npos;
  });
  if (safe) return text;
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void print_summary(const Study& study, const Experiment& e, const std::string& shown_storage) {
  const auto all = study.trials();
  std::map<TrialState, int64_t> by_state;
  for (const auto& t : all) ++by_state[t.state];
  std::string counts;
  for (const auto& [s, n] : by_state)
    counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", n, to_string(s));
  fmt::print("Study '{}' in {}: {} trials ({})\n", e.name, shown_storage, all.size(), counts);
  const int64_t complete = by_state[TrialState::Complete];
  if (complete == 0) {
    fmt::print("No trial has completed yet.\n");
    return;
  }
  // A finished run whose trials all violate a constraint has no best: said, not an error.
  const bool any_feasible = std::any_of(all.begin(), all.end(), [](const FrozenTrial& t) {
    return t.state == TrialState::Complete && t.feasible();
  });
  if (!any_feasible) {
    fmt::print("No feasible trial: {} {} complete trial{} {} a constraint{}.\n",
               complete == 1 ? "the" : "all", complete, complete == 1 ? "" : "s",
               complete == 1 ? "violates" : "violate",
               e.constraints.empty() ? "" : fmt::format(" ({})", fmt::join(e.constraints, ", ")));
    return;
  }
  if (e.directions.size() > 1) {
    const size_t front = study.best_trials().size();
    fmt::print("Pareto front{}: {} trial{} (`parzen best {} --storage {}` lists them)\n",
               e.constraints.empty() ? "" : " of the feasible trials", front, front == 1 ? "" : "s",
               shell_word(e.name), shell_word(shown_storage));
    return;
  }
  const auto best = study.best_trial();
  fmt::print("Best trial #{}: {}\n", best.number, values_text(best.values, e.metrics));
  for (const auto& [k, v] : shown_params(best)) fmt::print("  {} = {}\n", k, v);
}

}  // namespace

int run_experiment(const Experiment& given, const RunSettings& settings) {
  // The output directory as resolved here is the one stored for workers.
  Experiment e = given;
  e.output_directory = resolved_output_directory(e);
  check_run_settings(e);  // flags (--concurrency) against the devices
  ProgressStyle style = resolved(settings.style);
  // The optimiser's own checks, before the study is stored (a refused option must leave no
  // empty study behind).
  validate(optimize_options(e, settings));
  const std::string shown_storage = redact_storage_url(e.storage);
  // One storage (one connection) for everything this process does.
  const std::shared_ptr<Storage> storage =
      settings.storage ? settings.storage : make_storage(e.storage);
  const std::vector<FrozenTrial> existing = existing_trials(*storage, e, shown_storage);
  const int64_t counted_before = counted_trials(existing, e.count_failed_trials);
  // A study that has its budget still goes through optimize: with the budget, the library fails
  // (and retries) trials left running by dead workers, so none stays running or waiting. Its
  // display stays quiet unless such a retry runs.
  const bool had_budget = e.n_trials && counted_before >= *e.n_trials;
  // Waiting trials (`parzen enqueue`, retries) run even when the budget is full: said, and shown.
  const auto waiting_before = std::count_if(existing.begin(), existing.end(), [](const auto& t) {
    return t.state == TrialState::Waiting;
  });
  if (had_budget && waiting_before == 0) style = ProgressStyle::Quiet;
  Progress progress(e, style, existing);
  if (const auto best = progress.best();
      e.stop_when && best && best->values.size() == 1 &&
      (e.directions[0] == Direction::Minimize ? best->values[0] <= *e.stop_when
                                              : best->values[0] >= *e.stop_when)) {
    fmt::print(
        "Study '{}' in {}: trial {} already reached stop_when = {} with {}; nothing to "
        "run.\n",
        e.name, shown_storage, best->number, *e.stop_when, best->values[0]);
    return kExitNothingToDo;
  }
  Study study = open_study(e, storage, progress, settings.store_experiment);
  if (!existing.empty() && !had_budget)
    progress.message(fmt::format("Resuming study '{}' in {}: {}", e.name, shown_storage,
                                 resume_text(existing, e, counted_before)));
  // `parzen run` resumes a study stopped by `parzen stop` or the dashboard: it clears the request
  // and says so. A worker leaves it: it starts no trial (the core reads the request before each
  // ask) and exits 0, saying how to resume.
  if (settings.store_experiment)
    if (const auto cleared = clear_stop_request(*storage, study.id()))
      progress.message(fmt::format(
          "Study '{}' was stopped (stop {}); this run clears the request and resumes it.", e.name,
          describe(*cleared)));
  if (had_budget && waiting_before > 0)
    progress.message(fmt::format(
        "Study '{}' in {} has its {} trials (n_trials = {}); the {} waiting trial{} (`parzen "
        "enqueue`, retries) run{} beyond it",
        e.name, shown_storage, counted_before, *e.n_trials, waiting_before,
        waiting_before == 1 ? "" : "s", waiting_before == 1 ? "s" : ""));
  TrialRunner runner(e, *storage, study, progress);
  optimize(study, runner, e, settings, *storage, progress, style, shown_storage);
  if (runner.n_started() == 0 && !runner.interrupted() && e.n_trials) {
    const int64_t counted = counted_trials(study.trials(), e.count_failed_trials);
    if (counted >= *e.n_trials) {
      if (counted > *e.n_trials)
        fmt::print(
            "Study '{}' in {} already has {} trials, {} over its n_trials = {} (enqueued trials "
            "run beyond it); nothing to run.\n",
            e.name, shown_storage, counted, counted - *e.n_trials, *e.n_trials);
      else
        fmt::print("Study '{}' in {} already has {} of its {} trials; nothing to run.\n", e.name,
                   shown_storage, counted, *e.n_trials);
      return kExitNothingToDo;
    }
  }
  std::optional<StopRequest> stopped;
  if (!runner.interrupted()) {
    try {
      stopped = stop_request(*storage, study.id());
    } catch (const std::exception&) {
      // unreadable now: the summary below says what the study holds
    }
  }
  print_summary(study, e, shown_storage);
  if (stopped) {
    // Running trials finished and were stored; no new one started after the request was seen.
    const int status = runner.n_started() > 0 ? runner.exit_status() : kExitOk;
    fmt::print(
        "Stopped: the study's stop was {}; this process started no trial after it saw the "
        "request. `parzen run` with the study's experiment resumes it (and clears the "
        "request).\n",
        describe(*stopped));
    return status;
  }
  return runner.exit_status();
}

}  // namespace parzen::cli
