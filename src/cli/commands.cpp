#include "cli/commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/experiment.hpp"
#include "cli/number.hpp"
#include "cli/run.hpp"
#include "cli/trial_process.hpp"
#include "core/export_text.hpp"
#include "parzen/multi_objective.hpp"
#include "parzen/pruners.hpp"
#include "parzen/registry.hpp"
#include "parzen/stop_request.hpp"
#include "parzen/study.hpp"
#include "storage/utf8.hpp"

namespace parzen::cli {
namespace {

using ojson = nlohmann::ordered_json;

std::shared_ptr<Storage> open_storage(const std::string& url) {
  return make_storage(storage_url(url));
}

// The SQLite file a URL names, or "" for other storages (and in-memory or URI databases).
std::string sqlite_file(const std::string& url) {
  const std::string prefix = "sqlite:///";
  if (url.rfind(prefix, 0) != 0) return "";
  std::string path = url.substr(prefix.size());
  path = path.substr(0, path.find('?'));
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) return "";
  return path;
}

StudyInfo find_study_or_throw(Storage& storage, const std::string& url, const std::string& name) {
  const auto id = storage.find_study(name);
  if (!id) {
    std::string known;
    for (const auto& s : storage.studies()) known += (known.empty() ? "" : ", ") + s.name;
    throw NotFound(
        fmt::format("no study '{}' in {}{}", name, redact_storage_url(url),
                    known.empty() ? " (it holds no studies)" : "; its studies: " + known));
  }
  return storage.study(*id);
}

std::optional<Experiment> stored_experiment(const StudyInfo& info) {
  if (auto it = info.system_attrs.find(kExperimentAttr); it != info.system_attrs.end())
    return Experiment::from_json(ojson::parse(it->dump()));
  return std::nullopt;
}

// The names of a study's constraint values: the stored experiment's `constraints`, else
// constraint_0, constraint_1, ... for as many as its trials hold.
std::vector<std::string> constraint_names(const StudyInfo& info,
                                          const std::vector<FrozenTrial>& trials) {
  std::vector<std::string> out;
  if (auto it = info.system_attrs.find(kExperimentAttr); it != info.system_attrs.end() &&
                                                         it->contains("constraints") &&
                                                         (*it)["constraints"].is_array())
    out = (*it)["constraints"].get<std::vector<std::string>>();
  size_t most = 0;
  for (const auto& t : trials) most = std::max(most, t.constraints.size());
  for (size_t i = out.size(); i < most; ++i) out.push_back(fmt::format("constraint_{}", i));
  return out;
}

// "feasible" or "infeasible (size_mb = 12 > 0)"; "" for a trial without constraints.
std::string feasibility_text(const FrozenTrial& t, const std::vector<std::string>& names) {
  if (t.constraints.empty()) return "";
  std::vector<std::string> violated;
  for (size_t i = 0; i < t.constraints.size(); ++i)
    if (!(t.constraints[i] <= 0))
      violated.push_back(fmt::format("{} = {} > 0",
                                     i < names.size() ? names[i] : fmt::format("constraint_{}", i),
                                     t.constraints[i]));
  if (violated.empty()) return "feasible";
  std::string out;
  for (const auto& v : violated) out += (out.empty() ? "" : ", ") + v;
  return "infeasible: " + out;
}

std::string time_text(Clock::time_point t) {
  const std::time_t secs = Clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string directions_text(const std::vector<Direction>& d) {
  std::string out;
  for (auto x : d) out += std::string(out.empty() ? "" : ", ") + std::string(to_string(x));
  return out;
}

// Complete trials, best first, feasible ones first (one objective); the Pareto front of the
// feasible complete trials, from the library (several).
std::vector<FrozenTrial> ranked(const std::shared_ptr<Storage>& storage, const StudyInfo& info,
                                const std::vector<FrozenTrial>& all) {
  const auto& dirs = info.directions;
  std::vector<FrozenTrial> complete;
  for (const auto& t : all)
    if (t.state == TrialState::Complete && t.values.size() == dirs.size()) complete.push_back(t);
  if (dirs.size() > 1) {
    try {
      return Study::load({.name = info.name, .storage_backend = storage}).best_trials();
    } catch (const NotFound&) {
      return {};  // nothing complete (or feasible) yet
    }
  }
  // A trial without constraint values among constrained ones counts as infeasible.
  const bool constrained = multi_objective::any_constrained(complete);
  std::stable_sort(complete.begin(), complete.end(), [&](const auto& a, const auto& b) {
    const bool fa = multi_objective::feasible_in(a, constrained);
    const bool fb = multi_objective::feasible_in(b, constrained);
    if (fa != fb) return fa;
    return dirs[0] == Direction::Minimize ? a.values[0] < b.values[0] : a.values[0] > b.values[0];
  });
  return complete;
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> w;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (w.size() <= i) w.push_back(0);
      w[i] = std::max(w[i], r[i].size());
    }
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i)
      line += fmt::format("{}{:<{}}", i ? "  " : "", r[i], i + 1 < r.size() ? w[i] : 0);
    // Fail reasons quote trials' stderr: escape sequences in them stay text on a terminal.
    fmt::print("{}\n", terminal_text_for(stdout, line));
  }
}

ParamValue value_of_json(const nlohmann::json& v) {
  try {
    return param_value_from_json(v);
  } catch (const InvalidArgument&) {
    return v.dump();
  }
}

// The retry bookkeeping the storage keeps in system attributes, which exports show: retried_from
// (the trial this one re-runs), retry_count (1, 2, ...), retried_by (the trial that re-ran this
// one).
constexpr const char* kRetryKeys[] = {keys::retried_from, keys::retry_count, keys::retried_by};

// The trials with the values their programs saw as parameters (see shown_params).
std::vector<FrozenTrial> with_shown_params(std::vector<FrozenTrial> trials) {
  for (auto& t : trials) {
    auto it = t.system_attrs.find(kParamsAttr);
    if (it == t.system_attrs.end() || !it->is_object()) continue;
    std::map<std::string, ParamValue> params;
    for (const auto& [k, v] : it->items()) params[k] = value_of_json(v);
    t.params = std::move(params);
  }
  return trials;
}

std::string_view trimmed(std::string_view text) {
  constexpr std::string_view space = " \t\r\n";
  const size_t begin = text.find_first_not_of(space);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(space) - begin + 1);
}

ojson parse_option_value(const std::string& text) {
  try {
    return ojson::parse(text);
  } catch (const nlohmann::json::parse_error&) {
    return ojson(text);
  }
}

// The experiment the flags describe, over what the study stores (an existing study's experiment
// is the base; --experiment replaces it, --space, --sampler and --direction override parts).
Experiment ask_experiment(const AskArgs& a, const std::optional<StudyInfo>& info,
                          const std::optional<Experiment>& stored) {
  Experiment e;
  bool have_space = false;
  if (!a.experiment_file.empty()) {
    e = load_experiment(a.experiment_file, false);
    have_space = true;
  } else if (stored) {
    e = *stored;
    have_space = true;
  }
  if (!a.space_file.empty()) {
    e.space = load_space_file(a.space_file);
    have_space = true;
  }
  if (!have_space)
    throw InvalidArgument(
        fmt::format("{}: pass the search space with --space search_space.json or --experiment FILE",
                    info ? fmt::format("study '{}' has no stored search space", a.study)
                         : fmt::format("study '{}' does not exist yet", a.study)));
  if (!a.sampler.empty()) {
    e.sampler.type = a.sampler;
    e.sampler.options = ojson::object();
  }
  std::map<std::string, std::string> given;  // key -> the first KEY=VALUE that set it
  for (const auto& kv : a.sampler_options) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InvalidArgument(
          fmt::format("--sampler-option '{}': write KEY=VALUE, e.g. seed=42", kv));
    if (const auto [it, fresh] = given.emplace(kv.substr(0, eq), kv); !fresh)
      throw InvalidArgument(
          fmt::format("--sampler-option '{}' is given twice ('{}', then '{}'): give each key once",
                      it->first, it->second, kv));
    e.sampler.options[kv.substr(0, eq)] = parse_option_value(kv.substr(eq + 1));
  }
  if (!a.directions.empty()) {
    e.directions.clear();
    for (const auto& d : a.directions) e.directions.push_back(parse_direction(d));
  }
  e.name = a.study;
  if (info && (!a.directions.empty() || !a.experiment_file.empty()) &&
      e.directions != info->directions)
    throw InvalidArgument(fmt::format(
        "study '{}' exists with direction(s) {}; {} cannot change them (drop it, or ask "
        "for a new study)",
        a.study, directions_text(info->directions),
        a.directions.empty() ? "--experiment " + a.experiment_file : "--direction"));
  if (info) e.directions = info->directions;
  // Neither a flag nor an experiment named the sampler: the default for the objectives.
  if (a.sampler.empty() && a.experiment_file.empty() && !stored)
    e.sampler.type = default_sampler_type(e.directions.size());
  if (!sampler_handles(e.sampler.type, e.directions.size()))
    throw InvalidArgument(fmt::format("{}; study '{}' has {} directions: use --sampler {}",
                                      sampler_objectives_limit(e.sampler.type), a.study,
                                      e.directions.size(),
                                      multi_objective_samplers("{}", e.directions.size())));
  return e;
}

