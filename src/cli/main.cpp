// The parzen command line: tune any program from an experiment file, drive a study with ask and
// tell, inspect and export studies. See docs/cli.md.

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/config_error.hpp"
#include "cli/importance.hpp"
#include "cli/logs.hpp"
#include "cli/run.hpp"
#include "dashboard/server.hpp"
#include "parzen/parzen.hpp"
#include "parzen/registry.hpp"

namespace {

constexpr const char* kDefaultStorage = "sqlite:///parzen.db";

std::vector<std::string> sampler_list() {
  std::vector<std::string> out;
  for (const auto& e : parzen::sampler_registry()) out.push_back(e.name);
  return out;
}

std::string sampler_names() { return fmt::format("{}", fmt::join(sampler_list(), ", ")); }

void check_n_trials(const std::optional<int64_t>& n_trials) {
  if (n_trials && *n_trials < 1)
    throw parzen::InvalidArgument(fmt::format("--n-trials must be >= 1, got {}", *n_trials));
}

// --max-duration in seconds; a zero duration would end the run before it starts.
std::optional<double> max_duration_flag(const std::string& text) {
  if (text.empty()) return std::nullopt;
  double seconds = 0;
  try {
    seconds = parzen::cli::parse_duration(text);
  } catch (const parzen::InvalidArgument& e) {
    throw parzen::InvalidArgument(fmt::format("--max-duration: {}", e.what()));
  }
  if (!(seconds > 0))
    throw parzen::InvalidArgument(
        fmt::format("--max-duration must be > 0, got '{}'; e.g. 90s, 10m, 2h", text));
  return seconds;
}

// --trial-timeout in seconds (> 0).
double trial_timeout_flag(const std::string& text) {
  double seconds = 0;
  try {
    seconds = parzen::cli::parse_duration(text);
  } catch (const parzen::InvalidArgument& e) {
    throw parzen::InvalidArgument(fmt::format("--trial-timeout: {}", e.what()));
  }
  if (!(seconds > 0))
    throw parzen::InvalidArgument(
        fmt::format("--trial-timeout must be > 0, got '{}'; e.g. 90s, 10m, 2h", text));
  return seconds;
}

// "int >= 0, default 10", "choice of logei, ei, ucb, pi, default logei", "float, unset".
std::string option_summary(const parzen::OptionSpec& o) {
  // An empty string (e.g. restart_strategy's "never") is printed as "" so it stays visible.
  const auto shown = [](const std::string& s) { return s.empty() ? std::string("\"\"") : s; };
  std::string text = parzen::to_string(o.type);
  if (!o.choices.empty()) {
    std::vector<std::string> choices;
    for (const auto& c : o.choices) choices.push_back(shown(c));
    text += fmt::format(" of {}", fmt::join(choices, ", "));
  }
  if (o.min && o.max)
    text += fmt::format(" in [{}, {}]", *o.min, *o.max);
  else if (o.min)
    text += fmt::format(" {} {}", o.min_exclusive ? ">" : ">=", *o.min);
  if (o.required) return text + ", required";
  if (o.default_value.is_null()) return text + (o.accepts_auto ? ", default auto" : ", unset");
  const auto& d = o.default_value;
  return text + ", default " + (d.is_string() ? shown(d.get<std::string>()) : d.dump());
}

void print_options(const std::vector<parzen::OptionSpec>& options) {
  for (const auto& o : options)
    fmt::print("      {} ({}): {}\n", o.name, option_summary(o), o.help);
}

// `parzen info`: every sampler and pruner of the registry, with its options.
int print_info(bool json) {
  if (json) {
    nlohmann::json j = parzen::registry_json();
    j["version"] = parzen::kVersion;
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  std::vector<std::string> pruners;
  for (const auto& e : parzen::pruner_registry()) pruners.push_back(e.name);
  fmt::print("parzen {}\n", parzen::kVersion);
  fmt::print("samplers: {}\n", sampler_names());
  fmt::print("pruners: {}\n", fmt::join(pruners, ", "));
  fmt::print(
      "storages: memory:, sqlite:///relative.db, sqlite:////absolute.db, "
      "postgresql://user@host:port/dbname\n");
  fmt::print("\nSamplers ([sampler] type = NAME, or parzen ask --sampler NAME):\n");
  for (const auto& e : parzen::sampler_registry()) {
    std::vector<std::string> notes;
    const auto& c = e.capabilities;
    if (c.multi_objective) notes.push_back("several objectives");
    if (c.conditional_spaces) notes.push_back("conditional spaces");
    if (c.needs_grid) notes.push_back("needs finite parameters (choices, stepped ranges)");
    if (c.needs_hyperband_pruner) notes.push_back("needs a hyperband pruner with max_resource");
    if (c.constraints) notes.push_back("uses constraint values");
    fmt::print("  {}: {}{}\n", e.name, e.summary,
               notes.empty() ? "" : fmt::format(" [{}]", fmt::join(notes, "; ")));
    print_options(e.options);
  }
  fmt::print("\nPruners ([pruner] type = NAME):\n");
  for (const auto& e : parzen::pruner_registry()) {
    fmt::print("  {}{}: {}\n", e.name,
               e.aliases.empty() ? "" : fmt::format(" (or {})", fmt::join(e.aliases, ", ")),
               e.summary);
    print_options(e.options);
  }
  return 0;
}

parzen::cli::ProgressStyle progress_style(const std::string& s) {
  if (s == "bar") return parzen::cli::ProgressStyle::Bar;
  if (s == "lines") return parzen::cli::ProgressStyle::Lines;
  return parzen::cli::ProgressStyle::Auto;
}

// Every command's output reaches stdout or the command fails: `parzen best S --json > f` on a
// full disk must not leave an empty file behind an exit status of 0 (try-out 21, finding 24).
int checked_stdout(int status) {
  if (status != 0) return status;  // failed already, and said why
  std::cout.flush();
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  if (flushed && !std::ferror(stdout) && std::cout.good()) return status;
  const int error = errno;
  fmt::print(stderr, "parzen: error: stdout: the output could not be written{}\n",
             error ? fmt::format(" ({})", std::strerror(error)) : std::string());
  return parzen::cli::kExitFailure;
}

int run_main(int argc, char** argv);

}  // namespace

int main(int argc, char** argv) { return checked_stdout(run_main(argc, argv)); }

namespace {

int run_main(int argc, char** argv) {
  using namespace parzen::cli;
  CLI::App app{"parzen: hyperparameter optimisation for any program", "parzen"};
  app.set_version_flag("--version", std::string("parzen ") + parzen::kVersion);
  app.require_subcommand(1);
  app.footer("Run `parzen COMMAND --help` for a command's options; docs/cli.md has them all.");
  // A flag CLI11 refuses (--concurrency 0, an unknown option) reads like every other refusal.
  app.failure_message([](const CLI::App* a, const CLI::Error& e) {
    return "parzen: error: " + CLI::FailureMessage::simple(a, e);
  });

  const auto storage_option = [](CLI::App* cmd, std::string& target, const char* fallback) {
    target = fallback;
    cmd->add_option("--storage", target,
                    "Storage URL: sqlite:///relative.db, sqlite:////absolute.db, "
                    "postgresql://user@host:port/db")
        ->capture_default_str();
  };

  // run
  auto* run = app.add_subcommand("run", "Run an experiment file's trials (resumes its study)");
  std::string run_file, run_storage, run_study, run_progress = "auto", run_duration;
  std::optional<int64_t> run_n_trials;
  std::optional<int> run_concurrency;
  run->add_option("experiment", run_file, "The experiment file (TOML)")->required();
  run->add_option("--storage", run_storage, "Override the experiment's storage URL");
  run->add_option("--study", run_study, "Override the study name");
  run->add_option("--n-trials", run_n_trials, "Override n_trials (the study's total)");
  run->add_option("--concurrency", run_concurrency, "Override concurrency (parallel trials)")
      ->check(CLI::Range(1, 1024));
  run->add_option("--max-duration", run_duration, "Override max_duration, e.g. 90s, 10m, 2h");
  std::string run_trial_timeout, run_output_directory;
  run->add_option("--output-directory", run_output_directory,
                  "Override output_directory (where the trials' directories go)");
  run->add_option("--trial-timeout", run_trial_timeout,
                  "Override trial_timeout for this process, e.g. 90s, 10m, 2h");
  run->add_option("--progress", run_progress, "auto (bar on a terminal), bar or lines")
      ->check(CLI::IsMember({"auto", "bar", "lines"}));

  // worker
  auto* worker = app.add_subcommand(
      "worker", "Join a study started by `parzen run`, from another process or host");
  WorkerArgs wa;
  worker->add_option("--storage", wa.storage, "The study's storage URL")->required();
  worker->add_option("--study", wa.study, "The study's name")->required();
  worker->add_option("--concurrency", wa.concurrency, "Parallel trials on this worker")
      ->check(CLI::Range(1, 1024));
  worker->add_option("--n-trials", wa.n_trials,
                     "The most trials this worker runs (the study's n_trials still bounds them)");
  worker->add_option("--working-directory", wa.working_directory,
                     "Where trial commands run on this host (default: as on the first host)");
  worker->add_option("--output-directory", wa.output_directory,
                     "Where this worker's trial directories go (default: as the run stored it)");
  worker->add_option("--progress", wa.progress, "auto, bar or lines")
      ->check(CLI::IsMember({"auto", "bar", "lines"}));

  // ask / tell
  auto* ask = app.add_subcommand("ask", "Start a trial and print its number and parameters");
  AskArgs aa;
  storage_option(ask, aa.storage, kDefaultStorage);
  ask->add_option("--study", aa.study, "Study name (created if missing)")->required();
  ask->add_option("--experiment", aa.experiment_file,
                  "Take the space, sampler and directions from an experiment file");
  ask->add_option("--space", aa.space_file, "The search space (NNI search_space.json)");
  ask->add_option("--sampler", aa.sampler,
                  fmt::format("{} (default tpe; see parzen info)", sampler_names()))
      ->check(CLI::IsMember(sampler_list()));
  ask->add_option("--sampler-option", aa.sampler_options, "KEY=VALUE, e.g. seed=42 (repeatable)");
  ask->add_option("--direction", aa.directions, "minimize or maximize, one per objective");
  auto* tell = app.add_subcommand("tell", "Finish a trial started by `parzen ask`");
  TellArgs ta;
  storage_option(tell, ta.storage, kDefaultStorage);
  tell->add_option("--study", ta.study, "Study name")->required();
  tell->add_option("--trial", ta.trial, "The trial's number, as printed by ask")->required();
  tell->add_option("--value", ta.values, "The trial's value (repeat for several objectives)");
  tell->add_option("--state", ta.state, "complete (default, with --value), failed or pruned");
  tell->add_option("--reason", ta.reason, "Why the trial failed");
  tell->add_option("--constraint", ta.constraints,
                   "NAME=VALUE, a constraint value, feasible when <= 0 (repeatable)");
  tell->add_option("--intermediate", ta.intermediate,
                   "STEP=VALUE, an intermediate value of the running trial (repeatable; alone, "
                   "the trial stays running)");

  // inspection
  std::string insp_storage, insp_study, trials_format = "csv";
  int top = 10;
  bool best_json = false, yes = false;
  auto* studies = app.add_subcommand("studies", "List the studies in a storage");
  storage_option(studies, insp_storage, kDefaultStorage);
  auto* show = app.add_subcommand("show", "Summarise a study and its best trials");
  show->add_option("study", insp_study, "Study name")->required();
  show->add_option("--top", top, "How many of the best trials to list")->capture_default_str();
  auto* best = app.add_subcommand("best", "Print the best trial (the Pareto front if several)");
  best->add_option("study", insp_study, "Study name")->required();
  best->add_flag("--json", best_json, "As JSON");
  auto* trials = app.add_subcommand("trials", "Export every trial of a study");
  trials->add_option("study", insp_study, "Study name")->required();
  trials->add_option("--format", trials_format, "csv or json")
      ->check(CLI::IsMember({"csv", "json"}))
      ->capture_default_str();
  auto* del = app.add_subcommand("delete", "Delete a study and its trials");
  del->add_option("study", insp_study, "Study name")->required();
  del->add_flag("--yes,-y", yes, "Do not ask for confirmation");
  auto* stop = app.add_subcommand(
      "stop", "Stop a study: its runs and workers start no new trial and exit when theirs end");
  stop->add_option("study", insp_study, "Study name")->required();
  std::string stop_storage;
  storage_option(stop, stop_storage, kDefaultStorage);
  std::string show_storage, best_storage, trials_storage, del_storage;
  storage_option(show, show_storage, kDefaultStorage);
  storage_option(best, best_storage, kDefaultStorage);
  storage_option(trials, trials_storage, kDefaultStorage);
  storage_option(del, del_storage, kDefaultStorage);
  auto* exp = app.add_subcommand(
      "export", "Write a study's trials as CSV or JSON (values by metric, constraints, attrs)");
  ExportArgs ea;
  exp->add_option("study", ea.study, "Study name")->required();
  storage_option(exp, ea.storage, kDefaultStorage);
  exp->add_option("--format", ea.format, "csv or json")
      ->check(CLI::IsMember({"csv", "json"}))
      ->capture_default_str();
  exp->add_option("--output,-o", ea.output, "Write to this file instead of stdout");
  auto* enq = app.add_subcommand(
      "enqueue", "Add a trial with fixed parameters; the next run, worker or ask runs it");
  EnqueueArgs qa;
  enq->add_option("study", qa.study, "Study name")->required();
  storage_option(enq, qa.storage, kDefaultStorage);
  enq->add_option("--params", qa.params_json, "The parameters as a JSON object");
  enq->add_option("assignments", qa.assignments, "Or KEY=VALUE... (e.g. lr=0.01 layers=3)");
  auto* logs = app.add_subcommand("logs", "Print what a trial wrote to stdout (or --stderr)");
  LogsArgs la;
  storage_option(logs, la.storage, kDefaultStorage);
  logs->add_option("study", la.study, "Study name")->required();
  logs->add_option("trial", la.trial, "The trial's number")->required();
  bool logs_stdout_flag = false;
  auto* logs_stdout =
      logs->add_flag("--stdout", logs_stdout_flag, "The trial's stdout (the default)");
  logs->add_flag("--stderr", la.stderr_stream, "The trial's stderr")->excludes(logs_stdout);
  logs->add_option("--tail", la.tail, "Only the last N lines")->check(CLI::NonNegativeNumber);
  auto* dash = app.add_subcommand(
      "dashboard", "Serve the web dashboard of a storage's studies (http://127.0.0.1:8080/)");
  parzen::dashboard::ServerOptions dash_opts;
  std::string dash_storage_flag;
  dash->add_option("storage", dash_opts.storage,
                   "Storage URL or .db file (default: the --storage default)");
  dash->add_option("--storage", dash_storage_flag, "The storage, as a flag")
      ->excludes(dash->get_option("storage"));
  dash->add_option("--host", dash_opts.host, "Address to listen on")->capture_default_str();
  dash->add_option("--port", dash_opts.port, "Port to listen on (0: any free port)")
      ->capture_default_str();
  dash->add_flag("--allow-writes", dash_opts.allow_writes,
                 "Allow notes and tells (each needs the token printed at start)");
  dash->add_option("--token-file", dash_opts.token_file,
                   "The write token's file (else $PARZEN_DASHBOARD_TOKEN, else a random one)");
  dash->add_option("--static-dir", dash_opts.static_dir,
                   "The app's files (default: the build's or install's dashboard/dist)");
  ImportanceArgs ia;
  auto* importance = app.add_subcommand(
      "importance", "Rank a study's parameters by importance (PED-ANOVA or fANOVA)");
  importance->add_option("study", ia.study, "Study name")->required();
  storage_option(importance, ia.storage, kDefaultStorage);
  importance->add_option("--evaluator", ia.evaluator, "ped-anova (default) or fanova")
      ->check(CLI::IsMember({"ped-anova", "fanova"}))
      ->capture_default_str();
  importance->add_option("--objective", ia.objective,
                         "Objective index (0, 1, ...) or metric name of a multi-objective study");
  importance
      ->add_option("--params", ia.params,
                   "Parameters to evaluate (default: those every complete trial has)")
      ->delimiter(',');
  importance
      ->add_option("--baseline-quantile", ia.baseline_quantile,
                   "ped-anova: the top fraction of trials to explain")
      ->capture_default_str();
  importance->add_flag("--global", ia.global,
                       "ped-anova: compare with the whole search space, not the explored region");
  importance->add_option("--n-trees", ia.n_trees, "fanova: trees in the forest")
      ->capture_default_str();
  importance->add_option("--max-depth", ia.max_depth, "fanova: depth limit of each tree")
      ->capture_default_str();
  importance->add_option("--seed", ia.seed, "fanova: the forest's seed")->capture_default_str();
  importance->add_flag("--json", ia.json, "As JSON");
  auto* presets = app.add_subcommand("presets", "List the search-space presets");
  auto* info = app.add_subcommand(
      "info", "Print the version, the samplers and pruners with their options, and the storages");
  bool info_json = false;
  info->add_flag("--json", info_json, "Samplers and pruners as JSON (parzen::registry_json)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; a flag CLI11 refuses is a usage error like any other.
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  try {
    // Flags are checked before the experiment is read or anything is stored.
    if (run->parsed()) check_n_trials(run_n_trials);
    if (worker->parsed()) check_n_trials(wa.n_trials);
    if (run->parsed()) {
      const std::optional<double> duration = max_duration_flag(run_duration);
      Experiment e = load_experiment(run_file);
      if (!run_storage.empty()) e.storage = storage_url(run_storage);
      if (!run_study.empty()) e.name = run_study;
      if (e.name.size() > kMaxStudyNameBytes)
        throw parzen::InvalidArgument(
            fmt::format("--study is {} bytes long; a study name has at most {} bytes: choose a "
                        "shorter name",
                        e.name.size(), kMaxStudyNameBytes));
      if (run_n_trials) e.n_trials = *run_n_trials;
      if (run_concurrency) e.concurrency = *run_concurrency;
      if (duration) e.max_duration_seconds = duration;
      if (!run_output_directory.empty())
        e.output_directory = std::filesystem::absolute(run_output_directory).lexically_normal();
      if (!run_trial_timeout.empty())
        e.trial_timeout_seconds = trial_timeout_flag(run_trial_timeout);
      RunSettings settings;
      settings.style = progress_style(run_progress);
      if (const auto w = constraints_warning(e); !w.empty())
        fmt::print(stderr, "parzen: warning: {}\n", w);
      check_run_settings(e);  // the flags against the devices, before the storage is opened
      settings.storage = parzen::make_storage(e.storage);
      if (const auto changes = check_resumed_experiment(*settings.storage, e); !changes.empty()) {
        fmt::print(stderr,
                   "parzen: warning: study '{}' was run with another experiment; it continues "
                   "with this one (its trials so far keep their values):\n",
                   e.name);
        for (const auto& c : changes) fmt::print(stderr, "  {}\n", c);
      }
      return run_experiment(e, settings);
    }
    if (worker->parsed()) return cmd_worker(wa);
    if (ask->parsed()) return cmd_ask(aa);
    if (tell->parsed()) return cmd_tell(ta);
    if (studies->parsed()) return cmd_studies(insp_storage);
    if (show->parsed()) return cmd_show(show_storage, insp_study, top);
    if (best->parsed()) return cmd_best(best_storage, insp_study, best_json);
    if (trials->parsed()) return cmd_trials(trials_storage, insp_study, trials_format);
    if (del->parsed()) return cmd_delete(del_storage, insp_study, yes);
    if (stop->parsed()) return cmd_stop(stop_storage, insp_study);
    if (exp->parsed()) return cmd_export(ea);
    if (enq->parsed()) return cmd_enqueue(qa);
    if (logs->parsed()) return cmd_logs(la);
    if (dash->parsed()) {
      if (!dash_storage_flag.empty()) dash_opts.storage = dash_storage_flag;
      if (dash_opts.storage.empty()) dash_opts.storage = kDefaultStorage;
      return parzen::dashboard::run_server(dash_opts);
    }
    if (importance->parsed()) return cmd_importance(ia);
    if (presets->parsed()) return cmd_presets();
    if (info->parsed()) return print_info(info_json);
  } catch (const parzen::InvalidArgument& e) {
    fmt::print(stderr, "parzen: error: {}\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    fmt::print(stderr, "parzen: error: {}\n", e.what());
    return kExitFailure;
  }
  return 0;
}

}  // namespace
