#include "cli/commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "cli/experiment.hpp"
#include "cli/number.hpp"
#include "cli/run.hpp"
#include "parzen/pruners.hpp"
#include "parzen/registry.hpp"
#include "parzen/study.hpp"
#include "storage/utf8.hpp"

namespace parzen::cli {
namespace {

using ojson = nlohmann::ordered_json;

std::shared_ptr<Storage> open_storage(const std::string& url) { return make_storage(url); }

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

std::vector<std::string> metric_names(const StudyInfo& info) {
  if (auto it = info.system_attrs.find(kExperimentAttr);
      it != info.system_attrs.end() && it->contains("metrics"))
    return (*it)["metrics"].get<std::vector<std::string>>();
  std::vector<std::string> out;
  for (size_t i = 0; i < info.directions.size(); ++i)
    out.push_back(info.directions.size() == 1 ? "value" : fmt::format("value_{}", i));
  return out;
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
  std::stable_sort(complete.begin(), complete.end(), [&](const auto& a, const auto& b) {
    if (a.feasible() != b.feasible()) return a.feasible();
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
    fmt::print("{}\n", line);
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
  for (const auto& kv : a.sampler_options) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InvalidArgument(
          fmt::format("--sampler-option '{}': write KEY=VALUE, e.g. seed=42", kv));
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
    throw InvalidArgument(fmt::format(
        "sampler '{}' models one objective; study '{}' has {} directions: use --sampler {}",
        e.sampler.type, a.study, e.directions.size(), multi_objective_samplers("{}")));
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

}  // namespace

int cmd_ask(const AskArgs& a) {
  auto storage = open_storage(a.storage);
  std::optional<StudyInfo> info;
  if (auto id = storage->find_study(a.study)) info = storage->study(*id);
  const std::optional<Experiment> stored = info ? stored_experiment(*info) : std::nullopt;
  const Experiment e = ask_experiment(a, info, stored);
  if (stored) check_unchanged(a, e, *stored);

  StudyOptions so;
  so.name = a.study;
  so.storage_backend = storage;
  so.directions = e.directions;
  so.pruner = make_pruner(e.pruner);
  const SamplerEntry* entry = find_sampler(e.sampler.type);
  if (entry && entry->capabilities.needs_hyperband_pruner &&
      !std::dynamic_pointer_cast<HyperbandPruner>(so.pruner))
    throw InvalidArgument(fmt::format(
        "sampler '{}' needs a Hyperband pruner, which `parzen ask` takes only from an experiment "
        "file: pass --experiment FILE whose [pruner] has type = \"hyperband\" and max_resource, "
        "or choose another --sampler",
        e.sampler.type));
  // The seed as given: seeded samplers draw each trial's randomness from (seed, study, trial
  // number), so a later ask neither repeats an earlier one nor another seed's.
  so.sampler = make_sampler(e.sampler, e.space, so.pruner);
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
  auto storage = open_storage(a.storage);
  find_study_or_throw(*storage, a.storage, a.study);
  Study study = Study::load({.name = a.study, .storage_backend = storage});
  if (a.trial < 0) throw InvalidArgument("--trial NUMBER is required");
  // A trial that records heartbeats is a `parzen run`/`worker`'s: its worker stores its result
  // (a tell here would have that result discarded), and a dead worker's trial is failed and
  // retried by the others once its grace period has passed.
  for (const FrozenTrial& running : storage->trials(study.id()))
    if (running.number == a.trial && running.state == TrialState::Running && running.last_heartbeat)
      throw InvalidArgument(fmt::format(
          "trial {} is being run by worker {} (it records heartbeats); parzen tell finishes "
          "trials handed out by parzen ask. To abandon it, stop its worker: the study's other "
          "workers fail it (and retry it, within max_retries) once its grace period has passed",
          a.trial, running.worker.empty() ? "(unknown)" : running.worker));
  FrozenTrial t;
  const std::string state = a.state.empty() ? "complete" : a.state;
  if (state == "complete") {
    if (a.values.empty())
      throw InvalidArgument("give the trial's value(s) with --value (or --state failed|pruned)");
    std::vector<double> values;
    for (const auto& text : a.values) {
      // Surrounding whitespace is trimmed, as it is around a trial's last line.
      const auto v = parse_number(trimmed(text));
      if (!v)
        throw InvalidArgument(fmt::format(
            "--value '{}' is not a number; write it as Python prints a float (0.25, 1e-310, inf)",
            text));
      values.push_back(*v);
    }
    // A miscounted --value is a typo, not the trial's outcome: refuse it and keep the trial
    // running (the library would fail it), so the corrected tell still works.
    if (values.size() != study.directions().size())
      throw InvalidArgument(fmt::format(
          "study '{}' has {} objective(s) but {} --value given; the trial is still running: tell "
          "it again with one --value per objective",
          a.study, study.directions().size(), values.size()));
    t = study.tell(a.trial, values);
  } else if (state == "failed" || state == "fail") {
    if (!a.values.empty()) throw InvalidArgument("--value and --state failed exclude each other");
    t = study.tell(a.trial, TrialState::Failed, a.reason.empty() ? "told failed" : a.reason);
  } else if (state == "pruned") {
    if (!a.values.empty()) throw InvalidArgument("--value and --state pruned exclude each other");
    t = study.tell(a.trial, TrialState::Pruned);
  } else {
    throw InvalidArgument(
        fmt::format("unknown --state '{}'; expected complete, failed or pruned", a.state));
  }
  std::string text = fmt::format("trial {} {}", t.number, to_string(t.state));
  if (t.state == TrialState::Complete) {
    std::string v;
    for (double x : t.values) v += fmt::format("{}{}", v.empty() ? "" : " ", x);
    text += ": " + v;
  }
  if (!t.fail_reason.empty()) text += ": " + t.fail_reason;
  fmt::print("{}\n", text);
  return t.state == TrialState::Failed && state == "complete" ? 1 : 0;
}

int cmd_studies(const std::string& url) {
  auto storage = open_storage(url);
  const auto studies = storage->studies();
  if (studies.empty()) {
    fmt::print("No studies in {}.\n", redact_storage_url(url));
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"name", "directions", "trials", "complete", "best", "created"}};
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
    rows.push_back({s.name, directions_text(s.directions), std::to_string(trials.size()),
                    std::to_string(complete), best_text, time_text(s.datetime_created)});
  }
  print_table(rows);
  return 0;
}

int cmd_show(const std::string& url, const std::string& name, int top) {
  auto storage = open_storage(url);
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
  if (auto it = info.system_attrs.find(kExperimentAttr); it != info.system_attrs.end()) {
    if (it->contains("n_trials") && (*it)["n_trials"].is_number_integer()) {
      const auto n = (*it)["n_trials"].get<int64_t>();
      fmt::print("Budget:     {} {} ({} count)\n", n, n == 1 ? "trial" : "trials",
                 it->value("count_failed_trials", false) ? "complete, pruned and failed"
                                                         : "complete and pruned");
    }
    if (it->contains("sampler"))
      fmt::print("Sampler:    {}\n", detail::dump_json((*it)["sampler"]));
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
  const auto best = ranked(storage, info, trials);
  if (best.empty()) {
    fmt::print("\nNo trial has completed yet.\n");
    return 0;
  }
  std::vector<std::string> param_names;
  for (const auto& t : best)
    for (const auto& [k, v] : shown_params(t))
      if (std::find(param_names.begin(), param_names.end(), k) == param_names.end())
        param_names.push_back(k);
  const size_t n = std::min(best.size(), static_cast<size_t>(std::max(top, 1)));
  fmt::print("\n{} {} of {} complete trials:\n",
             info.directions.size() == 1 ? "Top" : "Pareto front,", n,
             by_state[TrialState::Complete]);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"rank", "trial"};
  header.insert(header.end(), metrics.begin(), metrics.end());
  header.insert(header.end(), param_names.begin(), param_names.end());
  header.push_back("duration");
  rows.push_back(header);
  for (size_t i = 0; i < n; ++i) {
    const auto& t = best[i];
    std::vector<std::string> row = {std::to_string(i + 1), std::to_string(t.number)};
    for (double v : t.values) row.push_back(fmt::format("{}", v));  // shortest exact text
    const auto shown = shown_params(t);
    for (const auto& p : param_names) {
      auto it =
          std::find_if(shown.begin(), shown.end(), [&](const auto& kv) { return kv.first == p; });
      row.push_back(it == shown.end() ? "-" : it->second);
    }
    const auto d = t.duration_seconds();
    row.push_back(d ? duration_text(*d) : "-");
    rows.push_back(row);
  }
  print_table(rows);
  return 0;
}

int cmd_best(const std::string& url, const std::string& name, bool json) {
  auto storage = open_storage(url);
  const auto info = find_study_or_throw(*storage, url, name);
  const auto best = ranked(storage, info, storage->trials(info.id));
  if (best.empty()) throw NotFound(fmt::format("study '{}' has no complete trial yet", name));
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
      list.push_back(o);
    }
    fmt::print("{}\n", detail::dump_json(info.directions.size() == 1 ? list[0] : list, 2));
    return 0;
  }
  for (size_t i = 0; i < n; ++i) {
    if (i) fmt::print("\n");
    fmt::print("Trial {}\n", best[i].number);
    for (size_t j = 0; j < best[i].values.size(); ++j)
      fmt::print("  {} = {}\n", metrics[j], best[i].values[j]);
    for (const auto& [k, v] : shown_params(best[i])) fmt::print("  {} = {}\n", k, v);
  }
  return 0;
}