bool same_json(const ojson& a, const ojson& b) {
  return nlohmann::json::parse(a.dump()) == nlohmann::json::parse(b.dump());
}

// A study's stored search space and sampler are what its trials so far were drawn from; a flag
// that would change them is refused rather than silently continuing the study with another
// method (an exhausted grid going on with TPE).
void check_unchanged(const AskArgs& a, const Experiment& e, const Experiment& stored) {
  const std::string how = fmt::format(
      "drop the flag to continue study '{}' as stored, or give another --study to start a new "
      "study",
      a.study);
  const std::string from = a.experiment_file.empty() ? "" : "--experiment " + a.experiment_file;
  // The space's order is part of it (a grid enumerates it), so it is compared as written.
  if (e.space.source.dump() != stored.space.source.dump())
    throw InvalidArgument(
        fmt::format("study '{}' exists with another search space; {} cannot "
                    "change it: {}",
                    a.study, from.empty() ? "--space " + a.space_file : from, how));
  if (e.sampler.type != stored.sampler.type ||
      !same_json(e.sampler.options, stored.sampler.options))
    throw InvalidArgument(
        fmt::format("study '{}' exists with sampler '{}' {}; {} cannot change it to '{}' {}: {}",
                    a.study, stored.sampler.type, stored.sampler.options.dump(),
                    from.empty() ? "--sampler/--sampler-option" : from, e.sampler.type,
                    e.sampler.options.dump(), how));
  if (!same_json(e.pruner.table, stored.pruner.table))
    throw InvalidArgument(
        fmt::format("study '{}' exists with another [pruner]; {} cannot change "
                    "it: {}",
                    a.study, from, how));
}

// After ask() the trial is running; a failure before its parameters are handed out fails it
// with the reason, so that no trial is left running with nobody to tell it.
SuggestedParams hand_out(Storage& storage, Study& study, Trial& trial, const Space& space) {
  try {
    SuggestedParams sp = suggest_all(space, trial);
    storage.set_trial_system_attr(trial.id(), kParamsAttr, nlohmann::json::parse(sp.flat.dump()));
    return sp;
  } catch (const std::exception& ex) {
    try {
      study.tell(trial.number(), TrialState::Failed,
                 fmt::format("parzen ask failed before handing the trial out: {}", ex.what()));
    } catch (const std::exception& tell_error) {
      fmt::print(stderr, "parzen: trial {} could not be failed ({}); it stays running\n",
                 trial.number(), tell_error.what());
    }
    throw;
  }
}

// --- failures by reason ------------------------------------------------------------------

// A failure reason as `parzen show` lists it: the cause, and of the program's stderr only its
// last non-empty line (a Python traceback's last line is the exception), on one line, at most
// `max` characters.
std::string short_reason(const std::string& reason, size_t max = 120) {
  std::string cause = reason, tail;
  if (const auto at = reason.find("; stderr: "); at != std::string::npos) {
    cause = reason.substr(0, at);
    std::string_view err(reason);
    err.remove_prefix(at + 10);
    while (!err.empty()) {
      const auto nl = err.find_last_of('\n');
      const std::string_view last =
          trimmed(nl == std::string_view::npos ? err : err.substr(nl + 1));
      if (!last.empty()) {
        tail = std::string(last);
        break;
      }
      if (nl == std::string_view::npos) break;
      err = err.substr(0, nl);
    }
  }
  std::string out = std::string(trimmed(cause.substr(0, cause.find('\n'))));
  if (!tail.empty()) out += ": " + tail;
  for (auto& c : out)
    if (c == '\t' || c == '\r') c = ' ';
  if (out.empty()) out = "(no reason given)";
  if (out.size() > max) {
    size_t cut = max - 3;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
    out = out.substr(0, cut) + "...";
  }
  return out;
}

// Reasons that differ only in numbers (a trial number, a line number, a step) are one reason.
std::string reason_key(const std::string& shortened) {
  std::string key;
  bool in_digits = false;
  for (size_t i = 0; i < shortened.size(); ++i) {
    const char c = shortened[i];
    const bool digit = c >= '0' && c <= '9';
    // A minus sign before a number is part of it (-3 and 3 are one reason).
    if (c == '-' && i + 1 < shortened.size() && shortened[i + 1] >= '0' &&
        shortened[i + 1] <= '9' && !in_digits)
      continue;
    if (digit && !in_digits) key += '#';
    if (!digit) key += c;
    in_digits = digit;
  }
  return key;
}

struct FailureGroup {
  std::string text;     // the latest such failure's shortened reason
  bool varies = false;  // members differ in their numbers
  std::vector<int64_t> trials;
};

// Failed trials grouped by reason, the most frequent first (ties: the most recent first). A
// failed trial that was retried counts like any other: each run failed.
std::vector<FailureGroup> failures_by_reason(const std::vector<FrozenTrial>& trials) {
  std::vector<FailureGroup> groups;
  std::map<std::string, size_t> index;
  for (const auto& t : trials) {
    if (t.state != TrialState::Failed) continue;
    const std::string text = short_reason(t.fail_reason);
    // Keyed by the whole reason: numbers of different lengths move the cut of the shortened
    // text, which would split one reason into several groups.
    const auto [it, fresh] =
        index.emplace(reason_key(short_reason(t.fail_reason, std::string::npos)), groups.size());
    if (fresh) groups.push_back({text, false, {}});
    auto& g = groups[it->second];
    if (g.text != text) g.varies = true;
    g.text = text;
    g.trials.push_back(t.number);
  }
  std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
    if (a.trials.size() != b.trials.size()) return a.trials.size() > b.trials.size();
    return a.trials.back() > b.trials.back();
  });
  return groups;
}

// "0, 1, 2, 5 and 3 more"
std::string trial_list(const std::vector<int64_t>& numbers, size_t shown = 4) {
  std::string out;
  for (size_t i = 0; i < numbers.size() && i < shown; ++i)
    out += fmt::format("{}{}", i ? ", " : "", numbers[i]);
  if (numbers.size() > shown) out += fmt::format(" and {} more", numbers.size() - shown);
  return out;
}

void print_failures(const std::vector<FrozenTrial>& trials, const std::string& study) {
  const auto groups = failures_by_reason(trials);
  if (groups.empty()) return;
  size_t total = 0;
  for (const auto& g : groups) total += g.trials.size();
  constexpr size_t kShownGroups = 10;
  fmt::print("\nFailures: {} failed {}, {} {}, most frequent first:\n", total,
             total == 1 ? "trial" : "trials", groups.size(),
             groups.size() == 1 ? "reason" : "reasons");
  std::vector<std::vector<std::string>> rows = {{"count", "reason", "trials"}};
  for (size_t i = 0; i < groups.size() && i < kShownGroups; ++i) {
    const auto& g = groups[i];
    rows.push_back({std::to_string(g.trials.size()), g.text + (g.varies ? " (and similar)" : ""),
                    trial_list(g.trials)});
  }
  print_table(rows);
  if (groups.size() > kShownGroups)
    fmt::print("... and {} more reasons\n", groups.size() - kShownGroups);
  fmt::print("(full reasons: parzen trials {} --format json)\n", study);
}

// --- export ---------------------------------------------------------------------------------

// The value columns: "value" for one unnamed objective, else values_<metric name> (values_0,
// values_1, ... for unnamed ones).
std::vector<std::string> value_columns(const StudyInfo& info) {
  const bool named = [&] {
    auto it = info.system_attrs.find(kExperimentAttr);
    return it != info.system_attrs.end() && it->contains("metrics");
  }();
  if (!named && info.directions.size() == 1) return {"value"};
  std::vector<std::string> out;
  if (!named) {
    // Unnamed objectives: values_0, values_1, ... (metric_names() already gives these names;
    // they are built here directly so that no prefix is doubled).
    for (size_t i = 0; i < info.directions.size(); ++i) out.push_back(fmt::format("values_{}", i));
    return out;
  }
  for (const auto& m : metric_names(info)) out.push_back("values_" + m);
  return out;
}

