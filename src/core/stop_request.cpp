#include "parzen/stop_request.hpp"

#include <fmt/format.h>

#include "core/export_text.hpp"
#include "parzen/error.hpp"
#include "parzen/system_attrs.hpp"

namespace parzen {

namespace {

std::optional<StopRequest> from_json(const nlohmann::json& value) {
  if (value.is_null()) return std::nullopt;
  StopRequest r;
  if (value.is_object()) {
    if (auto it = value.find("requested_at"); it != value.end() && it->is_string())
      r.requested_at = it->get<std::string>();
    if (auto it = value.find("by"); it != value.end() && it->is_string())
      r.by = it->get<std::string>();
  }
  if (r.requested_at.empty()) r.requested_at = "an unknown time";
  if (r.by.empty()) r.by = "an unknown writer";
  return r;
}

}  // namespace

std::optional<StopRequest> stop_request(Storage& storage, StudyId study) {
  StudyInfo info;
  try {
    info = storage.study(study);
  } catch (const NotFound&) {
    return std::nullopt;  // an unknown (or deleted) study has no request; its ask says so
  }
  auto it = info.system_attrs.find(keys::stop_request);
  return it == info.system_attrs.end() ? std::nullopt : from_json(*it);
}

StopRequest request_stop(Storage& storage, StudyId study, const std::string& by) {
  if (auto pending = stop_request(storage, study)) return *pending;
  StopRequest r{detail::iso8601(Clock::now()), by};
  storage.set_study_system_attr(study, keys::stop_request,
                                nlohmann::json{{"requested_at", r.requested_at}, {"by", r.by}});
  return r;
}

std::optional<StopRequest> clear_stop_request(Storage& storage, StudyId study) {
  auto pending = stop_request(storage, study);
  if (pending) storage.set_study_system_attr(study, keys::stop_request, nullptr);
  return pending;
}

std::string describe(const StopRequest& r) {
  return fmt::format("requested at {} by {}", r.requested_at, r.by);
}

}  // namespace parzen
