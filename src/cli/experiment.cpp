#include "cli/experiment.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "cli/nni_config.hpp"
#include "cli/number.hpp"
#include "cli/options_reader.hpp"

#include "parzen/nsga_sampler.hpp"
#include "parzen/pruners.hpp"
#include "parzen/registry.hpp"

namespace parzen::cli {

namespace {
// The stored experiment's search space as ordered JSON text (see Experiment::to_json).
constexpr const char* kSearchSpaceText = "search_space_text";
// The shell that runs a command given as one string.
constexpr const char* kShell = "/bin/sh";
}  // namespace
namespace {

using ojson = nlohmann::ordered_json;
namespace fs = std::filesystem;

// "pruner.lower" for the JSON pointer "/pruner/lower".
std::string dotted_key(const std::string& ptr) {
  std::string out;
  for (size_t i = 1; i < ptr.size(); ++i) {
    if (ptr[i] == '/')
      out += '.';
    else if (ptr[i] == '~' && i + 1 < ptr.size())
      out += ptr[++i] == '1' ? '/' : '~';
    else
      out += ptr[i];
  }
  return out;
}

void convert(const toml::node& node, ojson& out, const std::string& ptr, SourceMap& map) {
  switch (node.type()) {
    case toml::node_type::table: {
      out = ojson::object();
      std::vector<std::pair<const toml::key*, const toml::node*>> entries;
      for (auto&& [k, v] : *node.as_table()) entries.emplace_back(&k, &v);
      // toml++ keeps keys sorted; restore the order they were written in.
      std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        const auto& sa = a.first->source().begin;
        const auto& sb = b.first->source().begin;
        return std::pair(sa.line, sa.column) < std::pair(sb.line, sb.column);
      });
      for (const auto& [k, v] : entries) {
        const std::string child = pointer_append(ptr, std::string(k->str()));
        map.lines[child] = static_cast<int>(k->source().begin.line);
        convert(*v, out[std::string(k->str())], child, map);
      }
      break;
    }
    case toml::node_type::array: {
      out = ojson::array();
      size_t i = 0;
      for (const auto& v : *node.as_array()) {
        const std::string child = pointer_append(ptr, std::to_string(i++));
        map.lines[child] = static_cast<int>(v.source().begin.line);
        out.push_back(ojson());
        convert(v, out.back(), child, map);
      }
      break;
    }
    case toml::node_type::string:
      out = node.as_string()->get();
      break;
    case toml::node_type::integer:
      out = node.as_integer()->get();
      break;
    case toml::node_type::floating_point: {
      // JSON has no nan or inf: on its way to the readers nan would become null (an option
      // left unset) and inf a number too large to name, so the file is refused here.
      const double v = node.as_floating_point()->get();
      if (!std::isfinite(v))
        map.fail(ptr, dotted_key(ptr),
                 fmt::format("must be a finite number, not {}",
                             std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf")));
      out = v;
      break;
    }
    case toml::node_type::boolean:
      out = node.as_boolean()->get();
      break;
    default:
      throw ConfigError(fmt::format("{}:{}: dates and times are not supported here", map.file,
                                    node.source().begin.line));
  }
}

// Experiment files are read with the reader search spaces use too.
using Reader = OptionsReader;

std::string absolute_sqlite_url(const std::string& url, const fs::path& dir) {
  const std::string prefix = "sqlite:///";
  if (url.rfind(prefix, 0) != 0 || url.rfind("sqlite:////", 0) == 0 || dir.empty()) return url;
  return "sqlite:///" + (dir / url.substr(prefix.size())).lexically_normal().string();
}

// Placeholders of one argument: (name, begin, end) with end one past '}'; throws on a stray
// brace.
struct Placeholder {
  std::string name;
  size_t begin, end;
};
std::vector<Placeholder> placeholders_of(const std::string& arg) {
  std::vector<Placeholder> out;
  for (size_t i = 0; i < arg.size(); ++i) {
    if (arg[i] == '{') {
      if (i + 1 < arg.size() && arg[i + 1] == '{') {
        ++i;
        continue;
      }
      const size_t close = arg.find('}', i);
      const size_t nested = arg.find('{', i + 1);
      if (close == std::string::npos || (nested != std::string::npos && nested < close))
        throw InvalidArgument("an unclosed '{'; write {{ for a literal brace");
      out.push_back({arg.substr(i + 1, close - i - 1), i, close + 1});
      i = close;
    } else if (arg[i] == '}') {
      if (i + 1 < arg.size() && arg[i + 1] == '}') {
        ++i;
        continue;
      }
      throw InvalidArgument("a '}' without '{'; write }} for a literal brace");
    }
  }
  return out;
}

nlohmann::json plain_json(const ojson& j) { return nlohmann::json::parse(j.dump()); }

// Fails on the option the registry names; a dotted key ("wrapped.patience") points into a
// nested table.
[[noreturn]] void fail_option(const Reader& r, const std::string& key, const std::string& msg) {
  std::string ptr = r.base;
  for (size_t from = 0;;) {
    const size_t dot = key.find('.', from);
    ptr = pointer_append(ptr, key.substr(from, dot - from));
    if (dot == std::string::npos) break;
    from = dot + 1;
  }
  r.map.fail(ptr, r.dotted(key), msg);
}

// The sampler of a [sampler] table (its options as written, without "type"), from the registry.
std::shared_ptr<Sampler> build_sampler(const SamplerSpec& spec, const Space& space,
                                       const SourceMap& map, const std::string& base,
                                       const std::shared_ptr<Pruner>& pruner) {
  const Reader r{spec.options, map, base};
  SamplerContext context{.pruner = pruner};
  if (const SamplerEntry* entry = find_sampler(spec.type)) {
    if (entry->capabilities.needs_grid) {
      try {
        context.grid = grid_of(space);
      } catch (const ConfigError& e) {
        r.fail("type", e.what());
      }
    }
    if (entry->capabilities.needs_hyperband_pruner &&
        !std::dynamic_pointer_cast<HyperbandPruner>(pruner))
      r.fail("type", fmt::format("sampler type \"{}\" needs a Hyperband pruner: add [pruner] "
                                 "with type = \"hyperband\" and max_resource",
                                 spec.type));
  }
  try {
    return parzen::make_sampler(spec.type, plain_json(spec.options), context);
  } catch (const OptionError& e) {
    fail_option(r, e.key(), e.what());
  } catch (const InvalidArgument& e) {
    r.fail("type", e.what());
  }
}

// Refuses a sampler that models one objective for an experiment with several, before anything
// is stored (it would fail every trial).
void check_objectives(const Reader& sampler_table, const std::string& type, size_t n_directions) {
  if (sampler_handles(type, n_directions)) return;
  sampler_table.fail("type", fmt::format("{}; this experiment has {} directions: use type = {}",
                                         sampler_objectives_limit(type), n_directions,
                                         multi_objective_samplers("\"{}\"", n_directions)));
}

// Options that cannot serve the experiment's number of objectives (NSGA-III's reference points,
// TPE's constraints_method = "ctpe" with several: Sampler::check_objectives) are refused here,
// naming the key, before anything is stored.
void check_sampler_objectives(const std::shared_ptr<Sampler>& sampler, const SamplerSpec& spec,
                              const SourceMap& map, size_t n_directions) {
  try {
    sampler->check_objectives(n_directions);
  } catch (const OptionError& e) {
    fail_option(Reader{spec.options, map, "/sampler"}, e.key(), e.what());
  }
}

// The pruner of a [pruner] table (with its "type"), from the registry.
std::shared_ptr<Pruner> build_pruner(const ojson& table, const SourceMap& map,
                                     const std::string& base) {
  const Reader r{table, map, base};
  const std::string type = r.has("type") ? r.string("type") : "";
  try {
    return parzen::make_pruner(type, plain_json(table));
  } catch (const OptionError& e) {
    fail_option(r, e.key(), e.what());
  } catch (const InvalidArgument& e) {
    r.fail("type", e.what());
  }
}

const std::vector<std::string> kExperimentKeys = {"name",
                                                  "storage",
                                                  "direction",
                                                  "directions",
                                                  "metric",
                                                  "metrics",
                                                  "search_space",
                                                  "search_space_file",
                                                  "sampler",
                                                  "n_trials",
                                                  "pruner",
                                                  "max_duration",
                                                  "concurrency",
                                                  "command",
                                                  "working_directory",
                                                  "environment",
                                                  "trial_timeout",
                                                  "kill_grace_period",
                                                  "max_retries",
                                                  "count_failed_trials",
                                                  "max_consecutive_failures",
                                                  "heartbeat_interval",
                                                  "grace_period",
                                                  "constraints",
                                                  "output_directory",
                                                  "run_in_trial_directory",
                                                  "log_max_bytes",
                                                  "gpus",
                                                  "trials_per_gpu",
                                                  "gpus_per_trial",
                                                  "stop_when"};

// The `storage` key as a URL (a plain .db path is an SQLite file), or a ConfigError naming it.
std::string storage_key(const Reader& r) {
  try {
    return storage_url(r.string("storage"));
  } catch (const InvalidArgument& e) {
    r.fail("storage", e.what());
  }
}

// A shell command's text: non-empty, and without placeholders of parameters ({lr}): values are
// never interpolated into a shell string. "${lr}" is shell syntax and passes.
void check_shell_command(const std::string& shell, const Space& space, const Reader& r) {
  if (shell.find_first_not_of(" \t\r\n") == std::string::npos)
    r.fail("command",
           "the shell command is empty: give the program to run, e.g. command = "
           "\"python3 train.py\"");
  if (shell.find('\0') != std::string::npos)
    r.fail("command",
           fmt::format("the shell command {} holds a NUL byte; remove it", escaped_text(shell)));
  for (const auto& n : space.names()) {
    const std::string ph = "{" + n + "}";
    for (size_t at = shell.find(ph); at != std::string::npos; at = shell.find(ph, at + 1)) {
      if (at > 0 && shell[at - 1] == '$') continue;
      r.fail("command",
             fmt::format("a shell command takes no placeholders, but it holds {}: parameter "
                         "values are never put into a shell string. Read them from the "
                         "environment ($PARZEN_PARAMS is a JSON object; in Python "
                         "json.loads(os.environ[\"PARZEN_PARAMS\"])[\"{}\"]), or give command as "
                         "an argv list, e.g. [\"python3\", \"train.py\", \"--{}={}\"]",
                         ph, n, n, ph));
    }
  }
}

// output_directory, run_in_trial_directory, log_max_bytes, gpus, trials_per_gpu, gpus_per_trial
// and stop_when (docs/cli.md).
void read_runner_keys(const Reader& r, const ojson& doc, const fs::path& dir, Experiment& e) {
  e.experiment_directory = dir.string();
  if (r.has("output_directory")) {
    const std::string out = r.string("output_directory");
    if (out.empty())
      r.fail("output_directory", "must not be empty; leave it out for parzen-output/<study name>");
    e.output_directory = (dir / out).lexically_normal().string();
  }
  if (r.has("run_in_trial_directory"))
    e.run_in_trial_directory = r.boolean("run_in_trial_directory");
  if (r.has("log_max_bytes")) e.log_max_bytes = r.integer("log_max_bytes", 0);
  if (r.has("gpus")) {
    if (!r.at("gpus").is_array())
      r.fail("gpus", "must be an array of device indices, e.g. gpus = [0, 1, 2, 3]");
    std::set<int64_t> seen;
    for (size_t i = 0; i < doc["gpus"].size(); ++i) {
      const auto& v = doc["gpus"][i];
      const std::string what = fmt::format("gpus[{}]", i);
      if (!v.is_number_integer() || v.get<int64_t>() < 0)
        r.fail_at(pointer_append(r.ptr("gpus"), std::to_string(i)),
                  fmt::format("{} = {}: a device index is an integer >= 0 (as nvidia-smi numbers "
                              "them)",
                              what, v.dump()));
      if (!seen.insert(v.get<int64_t>()).second)
        r.fail_at(pointer_append(r.ptr("gpus"), std::to_string(i)),
                  fmt::format("{} = {} is listed twice; to run several trials on one device "
                              "use trials_per_gpu",
                              what, v.dump()));
      e.gpus.push_back(v.get<int64_t>());
    }
    if (e.gpus.empty())
      r.fail("gpus", "is empty; leave it out to keep CUDA_VISIBLE_DEVICES as it is");
  }
  for (const char* key : {"trials_per_gpu", "gpus_per_trial"}) {
    if (!r.has(key)) continue;
    if (e.gpus.empty())
      r.fail(key, "needs gpus, the device indices to share out, e.g. gpus = [0, 1]");
    const int64_t n = r.integer(key, 1);
    if (n > 1024) r.fail(key, "must be at most 1024");
    (std::string(key) == "trials_per_gpu" ? e.trials_per_gpu : e.gpus_per_trial) =
        static_cast<int>(n);
  }
  if (!e.gpus.empty() && static_cast<size_t>(e.gpus_per_trial) > e.gpus.size())
    r.fail("gpus_per_trial",
           fmt::format("is {} but gpus lists only {} device(s)", e.gpus_per_trial, e.gpus.size()));
  if (const auto cap = device_capacity(e); cap && e.concurrency > *cap)
    r.fail("concurrency",
           fmt::format("is {} but the devices hold {} trial(s) at once ({} gpus x "
                       "trials_per_gpu = {} / gpus_per_trial = {}); lower "
                       "concurrency or raise trials_per_gpu",
                       e.concurrency, *cap, e.gpus.size(), e.trials_per_gpu, e.gpus_per_trial));
  if (r.has("stop_when")) {
    if (e.directions.size() != 1)
      r.fail("stop_when", fmt::format("needs a single objective; this experiment has {} "
                                      "directions (stop with n_trials or max_duration instead)",
                                      e.directions.size()));
    e.stop_when = r.number("stop_when");
  }
}

Experiment interpret(const ojson& doc, const SourceMap& map, const fs::path& dir,
                     const std::string& stem, bool require_command) {
  if (!doc.is_object()) map.fail("", "", "an experiment must be a table of keys");
  Reader r{doc, map, ""};
  r.check_keys(kExperimentKeys);
  Experiment e;
  e.name = r.has("name") ? r.string("name") : stem;
  if (e.name.empty()) r.fail("name", "must not be empty");
  if (e.name.size() > kMaxStudyNameBytes)
    r.fail("name", fmt::format("is {} bytes long; a study name has at most {} bytes: choose a "
                               "shorter name",
                               e.name.size(), kMaxStudyNameBytes));
  e.storage = r.has("storage") ? absolute_sqlite_url(storage_key(r), dir)
                               : absolute_sqlite_url("sqlite:///parzen.db", dir);

  if (r.has("direction") && r.has("directions"))
    r.fail("directions", "give either direction or directions, not both");
  std::vector<std::string> dirs = {"minimize"};
  if (r.has("direction")) dirs = {r.string("direction")};
  if (r.has("directions")) dirs = r.strings("directions");
  if (dirs.empty()) r.fail("directions", "needs at least one direction");
  e.directions.clear();
  for (const auto& d : dirs) {
    try {
      e.directions.push_back(parse_direction(d));
    } catch (const InvalidArgument& ex) {
      r.fail(r.has("direction") ? "direction" : "directions", ex.what());
    }
  }
  if (r.has("metric") && r.has("metrics")) r.fail("metrics", "give either metric or metrics");
  if (r.has("metric")) e.metrics = {r.string("metric")};
  if (r.has("metrics")) e.metrics = r.strings("metrics");
  const std::string metrics_key = r.has("metric") ? "metric" : "metrics";
  if (!e.metrics.empty() && e.metrics.size() != e.directions.size())
    r.fail(metrics_key, fmt::format("names {} metrics but there are {} directions",
                                    e.metrics.size(), e.directions.size()));
  for (size_t i = 0; i < e.metrics.size(); ++i) {
    const auto& m = e.metrics[i];
    // A result line `loss=0.1 acc=0.9` (or `0.1,0.9`) could never give a name with a space,
    // '=', ',' or '"'.
    if (m.empty() || m.find_first_of(" \t=,\"") != std::string::npos)
      r.fail(metrics_key, fmt::format("metric name '{}' must be non-empty, without spaces, '=', "
                                      "',' or '\"'",
                                      m));
    if (std::find(e.metrics.begin(), e.metrics.begin() + static_cast<std::ptrdiff_t>(i), m) !=
        e.metrics.begin() + static_cast<std::ptrdiff_t>(i))
      r.fail(metrics_key, fmt::format("metric '{}' is listed twice", m));
  }
  if (r.has("constraints")) e.constraints = r.strings("constraints");
  for (size_t i = 0; i < e.constraints.size(); ++i) {
    const auto& c = e.constraints[i];
    if (c.empty() || c.find_first_of(" \t=") != std::string::npos)
      r.fail("constraints",
             fmt::format("constraint name '{}' must be non-empty, without spaces or '='", c));
    if (std::find(e.constraints.begin(), e.constraints.begin() + static_cast<std::ptrdiff_t>(i),
                  c) != e.constraints.begin() + static_cast<std::ptrdiff_t>(i))
      r.fail("constraints", fmt::format("constraint '{}' is listed twice", c));
    if (std::find(e.metrics.begin(), e.metrics.end(), c) != e.metrics.end())
      r.fail("constraints",
             fmt::format("'{}' is both a metric and a constraint: give them different names", c));
  }

  if (r.has("search_space") == r.has("search_space_file"))
    r.fail(r.has("search_space") ? "search_space_file" : "search_space",
           r.has("search_space") ? "give either search_space or search_space_file, not both"
                                 : "missing: give a [search_space] table or search_space_file = "
                                   "\"search_space.json\" (NNI's format)");
  if (r.has("search_space")) {
    r.table("search_space");
    e.space = parse_space(doc["search_space"], map, "/search_space");
  } else {
    const fs::path file = dir / r.string("search_space_file");
    try {
      e.space = load_space_file(file.lexically_normal().string());
    } catch (const ConfigError& ex) {
      const std::string what = ex.what();
      if (what.find("cannot open") != std::string::npos) r.fail("search_space_file", what);
      throw;
    }
  }

  e.sampler.type = default_sampler_type(e.directions.size());
  if (r.has("sampler")) {
    const Reader s = r.table("sampler");
    if (s.has("type")) e.sampler.type = s.string("type");
    e.sampler.options = doc["sampler"];
    e.sampler.options.erase("type");
    check_objectives(s, e.sampler.type, e.directions.size());
  }
  std::shared_ptr<Pruner> pruner;
  if (r.has("pruner")) {
    r.table("pruner");
    e.pruner.table = doc["pruner"];
    pruner = build_pruner(e.pruner.table, map, "/pruner");  // validates it
    // Pruners compare one objective's intermediate values: with several, every report of every
    // trial would be refused at run time.
    if (e.directions.size() > 1 && !std::dynamic_pointer_cast<NopPruner>(pruner))
      r.fail("pruner", fmt::format("pruners need a single objective; this experiment has {} "
                                   "directions: remove [pruner]",
                                   e.directions.size()));
  }
  check_sampler_objectives(
      build_sampler(e.sampler, e.space, map, "/sampler", pruner),  // validates it
      e.sampler, map, e.directions.size());

  if (r.has("n_trials")) e.n_trials = r.integer("n_trials", 1);
  if (r.has("max_duration")) e.max_duration_seconds = r.duration("max_duration");
  if (r.has("concurrency")) e.concurrency = static_cast<int>(r.integer("concurrency", 1));
  if (e.concurrency > 1024) r.fail("concurrency", "must be at most 1024");

  if (!r.has("command") && !require_command) {
    // ask/tell studies: no trial command
  } else if (!r.has("command")) {
    r.fail("command",
           "missing: the trial command as an argv list, e.g. command = [\"python3\", "
           "\"train.py\", \"--lr={lr}\"]");
  } else if (r.at("command").is_string()) {
    // One string: a shell command, run by /bin/sh -c; parameters reach it only through the
    // environment (PARZEN_PARAMS), never by substitution into the string.
    const std::string shell = r.string("command");
    check_shell_command(shell, e.space, r);
    e.command = {kShell, "-c", shell};
    e.shell_command = true;
  } else {
    if (!r.at("command").is_array())
      r.fail("command",
             "must be an array of strings (the argv, run without a shell), e.g. [\"python3\", "
             "\"train.py\", \"--lr={lr}\"], or one string: a shell command run by /bin/sh -c "
             "that reads its parameters from $PARZEN_PARAMS");
    e.command = r.strings("command");
    if (e.command.empty() || e.command[0].empty())
      r.fail("command", "must name the program to run as its first element");
    check_placeholders(e.command, e.space, &map);
    // An argument is a C string: a NUL in its fixed text would fail every trial. Checked when a
    // file is read (dir is empty for the stored form, which must stay readable).
    for (size_t i = 0; i < e.command.size() && !dir.empty(); ++i)
      if (e.command[i].find('\0') != std::string::npos)
        r.fail("command", fmt::format("argument {} ({}) holds a NUL byte; remove it", i,
                                      escaped_text(e.command[i])));
  }

  e.working_directory = (r.has("working_directory") ? (dir / r.string("working_directory")) : dir)
                            .lexically_normal()
                            .string();
  if (e.working_directory.empty()) e.working_directory = ".";
  // Every trial would fail on a missing one: refused before the study is created, when a file
  // is read (not for the stored form, which a worker on another host reads).
  std::error_code no_directory;
  if (!dir.empty() && r.has("working_directory") && r.has("command") &&
      !fs::is_directory(e.working_directory, no_directory))
    r.fail("working_directory",
           fmt::format("'{}' is not an existing directory{}", e.working_directory,
                       fs::path(r.string("working_directory")).is_relative()
                           ? " (a relative path is from the experiment file's directory)"
                           : ""));
  if (r.has("environment")) {
    const Reader env = r.table("environment");
    for (const auto& [k, v] : doc["environment"].items()) {
      if (k.empty() || k.find('=') != std::string::npos)
        env.fail(k, "an environment variable name must be non-empty and hold no '='");
      // An environment entry is a C string: a NUL would silently end it.
      if (k.find('\0') != std::string::npos)
        map.fail(env.ptr(k), "environment." + unquoted(escaped_text(k)),
                 "an environment variable name must not hold a NUL byte (shown escaped)");
      e.environment[k] = env.string(k);
      if (e.environment[k].find('\0') != std::string::npos)
        env.fail(k, fmt::format("the value {} holds a NUL byte; remove it",
                                escaped_text(e.environment[k])));
    }
  }
  if (r.has("trial_timeout")) e.trial_timeout_seconds = r.duration("trial_timeout");
  if (r.has("kill_grace_period")) e.kill_grace_seconds = r.duration("kill_grace_period");
  if (r.has("max_retries")) e.max_retries = static_cast<int>(r.integer("max_retries", 0));
  if (e.max_retries > 1000) r.fail("max_retries", "must be at most 1000");
  if (r.has("count_failed_trials")) e.count_failed_trials = r.boolean("count_failed_trials");
  if (r.has("max_consecutive_failures")) {
    const int64_t n = r.integer("max_consecutive_failures", 0);
    if (n > 1'000'000)
      r.fail("max_consecutive_failures", "must be at most 1000000 (0: never stop)");
    e.max_consecutive_failures = static_cast<int>(n);
  }
  if (r.has("heartbeat_interval")) e.heartbeat_interval_seconds = r.duration("heartbeat_interval");
  if (r.has("grace_period")) e.grace_seconds = r.duration("grace_period");
  if (!(e.grace_seconds > e.heartbeat_interval_seconds))
    r.fail(r.has("grace_period") ? "grace_period" : "heartbeat_interval",
           fmt::format(
               "grace_period ({} s) must exceed heartbeat_interval ({} s): a live trial "
               "beats at least once within the grace period; e.g. grace_period = {} (seconds)",
               e.grace_seconds, e.heartbeat_interval_seconds, 6 * e.heartbeat_interval_seconds));
  read_runner_keys(r, doc, dir, e);
  return e;
}

}  // namespace

Experiment interpret_experiment(const ojson& doc, const SourceMap& map, const fs::path& dir,
                                const std::string& default_name, bool require_command) {
  return interpret(doc, map, dir, default_name, require_command);
}

bool is_experiment_key(const std::string& key) {
  return std::find(kExperimentKeys.begin(), kExperimentKeys.end(), key) != kExperimentKeys.end();
}

Direction parse_direction(const std::string& text) {
  if (text == "minimize") return Direction::Minimize;
  if (text == "maximize") return Direction::Maximize;
  throw InvalidArgument(
      fmt::format("unknown direction '{}'; expected \"minimize\" or \"maximize\"", text));
}

double parse_duration(const std::string& text) {
  const std::string bad = fmt::format(
      "'{}' is not a duration; write seconds or e.g. \"90s\", \"10m\", \"1h30m\", "
      "\"2d\"",
      text);
  if (text.empty()) throw InvalidArgument(bad);
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    // The number before a unit, read by the parser every other number goes through.
    const size_t end = std::min(text.find_first_not_of("0123456789.eE+-", i), text.size());
    const auto number = parse_number(std::string_view(text).substr(i, end - i));
    if (!number || !std::isfinite(*number) || *number < 0 || text[i] == '-' || text[i] == '+')
      throw InvalidArgument(bad);
    const double v = *number;
    i = end;
    double unit = 1;
    if (i < text.size()) {
      switch (text[i]) {
        case 's':
          unit = 1;
          break;
        case 'm':
          unit = 60;
          break;
        case 'h':
          unit = 3600;
          break;
        case 'd':
          unit = 86400;
          break;
        default:
          throw InvalidArgument(bad);
      }
      ++i;
    } else if (total != 0) {
      throw InvalidArgument(bad);  // "1h30" is ambiguous
    }
    total += v * unit;
  }
  return total;
}