// One row per trial: number, state, the values by metric, the parameters the program saw, the
// constraints by name and feasibility, times, user attributes (and the retry bookkeeping as
// user_attrs_retried_from, ...), the failure reason.
void write_csv(std::ostream& out, const StudyInfo& info, std::vector<FrozenTrial> trials) {
  for (auto& t : trials)
    for (const char* key : kRetryKeys)
      if (auto it = t.system_attrs.find(key); it != t.system_attrs.end()) t.user_attrs[key] = *it;
  // The trial's directory (stdout.log, stderr.log; `parzen logs`): column user_attrs_trial_dir.
  for (auto& t : trials)
    if (auto it = t.system_attrs.find(keys::trial_dir); it != t.system_attrs.end())
      t.user_attrs["trial_dir"] = *it;
  std::set<std::string> params, attrs;
  for (const auto& t : trials) {
    for (const auto& [k, v] : t.params) params.insert(k);
    for (const auto& [k, v] : t.user_attrs.items()) attrs.insert(k);
  }
  const auto values = value_columns(info);
  const auto constraints = constraint_names(info, trials);
  std::vector<std::string> header = {"number", "state"};
  header.insert(header.end(), values.begin(), values.end());
  for (const auto& p : params) header.push_back("params_" + p);
  for (const auto& c : constraints) header.push_back("constraints_" + c);
  if (!constraints.empty()) header.push_back("feasible");
  for (const char* h : {"datetime_start", "datetime_complete", "duration_s"}) header.push_back(h);
  for (const auto& a : attrs) header.push_back("user_attrs_" + a);
  header.push_back("fail_reason");
  const auto put = [&out](std::vector<std::string> row) {
    for (size_t i = 0; i < row.size(); ++i)
      out << (i ? "," : "") << detail::csv_field(detail::storable_text(std::move(row[i])));
    out << '\n';
  };
  put(header);
  for (const auto& t : trials) {
    std::vector<std::string> row = {std::to_string(t.number), std::string(to_string(t.state))};
    for (size_t i = 0; i < values.size(); ++i)
      row.push_back(i < t.values.size() ? fmt::format("{}", t.values[i]) : "");
    for (const auto& p : params) {
      auto it = t.params.find(p);
      row.push_back(it == t.params.end() ? "" : to_string(it->second));
    }
    for (size_t i = 0; i < constraints.size(); ++i)
      row.push_back(i < t.constraints.size() ? fmt::format("{}", t.constraints[i]) : "");
    if (!constraints.empty())
      row.push_back(t.constraints.empty() ? "" : (t.feasible() ? "true" : "false"));
    row.push_back(detail::iso8601(t.datetime_start));
    row.push_back(detail::iso8601(t.datetime_complete));
    const auto d = t.duration_seconds();
    row.push_back(d ? fmt::format("{:.6f}", *d) : "");
    for (const auto& a : attrs) {
      if (!t.user_attrs.contains(a)) {
        row.push_back("");
        continue;
      }
      const auto& v = t.user_attrs[a];
      row.push_back(v.is_string() ? v.get<std::string>() : detail::dump_json(v));
    }
    row.push_back(t.fail_reason);
    put(std::move(row));
  }
}

// The library's JSON export (parzen::trials_json), with the metric and constraint names at the
// top, and per trial the values by metric name, the constraints by name, feasibility and the
// retry bookkeeping.
nlohmann::json export_json(const StudyInfo& info, const std::vector<FrozenTrial>& trials) {
  auto json = trials_json(info.name, info.directions, trials);
  const auto metrics = metric_names(info);
  const auto constraints = constraint_names(info, trials);
  json["metrics"] = metrics;
  json["constraint_names"] = constraints;
  for (size_t i = 0; i < trials.size(); ++i) {
    auto& row = json["trials"][i];
    const auto& t = trials[i];
    nlohmann::json by_metric = nlohmann::json::object();
    for (size_t j = 0; j < t.values.size() && j < metrics.size(); ++j)
      by_metric[metrics[j]] = t.values[j];
    row["values_by_metric"] = by_metric;
    nlohmann::json by_name = nlohmann::json::object();
    for (size_t j = 0; j < t.constraints.size() && j < constraints.size(); ++j)
      by_name[constraints[j]] = t.constraints[j];
    row["constraints_by_name"] = by_name;
    row["feasible"] = t.constraints.empty() ? nlohmann::json() : nlohmann::json(t.feasible());
    for (const char* key : kRetryKeys)
      if (auto it = t.system_attrs.find(key); it != t.system_attrs.end()) row[key] = *it;
    if (auto it = t.system_attrs.find(keys::trial_dir); it != t.system_attrs.end())
      row["trial_dir"] = *it;
  }
  return json;
}

// --- values from the command line -----------------------------------------------------------

// "NAME=VALUE" split at the first '='; throws InvalidArgument naming the flag.
std::pair<std::string, std::string> key_value(const std::string& text, const std::string& flag,
                                              const std::string& example) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InvalidArgument(fmt::format("{} '{}': write {}", flag, text, example));
  return {text.substr(0, eq), text.substr(eq + 1)};
}

double number_arg(const std::string& text, const std::string& what) {
  const auto v = parse_number(trimmed(text));
  if (!v)
    throw InvalidArgument(fmt::format(
        "{} '{}' is not a number; write it as Python prints a float (0.25, 1e-310, inf)", what,
        text));
  return *v;
}

}  // namespace

std::vector<std::string> metric_names(const StudyInfo& info) {
  if (const auto it = info.system_attrs.find(kExperimentAttr);
      it != info.system_attrs.end() && it->is_object() && it->contains("metrics") &&
      (*it)["metrics"].is_array() && (*it)["metrics"].size() == info.directions.size()) {
    std::vector<std::string> out;
    for (const auto& m : (*it)["metrics"])
      out.push_back(m.is_string() ? m.get<std::string>() : m.dump());
    return out;
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < info.directions.size(); ++i)
    out.push_back(info.directions.size() == 1 ? "value" : fmt::format("values_{}", i));
  return out;
}

std::shared_ptr<Storage> open_existing_storage(const std::string& text) {
  const std::string url = storage_url(text);
  const std::string file = sqlite_file(url);
  if (!file.empty() && !std::filesystem::exists(file))
    throw NotFound(fmt::format(
        "no such database file: {}{} (nothing was created); check --storage: a path ending in "
        ".db, .sqlite or .sqlite3, or sqlite:///relative.db, sqlite:////absolute.db",
        file,
        std::filesystem::path(file).is_absolute()
            ? ""
            : fmt::format(" in {}", std::filesystem::current_path().string())));
  // An empty file is no Parzen database: opening it would write the schema into it, which a
  // command that only reads (show, studies, the read-only dashboard) must never do.
  if (std::error_code ec; !file.empty() && std::filesystem::is_regular_file(file, ec) &&
                          std::filesystem::file_size(file, ec) == 0 && !ec)
    throw InvalidArgument(fmt::format(
        "{} is an empty file (0 bytes), not a Parzen database; nothing was written to it. "
        "Check --storage (`parzen run` creates a database where none exists)",
        file));
  return make_storage(url);
}

// What `parzen ask` makes of its flags over a study's stored experiment (none for a new study):
// every check of the flags (directions against the sampler, the sampler's options, the pruner)
// happens here, before anything is stored.
struct AskPlan {
  Experiment e;
  std::shared_ptr<Pruner> pruner;
  std::shared_ptr<Sampler> sampler;
};
AskPlan ask_plan(const AskArgs& a, const std::optional<StudyInfo>& info,
                 const std::optional<Experiment>& stored) {
  AskPlan p{ask_experiment(a, info, stored), nullptr, nullptr};
  if (stored) check_unchanged(a, p.e, *stored);
  p.pruner = make_pruner(p.e.pruner);
  const SamplerEntry* entry = find_sampler(p.e.sampler.type);
  if (entry && entry->capabilities.needs_hyperband_pruner &&
      !std::dynamic_pointer_cast<HyperbandPruner>(p.pruner))
    throw InvalidArgument(fmt::format(
        "sampler '{}' needs a Hyperband pruner, which `parzen ask` takes only from an experiment "
        "file: pass --experiment FILE whose [pruner] has type = \"hyperband\" and max_resource, "
        "or choose another --sampler",
        p.e.sampler.type));
  // The seed as given: seeded samplers draw each trial's randomness from (seed, study, trial
  // number), so a later ask neither repeats an earlier one nor another seed's.
  p.sampler = make_sampler(p.e.sampler, p.e.space, p.pruner);
  // Options that cannot serve the study's objectives (constraints_method = "ctpe" with several
  // directions): refused here, before the SQLite file exists, as Study::create would.
  try {
    p.sampler->check_objectives(p.e.directions.size());
  } catch (const OptionError& x) {
    throw InvalidArgument(fmt::format("--sampler-option {}: {}", x.key(), x.what()));
  }
  return p;
}

