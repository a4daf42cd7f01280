#pragma once
// The JSON API of `parzen dashboard` (docs/dashboard.md, /api/...), without HTTP: each method
// returns the response body (or throws parzen::Error: InvalidArgument -> 400, NotFound -> 404,
// InvalidState -> 409). The HTTP server (server.cpp) maps paths and queries onto these methods;
// the benchmark (bench/dashboard_poll.cpp) calls them directly to time the server's own work.
//
// Per study, a cache of every trial's JSON text and the summary the study list shows (counts by
// state, best value, parameter names, last activity) is kept up to date incrementally with
// Storage::trials_since: a request reads from the storage only what was written since the
// cache's last read, so a poll that returns one new trial at 100 000 trials costs a query for
// that trial and a scan of 100 000 integers, not a re-read of the study.
//
// Versions: the `version` the API returns is the server's own counter (a refresh that brought
// changes takes the next value), not the storage's: it is the same for every storage and it
// never goes back. It starts at the server's start time in microseconds, so a version from an
// earlier run of the server is older than every version of this one and is answered with every
// trial, as 0 is.
//
// Thread-safe: the study map and each study's cache have their own mutex; requests for one
// study share its refresh (one trials_since at a time per study).

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "parzen/storage.hpp"

namespace parzen::dashboard {

// "COMPLETE", "RUNNING", "PRUNED", "FAIL", "WAITING" (Optuna's names, as the API writes them).
const char* api_state_name(TrialState state);

// A trial as the API writes it (docs/dashboard.md "TRIAL").
nlohmann::json trial_json(const FrozenTrial& trial);

// JSON text with invalid UTF-8 replaced (U+FFFD) instead of thrown on, NaN and infinities as
// null, and <, > and & escaped (\u003c, \u003e, \u0026).
std::string dump(const nlohmann::json& json);

struct LogExcerpt {
  std::string text{};
  bool truncated = false;
};

class Api {
 public:
  explicit Api(std::shared_ptr<Storage> storage);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // GET /api/studies
  std::string studies();
  // GET /api/studies/{id}/trials?since=VERSION. Shared: the full answer (since 0) is kept per
  // version, so that reloads and further tabs cost no copy of a 100 MB text.
  // compact: each trial without "distributions" (unless one of its differs from the study's
  // first-seen one) and "system_attrs"; the answer has "distributions" once, at top level.
  std::shared_ptr<const std::string> trials(StudyId study, uint64_t since, bool compact = false);
  // GET /api/studies/{id}/trials/{number}: one trial, every field (the detail view's).
  std::string trial(StudyId study, int64_t number);
  // POST /api/studies/{id}/stop: records a stop request by `by` (parzen/stop_request.hpp); a
  // pending one is kept as it is. Answers {"stop_request": {"requested_at", "by"}}.
  std::string stop(StudyId study, const std::string& by);
  // GET /api/studies/{id}/pareto (2 or 3 objectives; InvalidArgument otherwise)
  std::string pareto(StudyId study);
  // GET /api/studies/{id}/importance?evaluator=...&objective=I
  std::string importance(StudyId study, const std::string& evaluator, int objective);
  // GET /api/studies/{id}/trials/{number}/log?stream=stdout|stderr&tail_bytes=N
  std::string log(StudyId study, int64_t number, const std::string& stream, uint64_t tail_bytes);
  // GET /api/studies/{id}/export?format=csv|json: the file's text and its suggested name.
  std::pair<std::string, std::string> export_file(StudyId study, const std::string& format);
  // GET /api/studies/{id}/trials/{number}/note
  std::string note(StudyId study, int64_t number);
  // POST .../note {"note": "text"} (needs --allow-writes and the token; the server checks).
  std::string set_note(StudyId study, int64_t number, const std::string& body);
  // POST .../tell {"state": "complete"|"pruned"|"fail", "values": [...], "reason": "..."}
  std::string tell(StudyId study, int64_t number, const std::string& body);

  // The largest log excerpt the log endpoint returns, and its default.
  static constexpr uint64_t kMaxTailBytes = 16u << 20;
  static constexpr uint64_t kDefaultTailBytes = 64u << 10;
  // The longest note, in bytes.
  static constexpr size_t kMaxNoteBytes = 64u << 10;
  // How long an importance answer is reused while the study changes (it is recomputed from
  // every trial of the study, seconds at 100 000 trials); an unchanged study reuses it always.
  static constexpr double kImportanceReuseSeconds = 10.0;

  struct StudyCache;

 private:
  // The study's cache, refreshed from the storage (trials_since); throws NotFound for an
  // unknown id. The caller locks the returned cache's mutex through refreshed().
  std::shared_ptr<StudyCache> cache_of(StudyId study);
  std::shared_ptr<StudyCache> refreshed(StudyId study, std::unique_lock<std::mutex>& lock);
  void refresh(StudyCache& cache);
  uint64_t next_version();

  std::shared_ptr<Storage> storage_;
  std::mutex mu_;  // guards caches_ and version_
  std::map<StudyId, std::shared_ptr<StudyCache>> caches_;
  uint64_t version_ = 0;
};

}  // namespace parzen::dashboard