ojson toml_to_json(const std::string& text, SourceMap& map) {
  toml::table table;
  try {
    table = toml::parse(text, map.file);
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}:{}:{}: {}", map.file, e.source().begin.line,
                                  e.source().begin.column, e.description()));
  }
  ojson out;
  map.lines[""] = 1;
  convert(table, out, "", map);
  return out;
}

void check_placeholders(const std::vector<std::string>& command, const Space& space,
                        const SourceMap* map) {
  SourceMap none;
  const SourceMap& m = map ? *map : none;
  const auto names = space.names();
  std::set<std::string> used;
  for (size_t i = 0; i < command.size(); ++i) {
    const std::string ptr = "/command/" + std::to_string(i);
    std::vector<Placeholder> ps;
    try {
      ps = placeholders_of(command[i]);
    } catch (const InvalidArgument& e) {
      m.fail(ptr, "command", fmt::format("argument {} \"{}\": {}", i, command[i], e.what()));
    }
    for (const auto& p : ps) {
      if (std::find(names.begin(), names.end(), p.name) == names.end()) {
        std::string known;
        for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
        m.fail(ptr, "command",
               fmt::format("placeholder {{{}}} names no parameter{}; the parameters are: {}",
                           p.name, suggestion(p.name, names), known));
      }
      used.insert(p.name);
    }
  }
  if (used.empty()) return;  // the trial reads its parameters from PARZEN_PARAMS or the file
  for (const auto& n : names)
    if (!used.count(n))
      m.fail("/command", "command",
             fmt::format("parameter '{}' is never used: add {{{}}} to the command, or use no "
                         "placeholders and read every parameter from $PARZEN_PARAMS",
                         n, n));
}