int cmd_ask(const AskArgs& a) {
  // A SQLite file that does not exist holds no study: the flags are checked for a new study
  // before the file is created, so a refused ask leaves no empty database behind.
  std::optional<AskPlan> plan;
  const std::string file = sqlite_file(storage_url(a.storage));
  if (!file.empty() && !std::filesystem::exists(file))
    plan = ask_plan(a, std::nullopt, std::nullopt);
  auto storage = open_storage(a.storage);
  std::optional<StudyInfo> info;
  if (auto id = storage->find_study(a.study)) info = storage->study(*id);
  const std::optional<Experiment> stored = info ? stored_experiment(*info) : std::nullopt;
  if (!plan || info) plan = ask_plan(a, info, stored);  // (another asker may have made it)
  const Experiment& e = plan->e;

  StudyOptions so;
  so.name = a.study;
  so.storage_backend = storage;
  so.directions = e.directions;
  so.pruner = plan->pruner;
  so.sampler = plan->sampler;
  so.load_if_exists = true;
  // No heartbeat_interval_seconds: an asked trial has no heartbeat (NewTrial::heartbeat), so no
  // worker of a heartbeat-enabled `parzen run` on the study ever fails it as stale; it runs until
  // `parzen tell` finishes it (--state failed abandons it).
  so.heartbeat_interval_seconds.reset();
  Study study = Study::create(so);
  if (!stored)
    storage->set_study_system_attr(study.id(), kExperimentAttr,
                                   nlohmann::json::parse(detail::dump_json(e.to_json())));

  std::optional<Trial> asked;
  try {
    // The stored experiment's budget (e itself, just stored, for a new study), atomically
    // across askers and workers.
    const Experiment& kept = stored ? *stored : e;
    if (kept.n_trials) {
      asked = study.ask(TrialBudget{*kept.n_trials, kept.count_failed_trials});
      if (!asked) {
        fmt::print(stderr,
                   "parzen: study '{}' already has its {} trials (n_trials in its experiment); "
                   "nothing to ask\n",
                   a.study, *kept.n_trials);
        return kExitNothingToDo;
      }
    } else {
      asked.emplace(study.ask());
    }
  } catch (const StudyExhausted& ex) {
    fmt::print(stderr, "parzen: nothing to ask: {}\n", ex.what());
    return kExitNothingToDo;
  }
  Trial& trial = *asked;
  const SuggestedParams sp = hand_out(*storage, study, trial, e.space);
  ojson out = ojson::object();
  out["study"] = a.study;
  out["number"] = trial.number();
  out["params"] = sp.nested;
  fmt::print("{}\n", detail::dump_json(out));
  return 0;
}

int cmd_tell(const TellArgs& a) {
  if (a.trial < 0) throw InvalidArgument("--trial NUMBER is required");
  // Every flag is read before anything is written, so a typo changes nothing.
  std::vector<std::pair<int64_t, double>> reports;
  for (const auto& text : a.intermediate) {
    const auto [step_text, value_text] =
        key_value(text, "--intermediate", "STEP=VALUE, e.g. --intermediate 3=0.82");
    const auto step = parse_number(trimmed(step_text));
    if (!step || *step != std::floor(*step) || *step < 0 || !(*step < 9223372036854775808.0))
      throw InvalidArgument(fmt::format(
          "--intermediate '{}': the step '{}' must be an integer >= 0", text, step_text));
    const double value = number_arg(value_text, fmt::format("--intermediate '{}': value", text));
    if (!std::isfinite(value))
      throw InvalidArgument(
          fmt::format("--intermediate '{}': an intermediate value must be finite", text));
    for (const auto& [s, v] : reports)
      if (s == static_cast<int64_t>(*step))
        throw InvalidArgument(fmt::format("--intermediate gives step {} twice", s));
    reports.emplace_back(static_cast<int64_t>(*step), value);
  }
  std::vector<std::pair<std::string, double>> constraint_values;
  for (const auto& text : a.constraints) {
    const auto [name, value_text] =
        key_value(text, "--constraint", "NAME=VALUE, e.g. --constraint size_mb=-3.5");
    const double v = number_arg(value_text, fmt::format("--constraint '{}': value", text));
    if (!std::isfinite(v))
      throw InvalidArgument(
          fmt::format("--constraint '{}': constraint '{}' is {}; a constraint value must be finite",
                      text, name, v));
    for (const auto& [n, x] : constraint_values)
      if (n == name) throw InvalidArgument(fmt::format("--constraint gives '{}' twice", name));
    constraint_values.emplace_back(name, v);
  }
  const bool report_only = a.state.empty() && a.values.empty() && !reports.empty();
  if (report_only && !constraint_values.empty())
    throw InvalidArgument(
        "--constraint is given with the trial's result: add --value (or --state failed|pruned)");
  const std::string state = a.state.empty() ? "complete" : a.state;
  if (state != "complete" && state != "failed" && state != "fail" && state != "pruned")
    throw InvalidArgument(
        fmt::format("unknown --state '{}'; expected complete, failed or pruned", a.state));
  if (!report_only && state == "complete" && a.values.empty())
    throw InvalidArgument(
        "give the trial's value(s) with --value (or --state failed|pruned, or only "
        "--intermediate STEP=VALUE to report progress)");
  if (state != "complete" && !a.values.empty())
    throw InvalidArgument(fmt::format("--value and --state {} exclude each other", state));
  std::vector<double> values;
  for (const auto& text : a.values) {
    // Surrounding whitespace is trimmed, as it is around a trial's last line.
    values.push_back(number_arg(text, "--value"));
  }

  auto storage = open_existing_storage(a.storage);
  const StudyInfo info = find_study_or_throw(*storage, a.storage, a.study);
  Study study = Study::load({.name = a.study, .storage_backend = storage});
  // A trial that records heartbeats is a `parzen run`/`worker`'s: its worker stores its result
  // (a tell here would have that result discarded), and a dead worker's trial is failed and
  // retried by the others once its grace period has passed.
  std::optional<FrozenTrial> target;
  bool constrained_trials = false;  // some trial of the study has constraint values
  for (const FrozenTrial& t : storage->trials(study.id())) {
    if (t.number == a.trial) target = t;
    constrained_trials = constrained_trials || !t.constraints.empty();
  }
  if (target && target->state == TrialState::Running && target->last_heartbeat)
    throw InvalidArgument(fmt::format(
        "trial {} is being run by worker {} (it records heartbeats); parzen tell finishes "
        "trials handed out by parzen ask. To abandon it, stop its worker: the study's other "
        "workers fail it (and retry it, within max_retries) once its grace period has passed",
        a.trial, target->worker.empty() ? "(unknown)" : target->worker));
  if ((!reports.empty() || !constraint_values.empty()) &&
      (!target || target->state != TrialState::Running))
    throw InvalidArgument(fmt::format(
        "trial {} of study '{}' {}; --intermediate and --constraint apply to a running trial "
        "(from parzen ask)",
        a.trial, a.study,
        target ? fmt::format("is {}", to_string(target->state)) : std::string("does not exist")));
  // A miscounted --value is a typo, not the trial's outcome: refuse it and keep the trial
  // running (the library would fail it), so the corrected tell still works.
  if (!values.empty() && values.size() != study.directions().size())
    throw InvalidArgument(fmt::format(
        "study '{}' has {} objective(s) but {} --value given; the trial is still running: tell "
        "it again with one --value per objective",
        a.study, study.directions().size(), values.size()));

  // A complete trial of a study with constraints needs their values: without them it would
  // count as infeasible (as feasible while no trial has values). Refused, the
  // trial kept running, as a tell that gives only some of them.
  if (state == "complete" && !report_only && constraint_values.empty()) {
    std::vector<std::string> listed;
    if (const auto stored = info.system_attrs.find(kExperimentAttr);
        stored != info.system_attrs.end() && stored->is_object() &&
        stored->contains("constraints") && (*stored)["constraints"].is_array())
      for (const auto& n : (*stored)["constraints"])
        if (n.is_string()) listed.push_back(n.get<std::string>());
    if (!listed.empty() || constrained_trials)
      throw InvalidArgument(fmt::format(
          "study '{}' has constraints{}; give each with --constraint NAME=VALUE (feasible when "
          "<= 0): a complete trial without them cannot be judged feasible. The trial is still "
          "running",
          a.study, listed.empty() ? std::string() : fmt::format(" {}", fmt::join(listed, ", "))));
  }

  // The constraints in the study's order: the stored experiment's `constraints`; a study that
  // lists none takes the names of its first --constraint tell, in the order given.
  std::vector<double> constraints;
  if (!constraint_values.empty()) {
    auto stored = info.system_attrs.find(kExperimentAttr);
    std::vector<std::string> names;
    if (stored != info.system_attrs.end() && stored->contains("constraints"))
      names = (*stored)["constraints"].get<std::vector<std::string>>();
    if (names.empty()) {
      for (const auto& [n, v] : constraint_values) names.push_back(n);
      for (const auto& n : names)
        if (n.find_first_of(" \t") != std::string::npos)
          throw InvalidArgument(fmt::format("--constraint name '{}' must not hold spaces", n));
      // Kept in the study's experiment; a study made through the API has none, and its
      // constraints stay unnamed (constraint_0, ...) in the exports.
      if (stored != info.system_attrs.end()) {
        nlohmann::json e = *stored;
        e["constraints"] = names;
        storage->set_study_system_attr(info.id, kExperimentAttr, e);
      }
    }
    for (const auto& [n, v] : constraint_values)
      if (std::find(names.begin(), names.end(), n) == names.end())
        throw InvalidArgument(fmt::format(
            "--constraint '{}': study '{}' has no constraint '{}'; its constraints are: {}", n,
            a.study, n, fmt::join(names, ", ")));
    for (const auto& n : names) {
      const auto it = std::find_if(constraint_values.begin(), constraint_values.end(),
                                   [&](const auto& kv) { return kv.first == n; });
      if (it == constraint_values.end())
        throw InvalidArgument(fmt::format(
            "--constraint: study '{}' has constraints {}; give each (--constraint {}=VALUE is "
            "missing); the trial is still running",
            a.study, fmt::join(names, ", "), n));
      constraints.push_back(it->second);
    }
  }

  for (const auto& [step, value] : reports) {
    if (target->intermediate_values.count(step))
      throw InvalidArgument(
          fmt::format("trial {} already has step {} (value {}); report each step once", a.trial,
                      step, target->intermediate_values.at(step)));
  }
  for (const auto& [step, value] : reports)
    storage->set_trial_intermediate_value(target->id, step, value);
  if (report_only) {
    std::string text;
    for (const auto& [step, value] : reports)
      text += fmt::format("{}step {} = {}", text.empty() ? "" : ", ", step, value);
    fmt::print("trial {} running: reported {}\n", a.trial, text);
    return 0;
  }
  if (!constraints.empty()) storage->set_trial_constraints(target->id, constraints);

  FrozenTrial t;
  if (state == "complete")
    t = study.tell(a.trial, values);
  else if (state == "pruned")
    t = study.tell(a.trial, TrialState::Pruned);
  else
    t = study.tell(a.trial, TrialState::Failed, a.reason.empty() ? "told failed" : a.reason);
  std::string text = fmt::format("trial {} {}", t.number, to_string(t.state));
  if (t.state == TrialState::Complete) {
    std::string v;
    for (double x : t.values) v += fmt::format("{}{}", v.empty() ? "" : " ", x);
    text += ": " + v;
    if (!t.constraints.empty())
      text += " (" + feasibility_text(t, constraint_names(storage->study(info.id), {t})) + ")";
  }
  if (!t.fail_reason.empty()) text += ": " + t.fail_reason;
  fmt::print("{}\n", text);
  return t.state == TrialState::Failed && state == "complete" ? 1 : 0;
}

