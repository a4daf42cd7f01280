#include "dashboard/api.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/export_text.hpp"
#include "parzen/error.hpp"
#include "parzen/importance.hpp"
#include "parzen/multi_objective.hpp"
#include "parzen/stop_request.hpp"
#include "parzen/system_attrs.hpp"

namespace parzen::dashboard {

namespace fs = std::filesystem;
using nlohmann::json;

const char* api_state_name(TrialState state) {
  switch (state) {
    case TrialState::Waiting:
      return "WAITING";
    case TrialState::Running:
      return "RUNNING";
    case TrialState::Complete:
      return "COMPLETE";
    case TrialState::Pruned:
      return "PRUNED";
    case TrialState::Failed:
      return "FAIL";
  }
  return "UNKNOWN";
}

std::string dump(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  // '<', '>' and '&' occur only inside strings: written as \u003c, \u003e, \u0026, the answer
  // holds no markup even where something mistakes it for HTML.
  if (text.find_first_of("<>&") == std::string::npos) return text;
  std::string out;
  out.reserve(text.size() + 64);
  for (char ch : text) {
    if (ch == '<')
      out += "\\u003c";
    else if (ch == '>')
      out += "\\u003e";
    else if (ch == '&')
      out += "\\u0026";
    else
      out += ch;
  }
  return out;
}

namespace {

json iso_or_null(const std::optional<Clock::time_point>& t) {
  return t ? json(detail::iso8601(t)) : json();
}

// The key of a trial's note in the study's system attributes.
std::string note_key(int64_t number) { return fmt::format("parzen.dashboard.note:{}", number); }

}  // namespace

json trial_json(const FrozenTrial& t) {
  json j = json::object();
  j["number"] = t.number;
  j["trial_id"] = t.id;
  j["state"] = api_state_name(t.state);
  j["values"] = t.values.empty() ? json() : json(t.values);
  json params = json::object(), distributions = json::object();
  for (const auto& [name, value] : t.params) params[name] = to_json(value);
  for (const auto& [name, d] : t.distributions) distributions[name] = to_json(d);
  j["params"] = std::move(params);
  j["distributions"] = std::move(distributions);
  json steps = json::array();
  for (const auto& [step, value] : t.intermediate_values)
    steps.push_back(json::array({step, value}));
  j["intermediate_values"] = std::move(steps);
  j["user_attrs"] = t.user_attrs;
  j["system_attrs"] = t.system_attrs;
  j["constraints"] = t.constraints.empty() ? json() : json(t.constraints);
  j["feasible"] = t.constraints.empty() ? json() : json(t.feasible());
  j["datetime_start"] = iso_or_null(t.datetime_start);
  j["datetime_complete"] = iso_or_null(t.datetime_complete);
  j["worker"] = t.worker.empty() ? json() : json(t.worker);
  j["fail_reason"] = t.fail_reason.empty() ? json() : json(t.fail_reason);
  return j;
}

// What the cache keeps of one trial: its JSON text and what the summaries need.
struct TrialEntry {
  uint64_t version = 0;  // the server version of the refresh that last changed it
  TrialId id = -1;
  TrialState state = TrialState::Running;
  bool feasible = true;          // the trial's own constraint values are all <= 0
  bool has_constraints = false;  // the trial has constraint values
  bool heartbeat = false;        // the trial records heartbeats (a run's or worker's)
  std::vector<double> values{};
  std::optional<double> last_intermediate{};
  std::string trial_dir{};
  // trial_json(...) dumped in two parts: `compact` without "distributions" and "system_attrs"
  // (what ?compact=1 sends), and `extra`, those two members (",\"distributions\":{...},...").
  // The full text is compact with extra spliced in before its closing brace.
  std::string compact{};
  std::string extra{};
  // In a compact answer the trial keeps its own "distributions" when one of them differs from
  // the study's shared (first-seen) distribution of that parameter.
  bool own_distributions = false;
  size_t distributions_end = 0;  // where "distributions" ends in `extra`
  size_t text_size() const { return compact.size() + extra.size(); }
  void append_full(std::string& out) const {
    out.append(compact, 0, compact.size() - 1);
    out += extra;
    out += '}';
  }
  void append_compact(std::string& out) const {
    if (!own_distributions) {
      out += compact;
      return;
    }
    out.append(compact, 0, compact.size() - 1);
    out.append(extra, 0, distributions_end);
    out += '}';
  }
};

struct Api::StudyCache {
  std::mutex mu;
  StudyId id = -1;
  std::vector<Direction> directions{};
  uint64_t storage_version = 0;  // what trials_since last returned
  uint64_t version = 0;          // the server version of the last refresh that changed something
  bool loaded = false;
  std::vector<TrialEntry> trials{};  // by number
  std::array<int64_t, 5> counts{};   // by TrialState
  std::set<std::string> param_names{};
  // Some complete trial has constraint values: a trial without them then counts as infeasible
  // (multi_objective::feasible_in, Optuna 3.1's rule), in the best trial and the Pareto front.
  bool constrained = false;
  std::optional<Clock::time_point> last_activity{};
  // The best complete feasible trial (one objective); none while no trial is feasible (as
  // Study::best_trial: an infeasible trial is never reported best).
  std::optional<int64_t> best{};
  uint64_t first_version = 0;  // the version of the first refresh (every trial is newer)
  // The full answers of the trials endpoint for full_version (plain and compact).
  std::shared_ptr<const std::string> full{};
  uint64_t full_version = 0;
  std::shared_ptr<const std::string> full_compact{};
  uint64_t full_compact_version = 0;
  // Each parameter's distribution as first seen (the compact answer's "distributions"), dumped.
  json distributions = json::object();
  std::string distributions_text = "{}";
  // The Pareto endpoint's answer for `version` (computed on demand).
  uint64_t pareto_version = 0;
  std::string pareto_text{};
  // The importance endpoint's answers by "evaluator/objective".
  struct Importance {
    uint64_t version = 0;
    std::chrono::steady_clock::time_point computed{};
    std::string text{};
  };
  std::map<std::string, Importance> importance{};
};

Api::Api(std::shared_ptr<Storage> storage) : storage_(std::move(storage)) {
  using namespace std::chrono;
  version_ = static_cast<uint64_t>(
      duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

Api::~Api() = default;

uint64_t Api::next_version() {
  std::lock_guard lock(mu_);
  return ++version_;
}

std::shared_ptr<Api::StudyCache> Api::cache_of(StudyId study) {
  std::lock_guard lock(mu_);
  auto& slot = caches_[study];
  if (!slot) {
    slot = std::make_shared<StudyCache>();
    slot->id = study;
  }
  return slot;
}

std::shared_ptr<Api::StudyCache> Api::refreshed(StudyId study, std::unique_lock<std::mutex>& lock) {
  auto cache = cache_of(study);
  lock = std::unique_lock(cache->mu);
  try {
    refresh(*cache);
  } catch (const NotFound&) {
    // Deleted (or never there): forget it, so that a study created later under the id starts
    // afresh.
    lock.unlock();
    std::lock_guard guard(mu_);
    caches_.erase(study);
    throw NotFound(fmt::format("no study with id {}", study));
  }
  return cache;
}

namespace {

// The trial counts as feasible in a study where `constrained` says whether any trial has
// constraint values (as multi_objective::feasible_in).
bool feasible_in(const TrialEntry& e, bool constrained) {
  return e.has_constraints ? e.feasible : !constrained;
}

bool better(const TrialEntry& a, const TrialEntry& b, Direction d) {
  return d == Direction::Minimize ? a.values[0] < b.values[0] : a.values[0] > b.values[0];
}

}  // namespace

void Api::refresh(StudyCache& c) {
  if (!c.loaded) c.directions = storage_->study(c.id).directions;
  TrialsDelta delta = storage_->trials_since(c.id, c.loaded ? c.storage_version : 0);
  c.storage_version = delta.version;
  if (delta.trials.empty() && c.loaded) return;
  const uint64_t version = next_version();
  if (!c.loaded) c.first_version = version;
  c.loaded = true;
  c.version = version;
  bool best_lost = false;
  for (const FrozenTrial& t : delta.trials) {
    if (t.number < 0) continue;
    const auto n = static_cast<size_t>(t.number);
    if (n >= c.trials.size()) c.trials.resize(n + 1);
    TrialEntry& e = c.trials[n];
    if (e.version != 0) --c.counts[static_cast<size_t>(e.state)];
    e.version = version;
    e.id = t.id;
    e.state = t.state;
    e.feasible = t.feasible();
    e.has_constraints = !t.constraints.empty();
    if (e.has_constraints && t.state == TrialState::Complete && !c.constrained) {
      // Every trial without constraint values read so far has just become infeasible.
      c.constrained = true;
      best_lost = true;
    }
    e.heartbeat = t.last_heartbeat.has_value();
    e.values = t.values;
    e.last_intermediate = t.intermediate_values.empty()
                              ? std::nullopt
                              : std::optional<double>(t.intermediate_values.rbegin()->second);
    auto dir = t.system_attrs.find(keys::trial_dir);
    e.trial_dir = dir != t.system_attrs.end() && dir->is_string() ? dir->get<std::string>() : "";
    json j = trial_json(t);
    const std::string distributions = dump(j["distributions"]);
    e.extra = ",\"distributions\":" + distributions;
    e.distributions_end = e.extra.size();
    e.extra += ",\"system_attrs\":" + dump(j["system_attrs"]);
    j.erase("distributions");
    j.erase("system_attrs");
    e.compact = dump(j);
    e.own_distributions = false;
    bool new_distribution = false;
    for (const auto& [name, d] : t.distributions) {
      json dj = to_json(d);
      auto it = c.distributions.find(name);
      if (it == c.distributions.end()) {
        c.distributions[name] = std::move(dj);
        new_distribution = true;
      } else if (*it != dj) {
        e.own_distributions = true;
      }
    }
    if (new_distribution) c.distributions_text = dump(c.distributions);
    ++c.counts[static_cast<size_t>(t.state)];
    for (const auto& [name, v] : t.params) c.param_names.insert(name);
    for (const auto& when : {t.datetime_start, t.datetime_complete})
      if (when && (!c.last_activity || *when > *c.last_activity)) c.last_activity = when;
    if (c.best && *c.best == t.number && t.state != TrialState::Complete) best_lost = true;
  }
  // The best trial: complete trials never change, so only the new ones can beat it (a full
  // rescan when the best one was rewritten, which finished trials never are).
  const auto consider = [&](size_t n) {
    const TrialEntry& e = c.trials[n];
    if (e.version == 0 || e.state != TrialState::Complete || c.directions.size() != 1 ||
        e.values.size() != 1 || std::isnan(e.values[0]) || !feasible_in(e, c.constrained))
      return;
    if (!c.best || better(e, c.trials[static_cast<size_t>(*c.best)], c.directions[0]))
      c.best = static_cast<int64_t>(n);
  };
  if (best_lost) {
    c.best.reset();
    for (size_t n = 0; n < c.trials.size(); ++n) consider(n);
  } else {
    for (const FrozenTrial& t : delta.trials)
      if (t.number >= 0) consider(static_cast<size_t>(t.number));
  }
}

std::string Api::studies() {
  json list = json::array();
  for (const StudyInfo& info : storage_->studies()) {
    json s = json::object();
    s["id"] = info.id;
    s["name"] = info.name;
    json directions = json::array();
    for (auto d : info.directions) directions.push_back(std::string(to_string(d)));
    s["directions"] = std::move(directions);
    json stop = nullptr;
    if (auto it = info.system_attrs.find(keys::stop_request);
        it != info.system_attrs.end() && !it->is_null())
      stop = it->is_object() ? *it : json{{"requested_at", nullptr}, {"by", nullptr}};
    s["stop_request"] = std::move(stop);
    std::unique_lock<std::mutex> lock;
    std::shared_ptr<StudyCache> c;
    try {
      c = refreshed(info.id, lock);
    } catch (const NotFound&) {
      continue;  // deleted meanwhile
    } catch (const std::exception& e) {
      // One unreadable study (a corrupt row, a foreign writer) is listed with its error; the
      // others stay reachable.
      s["error"] =
          fmt::format("study '{}' (id {}) cannot be read: {}", info.name, info.id, e.what());
      list.push_back(std::move(s));
      continue;
    }
    s["error"] = nullptr;
    s["n_trials"] = {{"COMPLETE", c->counts[static_cast<size_t>(TrialState::Complete)]},
                     {"RUNNING", c->counts[static_cast<size_t>(TrialState::Running)]},
                     {"PRUNED", c->counts[static_cast<size_t>(TrialState::Pruned)]},
                     {"FAIL", c->counts[static_cast<size_t>(TrialState::Failed)]},
                     {"WAITING", c->counts[static_cast<size_t>(TrialState::Waiting)]}};
    if (c->best) {
      s["best_values"] = c->trials[static_cast<size_t>(*c->best)].values;
      s["best_trial"] = *c->best;
    } else {
      s["best_values"] = nullptr;
      s["best_trial"] = nullptr;
    }
    s["last_activity"] = c->last_activity ? json(detail::iso8601(c->last_activity)) : json();
    s["param_names"] = c->param_names;
    json objectives;  // null unless the experiment names its metrics
    if (auto e = info.system_attrs.find(keys::experiment);
        e != info.system_attrs.end() && e->is_object() && e->contains("metrics") &&
        (*e)["metrics"].is_array())
      objectives = (*e)["metrics"];
    s["objective_names"] = std::move(objectives);
    s["user_attrs"] = info.user_attrs;
    s["datetime_created"] = detail::iso8601(info.datetime_created);
    s["version"] = c->version;
    list.push_back(std::move(s));
  }
  return dump(json{{"studies", std::move(list)}});
}

std::shared_ptr<const std::string> Api::trials(StudyId study, uint64_t since, bool compact) {
  std::unique_lock<std::mutex> lock;
  auto c = refreshed(study, lock);
  // Every version before the cache's first is "everything", as 0 is.
  const bool everything = since < c->first_version;
  auto& kept = compact ? c->full_compact : c->full;
  auto& kept_version = compact ? c->full_compact_version : c->full_version;
  if (everything && kept && kept_version == c->version) return kept;
  // Each trial's text is ready: the answer is their concatenation.
  size_t size = 64 + (compact ? c->distributions_text.size() : 0);
  for (const auto& e : c->trials)
    if (e.version > since) size += (compact ? e.compact.size() : e.text_size()) + 1;
  std::string out;
  out.reserve(size);
  out += "{\"version\":";
  out += std::to_string(c->version);
  out += ",\"trials\":[";
  bool first = true;
  for (const auto& e : c->trials) {
    if (e.version <= since) continue;  // also skips gaps (version 0), which a refresh fills
    if (!first) out += ',';
    first = false;
    if (compact)
      e.append_compact(out);
    else
      e.append_full(out);
  }
  out += ']';
  if (compact) {
    out += ",\"distributions\":";
    out += c->distributions_text;
  }
  out += '}';
  auto text = std::make_shared<const std::string>(std::move(out));
  if (everything) {
    kept = text;
    kept_version = c->version;
  }
  return text;
}

std::string Api::trial(StudyId study, int64_t number) {
  std::unique_lock<std::mutex> lock;
  auto c = refreshed(study, lock);
  if (number < 0 || static_cast<size_t>(number) >= c->trials.size() ||
      c->trials[static_cast<size_t>(number)].version == 0)
    throw NotFound(fmt::format("study {} has no trial {}", study, number));
  std::string out;
  c->trials[static_cast<size_t>(number)].append_full(out);
  return out;
}

std::string Api::stop(StudyId study, const std::string& by) {
  storage_->study(study);  // NotFound: 404
  const StopRequest r = request_stop(*storage_, study, by);
  return dump(json{{"stop_request", {{"requested_at", r.requested_at}, {"by", r.by}}}});
}

std::string Api::pareto(StudyId study) {
  std::unique_lock<std::mutex> lock;
  auto c = refreshed(study, lock);
  const auto& dirs = c->directions;
  if (dirs.size() < 2 || dirs.size() > 3)
    throw InvalidArgument(fmt::format(
        "study {} has {} objective(s); the Pareto front is drawn for 2 or 3", study, dirs.size()));
  if (c->pareto_version == c->version && !c->pareto_text.empty()) return c->pareto_text;
  // Complete, feasible trials with a finite value per objective, by number.
  std::vector<int64_t> numbers;
  std::vector<std::vector<double>> points;
  for (size_t n = 0; n < c->trials.size(); ++n) {
    const auto& e = c->trials[n];
    if (e.version == 0 || e.state != TrialState::Complete || !feasible_in(e, c->constrained) ||
        e.values.size() != dirs.size())
      continue;
    if (!std::all_of(e.values.begin(), e.values.end(), [](double v) { return std::isfinite(v); }))
      continue;
    numbers.push_back(static_cast<int64_t>(n));
    points.push_back(e.values);
  }
  json out = json::object();
  json front = json::array(), history = json::array(), reference;
  if (!points.empty()) {
    for (size_t i : multi_objective::pareto_front(points, dirs)) front.push_back(numbers[i]);
    const auto ref = multi_objective::default_reference_point(points, dirs);
    reference = ref;
    // The hypervolume after each trial, over a front kept incrementally: a point the front
    // dominates changes nothing; otherwise it replaces the points it dominates.
    std::vector<std::vector<double>> current;
    double last = -1;
    for (size_t i = 0; i < points.size(); ++i) {
      const auto& p = points[i];
      bool dominated = false;
      for (const auto& q : current)
        if (multi_objective::dominates(q, p, dirs) || q == p) {
          dominated = true;
          break;
        }
      if (dominated) continue;
      std::erase_if(current, [&](const std::vector<double>& q) {
        return multi_objective::dominates(p, q, dirs);
      });
      current.push_back(p);
      const double hv = multi_objective::hypervolume(current, ref, dirs);
      if (hv != last) history.push_back(json::array({numbers[i], hv}));
      last = hv;
    }
  }
  out["front"] = std::move(front);
  out["hypervolume_history"] = std::move(history);
  out["reference_point"] = reference.is_null() ? json::array() : reference;
  c->pareto_text = dump(out);
  c->pareto_version = c->version;
  return c->pareto_text;
}

std::string Api::importance(StudyId study, const std::string& evaluator, int objective) {
  ImportanceOptions options;
  options.evaluator = importance_evaluator_from_string(evaluator);  // InvalidArgument: 400
  std::vector<Direction> directions;
  uint64_t version = 0;
  const std::string key = fmt::format("{}/{}", to_string(options.evaluator), objective);
  std::shared_ptr<StudyCache> c;
  {
    std::unique_lock<std::mutex> lock;
    c = refreshed(study, lock);
    if (objective < 0 || static_cast<size_t>(objective) >= c->directions.size())
      throw InvalidArgument(
          fmt::format("objective {} is out of range: study {} has {} objective(s) (0 to {})",
                      objective, study, c->directions.size(), c->directions.size() - 1));
    directions = c->directions;
    version = c->version;
    // The answer for this version; while trials keep arriving, the last one for up to
    // kImportanceReuseSeconds (each computation reads the study's every trial).
    if (auto it = c->importance.find(key);
        it != c->importance.end() && (it->second.version == version ||
                                      std::chrono::steady_clock::now() - it->second.computed <
                                          std::chrono::duration<double>(kImportanceReuseSeconds)))
      return it->second.text;
  }
  // Computed outside the study's lock (a forest takes a while; polls go on meanwhile), from the
  // storage's trials, and kept for this version.
  options.objective = static_cast<size_t>(objective);
  const auto ranking = param_importances(storage_->trials(study), directions, options);
  json list = json::array();
  for (const auto& [param, value] : ranking)
    list.push_back({{"param", param}, {"importance", value}});
  std::string text = dump(json{{"importances", std::move(list)},
                               {"evaluator", std::string(to_string(options.evaluator))},
                               {"objective", objective}});
  std::lock_guard lock(c->mu);
  c->importance[key] = {version, std::chrono::steady_clock::now(), text};
  return text;
}

namespace {

// The last `n` bytes of the concatenation of the files (missing ones are empty), starting at a
// UTF-8 character boundary; truncated when there was more.
LogExcerpt tail_of(const std::vector<fs::path>& files, uint64_t n) {
  std::vector<uint64_t> sizes;
  uint64_t total = 0;
  for (const auto& f : files) {
    std::error_code ec;
    const auto s = fs::is_regular_file(f, ec) ? fs::file_size(f, ec) : 0;
    sizes.push_back(ec ? 0 : s);
    total += sizes.back();
  }
  LogExcerpt out;
  uint64_t skip = total > n ? total - n : 0;
  out.truncated = skip > 0;
  for (size_t i = 0; i < files.size(); ++i) {
    if (skip >= sizes[i]) {
      skip -= sizes[i];
      continue;
    }
    std::ifstream in(files[i], std::ios::binary);
    if (!in) continue;
    in.seekg(static_cast<std::streamoff>(skip));
    std::string part(sizes[i] - skip, '\0');
    in.read(part.data(), static_cast<std::streamsize>(part.size()));
    part.resize(static_cast<size_t>(in.gcount()));
    out.text += part;
    skip = 0;
  }
  if (out.truncated) {
    size_t start = 0;
    while (start < out.text.size() && start < 4 &&
           (static_cast<unsigned char>(out.text[start]) & 0xC0) == 0x80)
      ++start;
    out.text.erase(0, start);
  }
  return out;
}

}  // namespace

std::string Api::log(StudyId study, int64_t number, const std::string& stream,
                     uint64_t tail_bytes) {
  if (stream != "stdout" && stream != "stderr")
    throw InvalidArgument(fmt::format("unknown stream '{}'; expected stdout or stderr", stream));
  if (tail_bytes == 0 || tail_bytes > kMaxTailBytes)
    throw InvalidArgument(
        fmt::format("tail_bytes {} is out of range: 1 to {}", tail_bytes, kMaxTailBytes));
  std::string dir;
  {
    std::unique_lock<std::mutex> lock;
    auto c = refreshed(study, lock);
    if (number < 0 || static_cast<size_t>(number) >= c->trials.size() ||
        c->trials[static_cast<size_t>(number)].version == 0)
      throw NotFound(fmt::format("study {} has no trial {}", study, number));
    dir = c->trials[static_cast<size_t>(number)].trial_dir;
  }
  if (dir.empty())
    throw NotFound(fmt::format(
        "trial {} has no logs: only trials run by `parzen run` or `parzen worker` keep their "
        "output",
        number));
  if (!fs::is_directory(dir))
    throw NotFound(fmt::format(
        "trial {} kept its logs in {}, which does not exist here (another host's, or removed)",
        number, dir));
  const std::string name = stream + ".log";
  const auto excerpt = tail_of({fs::path(dir) / (name + ".1"), fs::path(dir) / name}, tail_bytes);
  return dump(json{{"text", excerpt.text}, {"truncated", excerpt.truncated}});
}

std::pair<std::string, std::string> Api::export_file(StudyId study, const std::string& format) {
  if (format != "csv" && format != "json")
    throw InvalidArgument(fmt::format("unknown format '{}'; expected csv or json", format));
  const StudyInfo info = storage_->study(study);
  std::string name;
  for (char ch : info.name)
    name += (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.')
                ? ch
                : '_';
  if (name.empty() || name.front() == '.') name = "study" + name;
  return {cli::export_text(*storage_, info, format), name + "." + format};
}

std::string Api::note(StudyId study, int64_t number) {
  const StudyInfo info = storage_->study(study);
  auto it = info.system_attrs.find(note_key(number));
  return dump(json{{"note", it == info.system_attrs.end() ? json() : *it}});
}

namespace {

json parse_body(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw InvalidArgument("the request body is not a JSON object");
  return j;
}

}  // namespace

std::string Api::set_note(StudyId study, int64_t number, const std::string& body) {
  const json j = parse_body(body);
  if (!j.contains("note") || !j["note"].is_string())
    throw InvalidArgument("the body needs \"note\": a string");
  const auto text = j["note"].get<std::string>();
  if (text.size() > kMaxNoteBytes)
    throw InvalidArgument(
        fmt::format("the note is {} bytes long; the limit is {}", text.size(), kMaxNoteBytes));
  {
    std::unique_lock<std::mutex> lock;
    auto c = refreshed(study, lock);
    if (number < 0 || static_cast<size_t>(number) >= c->trials.size() ||
        c->trials[static_cast<size_t>(number)].version == 0)
      throw NotFound(fmt::format("study {} has no trial {}", study, number));
  }
  storage_->set_study_system_attr(study, note_key(number), text);
  return dump(json{{"note", text}});
}

std::string Api::tell(StudyId study, int64_t number, const std::string& body) {
  const json j = parse_body(body);
  const std::string state = j.value("state", std::string("complete"));
  TrialEntry entry;
  std::vector<Direction> directions;
  {
    std::unique_lock<std::mutex> lock;
    auto c = refreshed(study, lock);
    if (number < 0 || static_cast<size_t>(number) >= c->trials.size() ||
        c->trials[static_cast<size_t>(number)].version == 0)
      throw NotFound(fmt::format("study {} has no trial {}", study, number));
    entry = c->trials[static_cast<size_t>(number)];
    directions = c->directions;
  }
  if (entry.state != TrialState::Running)
    throw InvalidState(fmt::format("trial {} is {}; only a running trial can be told", number,
                                   api_state_name(entry.state)));
  if (entry.heartbeat)
    throw InvalidState(fmt::format(
        "trial {} is being run by a `parzen run` or `parzen worker` (it records heartbeats); "
        "its worker stores its result",
        number));
  std::vector<double> values;
  std::string reason = j.value("reason", std::string());
  TrialState to;
  if (state == "complete") {
    to = TrialState::Complete;
    if (!j.contains("values") || !j["values"].is_array())
      throw InvalidArgument("a complete trial needs \"values\": an array of numbers");
    for (const auto& v : j["values"]) {
      if (!v.is_number()) throw InvalidArgument("\"values\" holds something that is not a number");
      values.push_back(v.get<double>());
    }
    if (values.size() != directions.size())
      throw InvalidArgument(fmt::format("study {} has {} objective(s) but {} value(s) were given",
                                        study, directions.size(), values.size()));
  } else if (state == "pruned") {
    to = TrialState::Pruned;
    if (entry.last_intermediate) values = {*entry.last_intermediate};
  } else if (state == "fail") {
    to = TrialState::Failed;
    if (reason.empty()) reason = "failed from the dashboard";
  } else {
    throw InvalidArgument(
        fmt::format("unknown state '{}'; expected complete, pruned or fail", state));
  }
  if (!storage_->finish_trial(entry.id, to, values, reason))
    throw InvalidState(fmt::format("trial {} finished meanwhile", number));
  return dump(json{{"number", number}, {"state", api_state_name(to)}});
}

}  // namespace parzen::dashboard