std::vector<std::string> expand_command(const std::vector<std::string>& command,
                                        const std::map<std::string, std::string>& values,
                                        const std::vector<std::string>& all_names) {
  std::vector<std::string> argv;
  for (const auto& arg : command) {
    const auto ps = placeholders_of(arg);
    bool inactive = false;
    std::string out;
    size_t pos = 0;
    const auto literal = [&](size_t from, size_t to) {
      for (size_t i = from; i < to; ++i) {
        out += arg[i];
        if ((arg[i] == '{' || arg[i] == '}') && i + 1 < to && arg[i + 1] == arg[i]) ++i;
      }
    };
    for (const auto& p : ps) {
      literal(pos, p.begin);
      auto it = values.find(p.name);
      if (it == values.end()) {
        if (std::find(all_names.begin(), all_names.end(), p.name) == all_names.end())
          throw InvalidArgument(fmt::format("placeholder {{{}}} names no parameter", p.name));
        inactive = true;
        break;
      }
      out += it->second;
      pos = p.end;
    }
    if (inactive) continue;
    literal(pos, arg.size());
    argv.push_back(std::move(out));
  }
  return argv;
}

std::string default_sampler_type(size_t /*n_directions*/) {
  // The auto sampler picks GP (one objective, or 2-3 with log EHVI), TPE (one objective or
  // several), CMA-ES or random per trial by what the study is (include/parzen/auto_sampler.hpp;
  // measured in docs/benchmarks.md).
  return "auto";
}

