#pragma once
// Stopping a study from outside the processes that run it (`parzen stop`, the dashboard's Stop
// button): the request is a study system attribute (keys::stop_request) in the storage, the one
// place every worker on every host reads. Study::optimize checks it before each ask: once it is
// set, no new trial starts, the running ones finish and are stored, and optimize returns. A
// request stays until it is cleared (`parzen run` clears it when it resumes the study, and says
// so; clear_stop_request below in the library; Python has no call for it yet).

#include <optional>
#include <string>

#include "parzen/storage.hpp"

namespace parzen {

namespace keys {
// The study system attribute that holds the request ({"requested_at": ISO-8601, "by": who}; JSON
// null once cleared). Beside the other keys' list in parzen/system_attrs.hpp in spirit; kept here
// so that the header every translation unit includes stays unchanged.
inline constexpr char stop_request[] = "parzen.stop_request";
}  // namespace keys

struct StopRequest {
  std::string requested_at{};  // ISO-8601, UTC
  std::string by{};            // who asked: "parzen stop (user@host)", "dashboard (127.0.0.1)"
};

// The study's pending stop request, if any. A malformed value counts as a request (with what
// could be read of it): a foreign writer's garbage stops rather than being ignored silently.
std::optional<StopRequest> stop_request(Storage& storage, StudyId study);

// Records a stop request by `by` now, unless one is pending: returns the pending one in that
// case (its time and author are kept), else the new one.
StopRequest request_stop(Storage& storage, StudyId study, const std::string& by);

// Clears a pending request; returns it (nullopt when there was none).
std::optional<StopRequest> clear_stop_request(Storage& storage, StudyId study);

// "requested at 2026-12-01T01:02:03Z by parzen stop (ann@host1)"
std::string describe(const StopRequest& request);

}  // namespace parzen