// `parzen run` clears the request when the study has its experiment; a study made in Python or
// C++ has none, and its own API clears it.
std::string resume_hint(const StudyInfo& info) {
  if (const auto it = info.system_attrs.find(kExperimentAttr);
      it != info.system_attrs.end() && it->is_object() && it->contains("command"))
    return "`parzen run` with the study's experiment resumes it (and clears the request)";
  return "it has no experiment for `parzen run`: `study.clear_stop_request()` (Python) or "
         "`parzen::clear_stop_request` (C++) resumes it";
}

int cmd_studies(const std::string& url) {
  auto storage = open_existing_storage(url);
  const auto studies = storage->studies();
  if (studies.empty()) {
    fmt::print("No studies in {}.\n", redact_storage_url(url));
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"name", "directions", "trials", "complete", "best", "created", "stopped"}};
  std::vector<std::string> stopped_notes;
  for (const auto& s : studies) {
    const auto trials = storage->trials(s.id);
    int64_t complete = 0;
    for (const auto& t : trials) complete += t.state == TrialState::Complete;
    const auto best = ranked(storage, s, trials);
    std::string best_text = "-";
    if (!best.empty())
      best_text = s.directions.size() == 1
                      ? fmt::format("{} (#{})", best[0].values[0], best[0].number)
                      : fmt::format("{} on the Pareto front", best.size());
    // A pending stop request (`parzen stop`, the dashboard's Stop), as the dashboard's badge.
    const auto stop = stop_request(*storage, s.id);
    if (stop)
      stopped_notes.push_back(fmt::format("Study '{}' is stopped (stop {}); {}.", s.name,
                                          describe(*stop), resume_hint(s)));
    rows.push_back({s.name, directions_text(s.directions), std::to_string(trials.size()),
                    std::to_string(complete), best_text, time_text(s.datetime_created),
                    stop ? "yes" : "-"});
  }
  print_table(rows);
  if (!stopped_notes.empty()) fmt::print("\n{}\n", fmt::join(stopped_notes, "\n"));
  return 0;
}