bool sampler_handles(const std::string& type, size_t n_directions) {
  const SamplerEntry* entry = find_sampler(type);
  return n_directions <= 1 || !entry ||
         (entry->capabilities.multi_objective &&
          (entry->capabilities.max_objectives == 0 ||
           n_directions <= entry->capabilities.max_objectives));
}

std::string sampler_objectives_limit(const std::string& type) {
  const SamplerEntry* entry = find_sampler(type);
  if (entry && entry->capabilities.multi_objective && entry->capabilities.max_objectives > 0)
    return fmt::format("sampler '{}' handles at most {} objectives", type,
                       entry->capabilities.max_objectives);
  return fmt::format("sampler '{}' models one objective", type);
}

std::string multi_objective_samplers(const std::string& form, size_t n_directions) {
  std::vector<std::string> names;
  for (const auto& entry : sampler_registry())
    if (entry.capabilities.multi_objective && (entry.capabilities.max_objectives == 0 ||
                                               n_directions <= entry.capabilities.max_objectives))
      names.push_back(fmt::format(fmt::runtime(form), entry.name));
  std::string out;
  for (size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return out;
}

std::shared_ptr<Sampler> make_sampler(const SamplerSpec& spec, const Space& space,
                                      const std::shared_ptr<Pruner>& pruner) {
  SourceMap none;
  none.file = "sampler";
  return build_sampler(spec, space, none, "", pruner);
}

std::shared_ptr<Pruner> make_pruner(const PrunerSpec& spec) {
  if (spec.table.empty()) return NopPruner::make();
  SourceMap none;
  none.file = "pruner";
  return build_pruner(spec.table, none, "");
}

Experiment parse_experiment(const std::string& text, const std::string& path,
                            bool require_command) {
  SourceMap map;
  map.file = path;
  const ojson doc = toml_to_json(text, map);
  const fs::path p(path);
  const fs::path dir = fs::absolute(p).parent_path();
  Experiment e = interpret(doc, map, dir, p.stem().string(), require_command);
  e.file = path;
  return e;
}

// The longest default output directory name (below NAME_MAX, 255 bytes, with room to spare).
constexpr size_t kMaxOutputNameBytes = 200;

std::string resolved_output_directory(const Experiment& e) {
  if (!e.output_directory.empty()) return e.output_directory;
  std::string name;
  for (const char c : e.name)
    name +=
        (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '_';
  if (name.empty() || name == "." || name == "..") name = "_" + name;
  // A file name holds at most 255 bytes (NAME_MAX) and a study name up to kMaxStudyNameBytes
  // (512): a longer one keeps its first kMaxOutputNameBytes - 17 bytes, then "-" and the 64-bit
  // FNV-1a hash of the whole study name in hex, so two long names differing only at the end
  // still get their own directories.
  if (name.size() > kMaxOutputNameBytes) {
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : e.name) hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    name = fmt::format("{}-{:016x}", name.substr(0, kMaxOutputNameBytes - 17), hash);
  }
  const fs::path base = e.experiment_directory.empty() ? fs::path(e.working_directory)
                                                       : fs::path(e.experiment_directory);
  return (fs::absolute(base) / "parzen-output" / name).lexically_normal().string();
}

std::optional<int> device_capacity(const Experiment& e) {
  if (e.gpus.empty()) return std::nullopt;
  return static_cast<int>(static_cast<int64_t>(e.gpus.size()) * e.trials_per_gpu /
                          e.gpus_per_trial);
}

void check_run_settings(const Experiment& e) {
  if (const auto cap = device_capacity(e); cap && e.concurrency > *cap)
    throw InvalidArgument(fmt::format(
        "concurrency {} exceeds what the experiment's devices hold at once: {} ({} gpus x "
        "trials_per_gpu = {} / gpus_per_trial = {}); lower --concurrency or raise trials_per_gpu",
        e.concurrency, *cap, e.gpus.size(), e.trials_per_gpu, e.gpus_per_trial));
}

Experiment load_experiment(const std::string& path, bool require_command) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot open the experiment file", path));
  std::stringstream ss;
  ss << in.rdbuf();
  if (is_nni_config_path(path)) return parse_nni_experiment(ss.str(), path, require_command);
  return parse_experiment(ss.str(), path, require_command);
}

