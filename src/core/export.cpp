// Export of a study's trials as CSV and JSON, one row per trial.

#include <ctime>
#include <ostream>
#include <set>

#include <fmt/format.h>

#include "core/export_text.hpp"
#include "parzen/study.hpp"
#include "storage/utf8.hpp"

namespace parzen {

namespace detail {

std::string iso8601(const std::optional<Clock::time_point>& t) {
  if (!t) return "";
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, static_cast<int>(ms % 1000));
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace detail

namespace {

using detail::csv_field;
using detail::iso8601;

std::string attr_text(const nlohmann::json& v) {
  return detail::storable_text(v.is_string() ? v.get<std::string>() : detail::dump_json(v));
}

std::vector<std::string> value_columns(size_t n) {
  if (n == 1) return {"value"};
  std::vector<std::string> cols;
  for (size_t i = 0; i < n; ++i) cols.push_back(fmt::format("values_{}", i));
  return cols;
}

}  // namespace

void Study::write_trials_csv(std::ostream& out) const {
  parzen::write_trials_csv(out, trials(), directions());
}

nlohmann::json Study::trials_json() const {
  return parzen::trials_json(name(), directions(), trials());
}

void write_trials_csv(std::ostream& out, const std::vector<FrozenTrial>& all,
                      const std::vector<Direction>& directions) {
  std::set<std::string> param_names, attr_names;
  for (const auto& t : all) {
    for (const auto& [k, v] : t.params) param_names.insert(k);
    for (const auto& [k, v] : t.user_attrs.items()) attr_names.insert(k);
  }
  const auto value_cols = value_columns(directions.size());

  std::vector<std::string> header = {"number", "state"};
  header.insert(header.end(), value_cols.begin(), value_cols.end());
  for (const auto& p : param_names) header.push_back("params_" + p);
  for (const auto& h : {"datetime_start", "datetime_complete", "duration_s"}) header.push_back(h);
  for (const auto& a : attr_names) header.push_back("user_attrs_" + a);
  header.push_back("fail_reason");
  for (size_t i = 0; i < header.size(); ++i) out << (i ? "," : "") << csv_field(header[i]);
  out << '\n';

  for (const auto& t : all) {
    std::vector<std::string> row = {std::to_string(t.number), std::string(to_string(t.state))};
    for (size_t i = 0; i < value_cols.size(); ++i)
      row.push_back(i < t.values.size() ? fmt::format("{}", t.values[i]) : "");
    for (const auto& p : param_names) {
      auto it = t.params.find(p);
      row.push_back(it == t.params.end() ? "" : to_string(it->second));
    }
    row.push_back(iso8601(t.datetime_start));
    row.push_back(iso8601(t.datetime_complete));
    const auto d = t.duration_seconds();
    row.push_back(d ? fmt::format("{:.6f}", *d) : "");
    for (const auto& a : attr_names)
      row.push_back(t.user_attrs.contains(a) ? attr_text(t.user_attrs[a]) : "");
    row.push_back(t.fail_reason);
    // Rows an older version stored, or a caller's own storage, may hold invalid UTF-8.
    for (size_t i = 0; i < row.size(); ++i)
      out << (i ? "," : "") << csv_field(detail::storable_text(std::move(row[i])));
    out << '\n';
  }
}

nlohmann::json trials_json(const std::string& study_name, const std::vector<Direction>& directions,
                           const std::vector<FrozenTrial>& trials) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& t : trials) {
    nlohmann::json params = nlohmann::json::object();
    for (const auto& [k, v] : t.params) params[k] = to_json(v);
    nlohmann::json distributions = nlohmann::json::object();
    for (const auto& [k, d] : t.distributions) distributions[k] = to_json(d);
    nlohmann::json intermediate = nlohmann::json::object();
    for (const auto& [step, v] : t.intermediate_values) intermediate[std::to_string(step)] = v;
    const auto d = t.duration_seconds();
    rows.push_back({
        {"number", t.number},
        {"state", to_string(t.state)},
        {"values", t.values},
        {"params", params},
        {"distributions", distributions},
        {"constraints", t.constraints},
        {"intermediate_values", intermediate},
        {"datetime_start",
         t.datetime_start ? nlohmann::json(iso8601(t.datetime_start)) : nlohmann::json()},
        {"datetime_complete",
         t.datetime_complete ? nlohmann::json(iso8601(t.datetime_complete)) : nlohmann::json()},
        {"duration_s", d ? nlohmann::json(*d) : nlohmann::json()},
        {"user_attrs", t.user_attrs},
        {"fail_reason", t.fail_reason.empty() ? nlohmann::json() : nlohmann::json(t.fail_reason)},
    });
  }
  std::vector<std::string_view> dirs;
  for (Direction d : directions) dirs.push_back(to_string(d));
  // Valid UTF-8 throughout, so that dump() never throws on a row an older version stored.
  return detail::storable_json({{"study", study_name}, {"directions", dirs}, {"trials", rows}});
}

}  // namespace parzen