int cmd_show(const std::string& url, const std::string& name, int top) {
  auto storage = open_existing_storage(url);
  const auto info = find_study_or_throw(*storage, url, name);
  const auto trials = storage->trials(info.id);
  const auto metrics = metric_names(info);
  std::map<TrialState, int64_t> by_state;
  double total_seconds = 0;
  for (const auto& t : trials) {
    ++by_state[t.state];
    total_seconds += t.duration_seconds().value_or(0.0);
  }
  fmt::print("Study:      {}\n", info.name);
  fmt::print("Storage:    {}\n", redact_storage_url(url));
  std::string dirs;
  for (size_t i = 0; i < info.directions.size(); ++i)
    dirs += fmt::format("{}{} {}", i ? ", " : "", to_string(info.directions[i]), metrics[i]);
  fmt::print("Objective:  {}\n", dirs);
  fmt::print("Created:    {}\n", time_text(info.datetime_created));
  std::string counts;
  for (const auto& [s, n] : by_state)
    counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", n, to_string(s));
  fmt::print("Trials:     {}{}\n", trials.size(), counts.empty() ? "" : " (" + counts + ")");
  fmt::print("Trial time: {} in total\n", duration_text(total_seconds));
  // A pending stop request: no process of the study starts a trial until it is cleared.
  if (const auto stop = stop_request(*storage, info.id))
    fmt::print("Stopped:    stop {}; no process starts a new trial; {}\n", describe(*stop),
               resume_hint(info));
  if (auto it = info.system_attrs.find(kExperimentAttr); it != info.system_attrs.end()) {
    if (it->contains("n_trials") && (*it)["n_trials"].is_number_integer()) {
      const auto n = (*it)["n_trials"].get<int64_t>();
      fmt::print("Budget:     {} {} ({} count)\n", n, n == 1 ? "trial" : "trials",
                 it->value("count_failed_trials", false) ? "complete, pruned and failed"
                                                         : "complete and pruned");
    }
    if (it->contains("sampler"))
      fmt::print("Sampler:    {}\n", detail::dump_json((*it)["sampler"]));
    if (const auto pr = it->find("pruner"); pr != it->end() && pr->is_object() && !pr->empty())
      fmt::print("Pruner:     {}\n", detail::dump_json(*pr));
    if (it->contains("command")) {
      std::string cmd;
      for (const auto& a : (*it)["command"]) cmd += (cmd.empty() ? "" : " ") + a.get<std::string>();
      fmt::print("Command:    {}\n", cmd);
    }
    if (it->contains("working_directory") && (*it)["working_directory"].is_string())
      fmt::print("Directory:  {}\n", (*it)["working_directory"].get<std::string>());
    // The reliability settings every worker of the study uses, as the experiment keys take them
    // (durations in seconds).
    std::string reliability;
    for (const char* key : {"max_retries", "heartbeat_interval", "grace_period",
                            "max_consecutive_failures", "count_failed_trials"})
      if (const auto v = it->find(key); v != it->end() && !v->is_null())
        reliability +=
            fmt::format("{}{} = {}", reliability.empty() ? "" : ", ", key, detail::dump_json(*v));
    if (!reliability.empty()) fmt::print("Reliability: {}\n", reliability);
  }
  // The auto sampler's choice per trial (its system attribute auto:sampler), in the order the
  // choices were first made: `Auto chose: random 1 trial (from #0), gp 39 (from #1)`.
  {
    std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>> chosen;  // name, count, first
    for (const auto& t : trials)
      if (const auto a = t.system_attrs.find("auto:sampler");
          a != t.system_attrs.end() && a->is_string()) {
        auto c = std::find_if(chosen.begin(), chosen.end(),
                              [&](const auto& e) { return e.first == a->get<std::string>(); });
        if (c == chosen.end())
          chosen.push_back({a->get<std::string>(), {1, t.number}});
        else
          ++c->second.first;
      }
    std::string text;
    for (const auto& [sampler, n] : chosen)
      text += fmt::format("{}{} {}{} (from #{})", text.empty() ? "" : ", ", sampler, n.first,
                          text.empty() ? (n.first == 1 ? " trial" : " trials") : "", n.second);
    if (!text.empty()) fmt::print("Auto chose: {}\n", text);
  }
  const auto constraints = constraint_names(info, trials);
  // A trial without constraint values counts as infeasible once some complete trial has them
  // (the core's rule: multi_objective::feasible_in), in the count below and the table.
  std::vector<FrozenTrial> complete;
  for (const auto& t : trials)
    if (t.state == TrialState::Complete) complete.push_back(t);
  const bool constrained = multi_objective::any_constrained(complete);
  if (!constraints.empty()) {
    const auto feasible = std::count_if(
        complete.begin(), complete.end(),
        [&](const FrozenTrial& t) { return multi_objective::feasible_in(t, constrained); });
    fmt::print("Constraints: {} (feasible when <= 0): {} of {} complete trials feasible\n",
               fmt::join(constraints, ", "), feasible, complete.size());
  }
  print_failures(trials, name);
  auto best = ranked(storage, info, trials);
  if (best.empty()) {
    fmt::print("\nNo {}trial has completed yet.\n",
               info.directions.size() > 1 && !constraints.empty() ? "feasible " : "");
    return 0;
  }
  std::vector<std::string> param_names;
  for (const auto& t : best)
    for (const auto& [k, v] : shown_params(t))
      if (std::find(param_names.begin(), param_names.end(), k) == param_names.end())
        param_names.push_back(k);
  const size_t n = std::min(best.size(), static_cast<size_t>(std::max(top, 1)));
  const bool several = info.directions.size() > 1;
  if (!several) {
    fmt::print("\nTop {} of {} complete trial{}:\n", n, by_state[TrialState::Complete],
               by_state[TrialState::Complete] == 1 ? "" : "s");
  } else {
    // The whole front's size, then how many rows follow and in which order: a front has no
    // ranks, so its members are listed by the first objective (best first).
    std::stable_sort(best.begin(), best.end(), [&](const auto& a, const auto& b) {
      return info.directions[0] == Direction::Minimize ? a.values[0] < b.values[0]
                                                       : a.values[0] > b.values[0];
    });
    fmt::print("\n{}: {} of {} complete trial{}{}:\n",
               constraints.empty() ? "Pareto front" : "Pareto front of the feasible trials",
               best.size(), by_state[TrialState::Complete],
               by_state[TrialState::Complete] == 1 ? "" : "s",
               n < best.size() ? fmt::format(" (the first {} by {} shown; --top {} shows all)", n,
                                             metrics[0], best.size())
                               : fmt::format(", by {}", metrics[0]));
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header =
      several ? std::vector<std::string>{"trial"} : std::vector<std::string>{"rank", "trial"};
  header.insert(header.end(), metrics.begin(), metrics.end());
  header.insert(header.end(), param_names.begin(), param_names.end());
  if (!constraints.empty()) header.push_back("feasible");
  header.push_back("duration");
  rows.push_back(header);
  for (size_t i = 0; i < n; ++i) {
    const auto& t = best[i];
    std::vector<std::string> row =
        several ? std::vector<std::string>{std::to_string(t.number)}
                : std::vector<std::string>{std::to_string(i + 1), std::to_string(t.number)};
    for (double v : t.values) row.push_back(fmt::format("{}", v));  // shortest exact text
    const auto shown = shown_params(t);
    for (const auto& p : param_names) {
      auto it =
          std::find_if(shown.begin(), shown.end(), [&](const auto& kv) { return kv.first == p; });
      row.push_back(it == shown.end() ? "-" : it->second);
    }
    if (!constraints.empty())
      row.push_back(t.constraints.empty() ? (constrained ? "no (none given)" : "-")
                                          : (t.feasible() ? "yes" : "no"));
    const auto d = t.duration_seconds();
    row.push_back(d ? duration_text(*d) : "-");
    rows.push_back(row);
  }
  print_table(rows);
  return 0;
}

int cmd_best(const std::string& url, const std::string& name, bool json) {
  auto storage = open_existing_storage(url);
  const auto info = find_study_or_throw(*storage, url, name);
  const auto all = storage->trials(info.id);
  const auto best = ranked(storage, info, all);
  const auto constraints = constraint_names(info, all);
  if (best.empty())
    throw NotFound(
        fmt::format("study '{}' has no complete{} trial yet", name,
                    info.directions.size() > 1 && !constraints.empty() ? " feasible" : ""));
  // With one objective, feasible trials rank first: when the first is infeasible, none is, and
  // no infeasible trial is reported as best (exit 1 with the core's NotFound, as
  // Study::best_trial: "study 's' has no feasible trial: all 12 complete trials violate ...").
  if (info.directions.size() == 1 &&
      !multi_objective::feasible_in(best[0], multi_objective::any_constrained(best)))
    (void)Study::load({.name = info.name, .storage_backend = storage}).best_trial();
  const auto metrics = metric_names(info);
  const size_t n = info.directions.size() == 1 ? 1 : best.size();
  if (json) {
    ojson list = ojson::array();
    for (size_t i = 0; i < n; ++i) {
      ojson params = ojson::object();
      auto it = best[i].system_attrs.find(kParamsAttr);
      if (it != best[i].system_attrs.end())
        params = ojson::parse(it->dump());
      else
        for (const auto& [k, v] : best[i].params) params[k] = ojson::parse(to_json(v).dump());
      ojson o = ojson::object();
      o["number"] = best[i].number;
      if (info.directions.size() == 1) o["value"] = best[i].values[0];
      o["values"] = best[i].values;
      o["params"] = params;
      if (!best[i].constraints.empty()) {
        ojson c = ojson::object();
        for (size_t j = 0; j < best[i].constraints.size() && j < constraints.size(); ++j)
          c[constraints[j]] = best[i].constraints[j];
        o["constraints"] = c;
        o["feasible"] = best[i].feasible();
      }
      list.push_back(o);
    }
    fmt::print("{}\n", detail::dump_json(info.directions.size() == 1 ? list[0] : list, 2));
    return 0;
  }
  for (size_t i = 0; i < n; ++i) {
    if (i) fmt::print("\n");
    const std::string feasibility = feasibility_text(best[i], constraints);
    fmt::print("Trial {}{}\n", best[i].number, feasibility.empty() ? "" : " (" + feasibility + ")");
    for (size_t j = 0; j < best[i].values.size(); ++j)
      fmt::print("  {} = {}\n", metrics[j], best[i].values[j]);
    for (const auto& [k, v] : shown_params(best[i])) fmt::print("  {} = {}\n", k, v);
    for (size_t j = 0; j < best[i].constraints.size() && j < constraints.size(); ++j)
      fmt::print("  {} = {} (constraint)\n", constraints[j], best[i].constraints[j]);
  }
  return 0;
}

int cmd_trials(const std::string& url, const std::string& name, const std::string& format) {
  return cmd_export({.storage = url, .study = name, .format = format});
}

std::string export_text(Storage& storage, const StudyInfo& info, const std::string& format) {
  if (format != "csv" && format != "json")
    throw InvalidArgument(fmt::format("unknown format '{}'; expected csv or json", format));
  const auto trials = with_shown_params(storage.trials(info.id));
  std::ostringstream out;
  if (format == "csv")
    write_csv(out, info, trials);
  else
    out << detail::dump_json(export_json(info, trials), 2) << '\n';
  return out.str();
}

namespace {

// True when `path` is an existing file that starts with the SQLite header.
bool is_sqlite_database(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  char head[16] = {};
  in.read(head, sizeof head);
  return in.gcount() == sizeof head && std::memcmp(head, "SQLite format 3", 16) == 0;
}

// `parzen export --output FILE` truncates FILE before it writes: refuse a FILE that is the
// storage being exported (or one of its -wal/-shm/-journal files), or any other SQLite database,
// before anything is opened (finding 14 of try-out 21: one typo destroyed every study).
void check_export_output(const std::string& output, const std::string& url,
                         const std::string& example) {
  const std::string db = sqlite_file(url);
  if (!db.empty()) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      const std::string f = db + suffix;
      std::error_code ec;
      if (std::filesystem::exists(output, ec) && std::filesystem::exists(f, ec) &&
          std::filesystem::equivalent(output, f, ec) && !ec)
        throw InvalidArgument(fmt::format(
            "--output {} is {} of the storage being exported ({}); nothing was written. "
            "Give another file, e.g. --output {}",
            output, *suffix ? fmt::format("the {} file", suffix + 1) : std::string("the database"),
            redact_storage_url(url), example));
    }
  }
  if (is_sqlite_database(output))
    throw InvalidArgument(fmt::format(
        "--output {} is an SQLite database; parzen export does not overwrite a database "
        "(nothing was written). Give another file, or delete it first if it is really meant",
        output));
}

}  // namespace

