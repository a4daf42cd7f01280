#include <cmath>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "parzen/error.hpp"
#include "parzen/storage.hpp"
#include "parzen/system_attrs.hpp"
#include "storage/rdb/rdb_storage.hpp"
#include "storage/utf8.hpp"

namespace parzen {
namespace {

// sqlite:///relative/path.db, sqlite:////absolute/path.db (SQLAlchemy's convention), with an
// optional ?timeout=SECONDS for how long to wait for a lock held by another process.
std::shared_ptr<Storage> open_sqlite_url(const std::string& url) {
  const std::string prefix = "sqlite:///";
  if (url.rfind(prefix, 0) != 0 || url.size() == prefix.size())
    throw InvalidArgument(fmt::format(
        "storage '{}': an SQLite URL is sqlite:///relative/path.db or sqlite:////absolute/path.db",
        url));
  std::string path = url.substr(prefix.size());
  double timeout = 60;
  if (const auto q = path.find('?'); q != std::string::npos) {
    const std::string query = path.substr(q + 1);
    path = path.substr(0, q);
    if (query.rfind("timeout=", 0) != 0)
      throw InvalidArgument(fmt::format(
          "storage '{}': unknown option '{}' (supported: timeout=SECONDS)", url, query));
    char* end = nullptr;
    timeout = std::strtod(query.c_str() + 8, &end);
    if (end == query.c_str() + 8 || *end != '\0' || !(timeout >= 0))
      throw InvalidArgument(fmt::format("storage '{}': timeout must be a number of seconds", url));
  }
  if (path.empty())
    throw InvalidArgument(fmt::format("storage '{}': the database path is empty", url));
  auto connection = rdb::open_sqlite(path, timeout);
  // Heartbeats get a connection of their own, opened later: by absolute path, in case the
  // process changes its working directory meanwhile. An in-memory database has no second
  // connection; heartbeats share the main one.
  if (path == ":memory:" || path.rfind("file:", 0) == 0)
    return rdb::make_rdb_storage(std::move(connection));
  const std::string absolute = std::filesystem::absolute(path).string();
  return rdb::make_rdb_storage(std::move(connection),
                               [absolute, timeout] { return rdb::open_sqlite(absolute, timeout); });
}

}  // namespace

void validate_study_name(const std::string& name) {
  if (name.empty()) throw InvalidArgument("a study needs a non-empty name");
  if (name.size() > kMaxStudyNameBytes)
    throw InvalidArgument(fmt::format(
        "study name '{}...' is {} bytes long; the limit is {} bytes: choose a shorter name",
        detail::storable_text(name.substr(0, 40)), name.size(), kMaxStudyNameBytes));
}

void check_finite_constraints(const std::vector<double>& constraints) {
  for (size_t i = 0; i < constraints.size(); ++i)
    if (!std::isfinite(constraints[i]))
      throw InvalidArgument(fmt::format(
          "constraint {} is {}: constraint values must be finite (give a large value for a badly "
          "infeasible trial)",
          i, constraints[i]));
}

FrozenTrial make_new_trial_record(const NewTrial& t, int64_t number) {
  if (t.state != TrialState::Waiting && t.state != TrialState::Running)
    throw InvalidArgument(
        fmt::format("a new trial must be waiting or running, not {}", to_string(t.state)));
  FrozenTrial r;
  r.number = number;
  r.state = t.state;
  r.user_attrs =
      detail::storable_json(t.user_attrs.is_object() ? t.user_attrs : nlohmann::json::object());
  r.system_attrs =
      detail::storable_json(t.system_attrs.is_object() ? t.system_attrs : nlohmann::json::object());
  if (t.state == TrialState::Running) {
    r.datetime_start = Clock::now();
    if (t.heartbeat) r.last_heartbeat = r.datetime_start;
    r.worker = detail::storable_text(t.worker);
  }
  return r;
}

bool counts_toward(const FrozenTrial& trial, const TrialBudget& budget) {
  return trial.state == TrialState::Complete || trial.state == TrialState::Pruned ||
         (trial.state == TrialState::Failed && budget.count_failed &&
          !trial.system_attrs.contains(keys::retried_by));
}

NewTrial make_retry(const FrozenTrial& failed) {
  NewTrial retry;
  retry.state = TrialState::Waiting;
  nlohmann::json fixed = nlohmann::json::object();
  for (const auto& [name, value] : failed.params) fixed[name] = to_json(value);
  retry.system_attrs = {{keys::fixed_params, fixed},
                        {keys::retried_from, failed.number},
                        {keys::retry_count, failed.system_attrs.value(keys::retry_count, 0) + 1}};
  retry.user_attrs = failed.user_attrs;
  return retry;
}

std::shared_ptr<Storage> make_storage(const std::string& url) {
  if (url.empty() || url == "memory:" || url == "memory://") return make_in_memory_storage();
  const auto colon = url.find(':');
  const std::string scheme = colon == std::string::npos ? url : url.substr(0, colon);
  if (scheme == "sqlite") return open_sqlite_url(url);
  if (scheme == "postgresql" || scheme == "postgres")
    return rdb::make_rdb_storage(rdb::open_postgres(url),
                                 [url] { return rdb::open_postgres(url); });
  throw InvalidArgument(fmt::format(
      "storage '{}': unknown URL; expected memory:, sqlite:///path.db or postgresql://...", url));
}

std::string redact_storage_url(const std::string& url) {
  std::string out = url;
  const auto scheme = out.find("://");
  if (scheme != std::string::npos) {
    const auto at = out.find('@', scheme);
    const auto colon = out.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at)
      out = out.substr(0, colon + 1) + "***" + out.substr(at);
  }
  for (size_t pos = out.find("password="); pos != std::string::npos;
       pos = out.find("password=", pos + 1)) {
    const size_t begin = pos + 9;
    const size_t end = out.find_first_of("& ", begin);
    out.replace(begin, (end == std::string::npos ? out.size() : end) - begin, "***");
  }
  return out;
}

}  // namespace parzen