ojson Experiment::to_json() const {
  ojson j = ojson::object();
  j["name"] = name;
  std::vector<std::string> dirs;
  for (Direction d : directions) dirs.emplace_back(to_string(d));
  j["directions"] = dirs;
  if (!metrics.empty()) j["metrics"] = metrics;
  if (!constraints.empty()) j["constraints"] = constraints;
  j["search_space"] = space.source;
  // Storages keep JSON objects with sorted keys; the space's order (which a grid enumerates, and
  // the order parameters are suggested in) travels as text beside it.
  j[kSearchSpaceText] = space.source.dump();
  ojson s = sampler.options;
  s["type"] = sampler.type;
  j["sampler"] = s;
  if (!pruner.table.empty()) j["pruner"] = pruner.table;
  if (n_trials) j["n_trials"] = *n_trials;
  if (max_duration_seconds) j["max_duration"] = *max_duration_seconds;
  j["concurrency"] = concurrency;
  if (shell_command && command.size() == 3)
    j["command"] = command[2];
  else if (!command.empty())
    j["command"] = command;
  j["working_directory"] = working_directory;
  if (!environment.empty()) j["environment"] = environment;
  if (trial_timeout_seconds) j["trial_timeout"] = *trial_timeout_seconds;
  j["kill_grace_period"] = kill_grace_seconds;
  j["max_retries"] = max_retries;
  j["count_failed_trials"] = count_failed_trials;
  j["max_consecutive_failures"] = max_consecutive_failures;
  j["heartbeat_interval"] = heartbeat_interval_seconds;
  j["grace_period"] = grace_seconds;
  if (!output_directory.empty()) j["output_directory"] = output_directory;
  j["run_in_trial_directory"] = run_in_trial_directory;
  j["log_max_bytes"] = log_max_bytes;
  if (!gpus.empty()) {
    j["gpus"] = gpus;
    j["trials_per_gpu"] = trials_per_gpu;
    j["gpus_per_trial"] = gpus_per_trial;
  }
  if (stop_when) j["stop_when"] = *stop_when;
  return j;
}