int cmd_export(const ExportArgs& a) {
  if (a.format != "csv" && a.format != "json")
    throw InvalidArgument(fmt::format("unknown --format '{}'; expected csv or json", a.format));
  auto storage = open_existing_storage(a.storage);
  const auto info = find_study_or_throw(*storage, a.storage, a.study);
  const auto trials = with_shown_params(storage->trials(info.id));
  if (!a.output.empty())
    check_export_output(a.output, storage_url(a.storage), a.study + "." + a.format);
  std::ofstream file;
  if (!a.output.empty()) {
    file.open(a.output, std::ios::binary | std::ios::trunc);
    if (!file)
      throw Error(
          fmt::format("--output {}: cannot write the file ({})", a.output, std::strerror(errno)));
  }
  // To a terminal (`parzen trials`, `parzen export` without --output) the trials' own text (fail
  // reasons quoting their stderr, user attributes) is escaped as by `parzen show`, so that it
  // cannot clear the screen or retitle the window; a pipe or a file gets it byte for byte.
  std::ostringstream text;
  std::ostream& out = a.output.empty() ? static_cast<std::ostream&>(text) : file;
  if (a.format == "csv")
    write_csv(out, info, trials);
  else
    out << detail::dump_json(export_json(info, trials), 2) << '\n';
  if (a.output.empty()) std::cout << terminal_text_for(stdout, text.str());
  std::ostream& written = a.output.empty() ? std::cout : file;
  written.flush();
  if (!written)
    throw Error(
        fmt::format("{}: the export could not be written", a.output.empty() ? "stdout" : a.output));
  if (!a.output.empty())
    fmt::print(stderr, "Exported {} trials of study '{}' to {} ({}).\n", trials.size(), a.study,
               a.output, a.format);
  return 0;
}

namespace {

const SpaceParam* find_param(const std::vector<SpaceParam>& params, const std::string& name) {
  for (const auto& p : params) {
    if (p.name == name) return &p;
    for (const auto& [i, sub] : p.branches)
      if (const SpaceParam* found = find_param(sub, name)) return found;
  }
  return nullptr;
}

// The choice a nested parameter hangs under and the index of its branch; false for a top-level
// one.
bool find_parent(const std::vector<SpaceParam>& params, const std::string& name,
                 const SpaceParam*& parent, size_t& branch) {
  for (const auto& p : params)
    for (const auto& [i, sub] : p.branches) {
      for (const auto& q : sub)
        if (q.name == name) {
          parent = &p;
          branch = i;
          return true;
        }
      if (find_parent(sub, name, parent, branch)) return true;
    }
  return false;
}

// NNI's nested form {"optimizer": {"_name": "adam", "lr": 0.01}} as full names
// (optimizer = "adam", optimizer.adam.lr = 0.01).
void flatten_params(const ojson& json, const std::string& prefix,
                    std::vector<std::pair<std::string, ojson>>& out) {
  for (const auto& [key, v] : json.items()) {
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    if (v.is_object()) {
      if (!v.contains("_name") || !v["_name"].is_string())
        throw InvalidArgument(fmt::format(
            "--params: '{}' is an object without a \"_name\" string; a nested choice is written "
            "{{\"_name\": \"branch\", ...}}",
            name));
      const std::string branch = v["_name"].get<std::string>();
      out.emplace_back(name, v["_name"]);
      ojson rest = v;
      rest.erase("_name");
      flatten_params(rest, name + "." + branch, out);
    } else {
      out.emplace_back(name, v);
    }
  }
}

// A value as the distribution takes it: integers given for a float become floats, integral
// floats given for an integer become integers. Throws InvalidArgument naming the parameter.
ParamValue enqueue_value(const SpaceParam& p, const ojson& v) {
  if (p.transform != SpaceParam::Transform::None)
    throw InvalidArgument(fmt::format(
        "parameter '{}' ({}) is sampled in a transformed space, so a value for it cannot be "
        "enqueued; leave it out and it is sampled",
        p.name, p.type));
  ParamValue value;
  try {
    value = param_value_from_json(nlohmann::json::parse(v.dump()));
  } catch (const std::exception&) {
    throw InvalidArgument(
        fmt::format("parameter '{}': {} is not a number, string or boolean", p.name, v.dump()));
  }
  if (std::holds_alternative<FloatDistribution>(p.distribution) &&
      std::holds_alternative<int64_t>(value))
    value = static_cast<double>(std::get<int64_t>(value));
  if (std::holds_alternative<IntDistribution>(p.distribution) &&
      std::holds_alternative<double>(value)) {
    const double d = std::get<double>(value);
    if (d == std::floor(d) && std::fabs(d) < 9e15) value = static_cast<int64_t>(d);
  }
  try {
    (void)to_internal(p.distribution, value, p.name);
  } catch (const InvalidArgument& ex) {
    throw InvalidArgument(
        fmt::format("{}; give a value inside it, or leave '{}' out to have it "
                    "sampled",
                    ex.what(), p.name));
  }
  return value;
}

// KEY=VALUE: the value as JSON when it reads as JSON (0.01, 3, true, "text"), else as text.
ojson assignment_value(const std::string& text) {
  try {
    auto v = ojson::parse(text);
    if (!v.is_object() && !v.is_array()) return v;
  } catch (const nlohmann::json::exception&) {
  }
  return ojson(text);
}

}  // namespace

int cmd_enqueue(const EnqueueArgs& a) {
  if (a.params_json.empty() == a.assignments.empty())
    throw InvalidArgument(
        a.params_json.empty()
            ? "give the parameters: --params '{\"lr\": 0.01}' or KEY=VALUE... (e.g. lr=0.01)"
            : "give the parameters either as --params JSON or as KEY=VALUE, not both");
  std::vector<std::pair<std::string, ojson>> given;
  if (!a.params_json.empty()) {
    ojson j;
    try {
      j = ojson::parse(a.params_json);
    } catch (const nlohmann::json::exception& ex) {
      throw InvalidArgument(fmt::format("--params is not JSON: {}", json_error_text(ex.what())));
    }
    if (!j.is_object() || j.empty())
      throw InvalidArgument("--params must be a JSON object with at least one parameter");
    flatten_params(j, "", given);
  }
  for (const auto& text : a.assignments) {
    const auto [k, v] = key_value(text, "parameter", "KEY=VALUE, e.g. lr=0.01");
    given.emplace_back(k, assignment_value(v));
  }
  auto storage = open_existing_storage(a.storage);
  const auto info = find_study_or_throw(*storage, a.storage, a.study);
  const auto stored = stored_experiment(info);
  if (!stored)
    throw InvalidArgument(fmt::format(
        "study '{}' stores no search space (it was not created by parzen run or parzen ask), so "
        "enqueued values cannot be checked",
        a.study));
  const auto names = stored->space.names();
  std::map<std::string, ParamValue> params;
  for (const auto& [name, v] : given) {
    const SpaceParam* p = find_param(stored->space.params, name);
    if (!p)
      throw InvalidArgument(fmt::format("study '{}' has no parameter '{}'; its parameters are: {}",
                                        a.study, name, fmt::join(names, ", ")));
    if (!params.emplace(name, enqueue_value(*p, v)).second)
      throw InvalidArgument(fmt::format("parameter '{}' is given twice", name));
  }
  // A nested parameter counts only in its branch: its choice must be given, and choose it (a
  // value the trial would never read is refused rather than dropped).
  for (const auto& [name, v] : params) {
    const SpaceParam* parent = nullptr;
    size_t branch = 0;
    if (!find_parent(stored->space.params, name, parent, branch)) continue;
    const auto* choice = std::get_if<CategoricalDistribution>(&parent->distribution);
    if (!choice || branch >= choice->choices.size()) continue;
    const std::string want = to_string(choice->choices[branch]);
    const auto it = params.find(parent->name);
    if (it == params.end() || to_string(it->second) != want)
      throw InvalidArgument(fmt::format(
          "parameter '{}' belongs to the branch {}={} of a nested choice: {}", name, parent->name,
          want,
          it == params.end()
              ? fmt::format("give {}={} too (else the choice is sampled and may not read it)",
                            parent->name, want)
              : fmt::format("{} is {} here, so the trial would never read it; leave it out or "
                            "give {}={}",
                            parent->name, to_string(it->second), parent->name, want)));
  }
  Study study = Study::load({.name = a.study, .storage_backend = storage});
  study.enqueue_trial(params);
  int64_t number = -1, held = 0;
  const TrialBudget budget{stored->n_trials.value_or(0), stored->count_failed_trials};
  for (const auto& t : storage->trials(info.id)) {
    if (t.state == TrialState::Waiting) number = std::max(number, t.number);
    if (t.state == TrialState::Running || t.state == TrialState::Waiting ||
        counts_toward(t, budget))
      ++held;
  }
  // A waiting trial runs whatever the budget (as a retry does): the user asked for it. When the
  // study's n_trials is already taken, say so: the study will end with more than n_trials.
  if (stored->n_trials && held > *stored->n_trials)
    fmt::print(stderr,
               "parzen: warning: study '{}' already holds its n_trials = {} trials (counted, "
               "running or waiting): trial {} runs beyond that budget, as `parzen run`, `worker` "
               "and `ask` run a waiting trial even when the budget is met\n",
               a.study, *stored->n_trials, number);
  std::string text;
  for (const auto& [k, v] : params)
    text += fmt::format("{}{}={}", text.empty() ? "" : " ", k, to_string(v));
  fmt::print(
      "Enqueued trial {} of study '{}': {} (the next parzen run, worker or ask on the study runs "
      "it; parameters not given are sampled)\n",
      number, a.study, text);
  return 0;
}