int cmd_trials(const std::string& url, const std::string& name, const std::string& format) {
  auto storage = open_storage(url);
  const auto info = find_study_or_throw(*storage, url, name);
  auto trials = with_shown_params(storage->trials(info.id));
  if (format == "csv") {
    // CSV: the retry keys as the user attribute columns (user_attrs_retried_from, ...) earlier
    // versions of the CLI wrote them in.
    for (auto& t : trials)
      for (const char* key : kRetryKeys)
        if (auto it = t.system_attrs.find(key); it != t.system_attrs.end()) t.user_attrs[key] = *it;
    // The trial's directory (stdout.log, stderr.log; `parzen logs`): column user_attrs_trial_dir.
    for (auto& t : trials)
      if (auto it = t.system_attrs.find(keys::trial_dir); it != t.system_attrs.end())
        t.user_attrs["trial_dir"] = *it;
    write_trials_csv(std::cout, trials, info.directions);
  } else if (format == "json") {
    // JSON: each trial's user_attrs as stored, the retry keys beside them.
    auto json = trials_json(info.name, info.directions, trials);
    for (size_t i = 0; i < trials.size(); ++i)
      for (const char* key : kRetryKeys)
        if (auto it = trials[i].system_attrs.find(key); it != trials[i].system_attrs.end())
          json["trials"][i][key] = *it;
    for (size_t i = 0; i < trials.size(); ++i)
      if (auto it = trials[i].system_attrs.find(keys::trial_dir);
          it != trials[i].system_attrs.end())
        json["trials"][i]["trial_dir"] = *it;
    std::cout << detail::dump_json(json, 2) << '\n';
  } else {
    throw InvalidArgument(fmt::format("unknown --format '{}'; expected csv or json", format));
  }
  return 0;
}

int cmd_delete(const std::string& url, const std::string& name, bool yes) {
  auto storage = open_storage(url);
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
  auto storage = open_storage(a.storage);
  const auto info = find_study_or_throw(*storage, a.storage, a.study);
  auto e = stored_experiment(info);
  if (!e || e->command.empty())
    throw InvalidArgument(fmt::format(
        "study '{}' was not created by `parzen run` (it stores no trial command); start it with "
        "`parzen run EXPERIMENT.toml --storage URL` first",
        a.study));
  e->storage = a.storage;
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