std::string storage_url(const std::string& text) {
  if (text.find(':') != std::string::npos || text.empty()) return text;
  for (const char* ext : {".db", ".sqlite", ".sqlite3"}) {
    const std::string e(ext);
    if (text.size() > e.size() && text.compare(text.size() - e.size(), e.size(), e) == 0)
      return "sqlite:///" + text;
  }
  throw InvalidArgument(fmt::format(
      "storage '{}': a plain path names an SQLite file ending in .db, .sqlite or .sqlite3; "
      "otherwise write a URL: sqlite:///{}, postgresql://user@host/db or memory:",
      text, text));
}

std::string constraints_warning(const Experiment& e) {
  if (e.constraints.empty()) return "";
  const SamplerEntry* entry = find_sampler(e.sampler.type);
  if (!entry || entry->capabilities.constraints) return "";
  return fmt::format(
      "sampler '{}' does not use constraint values: the trials' constraints ({}) are stored, and "
      "`parzen show`/`best` rank feasible trials first, but sampling ignores them",
      e.sampler.type, fmt::join(e.constraints, ", "));
}

Experiment Experiment::from_json(const ojson& stored) {
  ojson json = stored;
  if (auto it = json.find(kSearchSpaceText); it != json.end()) {
    if (it->is_string()) json["search_space"] = ojson::parse(it->get<std::string>());
    json.erase(kSearchSpaceText);
  }
  SourceMap map;
  map.file = "the experiment stored with the study";
  Experiment e = interpret(json, map, "", json.value("name", std::string("study")), false);
  e.storage.clear();
  return e;
}

}  // namespace parzen::cli