namespace {

std::string json_text(const ojson& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// "parameter 'lr' high 0.1 -> 0.5", one line per changed key of each parameter as written.
void space_changes(const ojson& before, const ojson& after, std::vector<std::string>& out) {
  for (const auto& [name, old_spec] : before.items()) {
    if (!after.contains(name)) {
      out.push_back(fmt::format("search space: parameter '{}' removed", name));
      continue;
    }
    const ojson& new_spec = after[name];
    if (old_spec == new_spec) continue;
    if (!old_spec.is_object() || !new_spec.is_object()) {
      out.push_back(fmt::format("search space: parameter '{}' {} -> {}", name, old_spec.dump(),
                                new_spec.dump()));
      continue;
    }
    for (const auto& [key, v] : old_spec.items()) {
      if (!new_spec.contains(key))
        out.push_back(
            fmt::format("search space: parameter '{}' {} {} -> (unset)", name, key, json_text(v)));
      else if (new_spec[key] != v)
        out.push_back(fmt::format("search space: parameter '{}' {} {} -> {}", name, key,
                                  json_text(v), json_text(new_spec[key])));
    }
    for (const auto& [key, v] : new_spec.items())
      if (!old_spec.contains(key))
        out.push_back(
            fmt::format("search space: parameter '{}' {} (unset) -> {}", name, key, json_text(v)));
  }
  for (const auto& [name, spec] : after.items())
    if (!before.contains(name))
      out.push_back(fmt::format("search space: parameter '{}' added: {}", name, spec.dump()));
}

std::string command_text(const std::vector<std::string>& argv) {
  return fmt::format("{}", fmt::join(argv, " "));
}

}  // namespace

std::vector<std::string> check_resumed_experiment(Storage& storage, const Experiment& e) {
  std::vector<std::string> changes;
  const auto id = storage.find_study(e.name);
  if (!id) return changes;
  const StudyInfo info = storage.study(*id);
  const auto before = stored_experiment(info);
  // Other directions are refused by the run itself, naming the study's own.
  if (!before || info.directions != e.directions) return changes;
  // Refused: what gives the stored values their meaning. Directions are checked by the run
  // itself (with the study's own directions); constraint values are stored by position.
  const bool appended =
      before->constraints.size() <= e.constraints.size() &&
      std::equal(before->constraints.begin(), before->constraints.end(), e.constraints.begin());
  if (!appended && info.n_trials > 0)
    throw InvalidArgument(fmt::format(
        "study '{}' was run with constraints = [{}] but the experiment says [{}]; its trials' "
        "constraint values are stored in that order: keep the list (new names may only be "
        "added at its end), or give the experiment another name",
        e.name, fmt::join(before->constraints, ", "), fmt::join(e.constraints, ", ")));
  if (before->constraints != e.constraints) {
    // Processes of the study that are running now read their experiment when they started:
    // their next trials are stored without the new constraints (and count as feasible on
    // them) until they are restarted.
    int64_t running = 0;
    for (const auto& t : storage.trials(*id)) running += t.state == TrialState::Running;
    changes.push_back(fmt::format(
        "constraints: [{}] -> [{}] (earlier trials lack the new ones{})",
        fmt::join(before->constraints, ", "), fmt::join(e.constraints, ", "),
        running == 0 ? ""
                     : fmt::format("; {} trial{} running now: the `parzen run`/`parzen worker` "
                                   "processes running them keep the old list, and store their "
                                   "trials without the new constraints, until restarted",
                                   running, running == 1 ? " is" : "s are")));
  }
  space_changes(before->space.source, e.space.source, changes);
  if (before->command != e.command)
    changes.push_back(
        fmt::format("command: {} -> {}", command_text(before->command), command_text(e.command)));
  if (before->working_directory != e.working_directory)
    changes.push_back(
        fmt::format("working_directory: {} -> {}", before->working_directory, e.working_directory));
  if (before->environment != e.environment) changes.push_back("environment: changed");
  if (before->metrics != e.metrics)
    changes.push_back(fmt::format("metrics: [{}] -> [{}]", fmt::join(before->metrics, ", "),
                                  fmt::join(e.metrics, ", ")));
  if (before->sampler.type != e.sampler.type ||
      !same_json(before->sampler.options, e.sampler.options))
    changes.push_back(fmt::format("sampler: {} {} -> {} {}", before->sampler.type,
                                  before->sampler.options.dump(), e.sampler.type,
                                  e.sampler.options.dump()));
  if (!same_json(before->pruner.table, e.pruner.table))
    changes.push_back(
        fmt::format("pruner: {} -> {}", before->pruner.table.dump(), e.pruner.table.dump()));
  return changes;
}

int cmd_delete(const std::string& url, const std::string& name, bool yes) {
  auto storage = open_existing_storage(url);
  const auto info = find_study_or_throw(*storage, url, name);
  if (!yes) {
    if (!::isatty(STDIN_FILENO))
      throw InvalidArgument(
          fmt::format("refusing to delete study '{}' ({} trials) without confirmation: add --yes",
                      name, info.n_trials));
    fmt::print("Delete study '{}' and its {} trials from {}? [y/N] ", name, info.n_trials,
               redact_storage_url(url));
    std::fflush(stdout);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") {
      fmt::print("Not deleted.\n");
      return 1;
    }
  }
  storage->delete_study(info.id);
  fmt::print("Deleted study '{}' ({} trials).\n", name, info.n_trials);
  return 0;
}

int cmd_presets() {
  fmt::print(
      "Search-space presets; use one in an experiment's [search_space] as\n"
      "  lr = {{ preset = \"adam.lr\" }}   (learning rates also take finetune = true)\n\n");
  for (const auto& p : presets()) {
    fmt::print("{}\n", p.name);
    fmt::print("  range:    {}\n", describe(p.distribution));
    if (p.finetune) fmt::print("  finetune: {}\n", describe(*p.finetune));
    fmt::print("  note:     {}\n", p.note);
    fmt::print("  source:   {}\n", p.source);
  }
  return 0;
}

int cmd_worker(const WorkerArgs& a) {
  // The one storage (and connection) the worker uses throughout.
  auto storage = open_existing_storage(a.storage);
  const auto info = find_study_or_throw(*storage, a.storage, a.study);
  auto e = stored_experiment(info);
  if (!e || e->command.empty())
    throw InvalidArgument(fmt::format(
        "study '{}' was not created by `parzen run` (it stores no trial command); start it with "
        "`parzen run EXPERIMENT.toml --storage URL` first",
        a.study));
  e->storage = storage_url(a.storage);
  // A stopped study: the worker starts nothing and says so before anything else (its "Resuming
  // study" banner would contradict it). Workers never clear the request; `parzen run` does.
  if (const auto stop = stop_request(*storage, info.id)) {
    fmt::print("Stopped: study '{}' in {} is stopped (stop {}); this worker starts no trial. {}.\n",
               a.study, redact_storage_url(e->storage), describe(*stop),
               "`parzen run` with the study's experiment resumes it (and clears the request)");
    return kExitOk;
  }
  // The flags are this worker's: they apply here and are never stored, so the study (its
  // budget, its working directory) stays as `parzen run` stored it for every other worker.
  if (a.concurrency) e->concurrency = *a.concurrency;
  if (!a.working_directory.empty()) e->working_directory = a.working_directory;
  if (!a.output_directory.empty())
    e->output_directory = std::filesystem::absolute(a.output_directory).lexically_normal();
  RunSettings settings;
  settings.max_trials = a.n_trials;
  settings.store_experiment = false;
  settings.storage = storage;
  if (a.progress == "bar") settings.style = ProgressStyle::Bar;
  if (a.progress == "lines") settings.style = ProgressStyle::Lines;
  return run_experiment(*e, settings);
}

}  // namespace parzen::cli
