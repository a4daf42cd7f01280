#pragma once
// Experiment files (TOML): what `parzen run` tunes and how. Every key, its type and its default
// are documented in docs/cli.md; parse_experiment checks all of them before anything touches a
// storage, and every mistake is reported with the file, the line and the key.

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/space.hpp"
#include "parzen/frozen_trial.hpp"
#include "parzen/pruner.hpp"
#include "parzen/sampler.hpp"

namespace parzen::cli {

struct SamplerSpec {
  std::string type = "auto";  // a name of parzen::sampler_registry()
  nlohmann::ordered_json options = nlohmann::ordered_json::object();  // the [sampler] keys
};

// The [pruner] table as written (with its "type"); empty: no pruning.
struct PrunerSpec {
  nlohmann::ordered_json table = nlohmann::ordered_json::object();
};

struct Experiment {
  std::string file{};  // the experiment file, as given ("" when built from a stored study)
  std::string name{};
  std::string storage{};
  std::vector<Direction> directions{Direction::Minimize};
  std::vector<std::string> metrics{};  // names of the values, one per direction (may be empty)
  // Names of the constraint values each trial reports (`parzen:constraint NAME VALUE`), in the
  // order they are stored (FrozenTrial::constraints; feasible when every one is <= 0).
  std::vector<std::string> constraints{};
  Space space{};
  SamplerSpec sampler{};
  PrunerSpec pruner{};
  std::optional<int64_t> n_trials{};
  std::optional<double> max_duration_seconds{};
  int concurrency = 1;
  std::vector<std::string> command{};
  // The command was given as one string: command is {"/bin/sh", "-c", STRING}, run as it is
  // (no placeholders; parameters only through the environment).
  bool shell_command = false;
  std::string working_directory{};  // absolute
  std::map<std::string, std::string> environment{};
  std::optional<double> trial_timeout_seconds{};
  double kill_grace_seconds = 5.0;
  int max_retries = 0;
  // n_trials counts complete and pruned trials; with count_failed_trials failed ones too
  // (OptimizeOptions::study_budget, TrialBudget::count_failed).
  bool count_failed_trials = false;
  // A run stops (exit status 1) once this many of its own trials failed in a row; 0: never.
  int max_consecutive_failures = 5;
  // Each running trial's worker records a heartbeat this often; a trial whose last beat is older
  // than grace_seconds is failed (and retried) by any worker (StudyOptions).
  double heartbeat_interval_seconds = 5.0;
  double grace_seconds = 30.0;
  // Per-trial output (docs/cli.md "Trial output"): each trial gets output_directory/trial-N/
  // (PARZEN_TRIAL_DIR) holding stdout.log and stderr.log, each at most log_max_bytes before it
  // is rotated once to .1 (0: no log files). Empty output_directory: resolved by
  // resolved_output_directory() to `parzen-output/<study name>` beside the experiment file.
  std::string output_directory{};
  std::string experiment_directory{};   // absolute; the experiment file's folder (not stored)
  bool run_in_trial_directory = false;  // the trial's cwd: its trial directory
  int64_t log_max_bytes = 10 * 1024 * 1024;
  // Devices (docs/cli.md "Devices"): each running trial gets gpus_per_trial of these through
  // CUDA_VISIBLE_DEVICES, never more than trials_per_gpu trials on one device. Empty: the
  // variable is left as inherited.
  std::vector<int64_t> gpus{};
  int trials_per_gpu = 1;
  int gpus_per_trial = 1;
  // No new trial starts once the study's best value reaches it (<= when minimizing, >= when
  // maximizing); single objective only.
  std::optional<double> stop_when{};

  // The form stored with the study, from which `parzen worker` rebuilds the experiment.
  nlohmann::ordered_json to_json() const;
  static Experiment from_json(const nlohmann::ordered_json& json);
};

// The directory that holds the trials' directories: output_directory, or
// `<experiment_directory or working_directory>/parzen-output/<study name>` (the name with every
// character outside [A-Za-z0-9._-] written as '_'; past 200 bytes, its first 183 bytes, '-' and
// the 16 hex digits of a 64-bit FNV-1a hash of the whole name: a file name holds 255 bytes, a
// study name up to 512).
std::string resolved_output_directory(const Experiment& e);

// How many trials the experiment's devices hold at once (gpus x trials_per_gpu / gpus_per_trial);
// unset without gpus.
std::optional<int> device_capacity(const Experiment& e);

// Checks what a command-line override can break (concurrency against the devices): throws
// InvalidArgument naming the keys.
void check_run_settings(const Experiment& e);

// The longest study name a storage accepts, in bytes (longer ones are refused with
// InvalidArgument by every storage, so that SQLite and PostgreSQL agree).
inline constexpr size_t kMaxStudyNameBytes = 512;

// Parses an experiment file (TOML; NNI's v2 YAML for a .yml or .yaml file, see nni_config.hpp).
// Relative paths in it (storage, search_space_file,
// working_directory) are relative to the file's directory. Without `require_command` (for
// ask/tell studies) the command may be left out. Throws ConfigError.
Experiment load_experiment(const std::string& path, bool require_command = true);
// The same from text (for tests and fuzzing); `path` names the file in messages and anchors
// relative paths.
Experiment parse_experiment(const std::string& text, const std::string& path,
                            bool require_command = true);

// Interprets an experiment document (TOML converted to JSON, or an NNI YAML converted by
// nni_config.hpp): checks every key and builds the Experiment. Relative paths are relative to
// `dir`; the study is named `default_name` without a "name" key. Throws ConfigError.
Experiment interpret_experiment(const nlohmann::ordered_json& doc, const SourceMap& map,
                                const std::filesystem::path& dir, const std::string& default_name,
                                bool require_command);
// Whether `key` is a top-level key of experiment files (what interpret_experiment accepts).
bool is_experiment_key(const std::string& key);

// Converts TOML text to JSON in file order, recording the line of every key. Throws ConfigError
// "FILE:LINE:COLUMN: ..." on a TOML syntax error.
nlohmann::ordered_json toml_to_json(const std::string& text, SourceMap& map);

// "90", "90s", "10m", "1.5h", "2d", "1h30m" -> seconds. Throws InvalidArgument.
double parse_duration(const std::string& text);

// Checks the command's placeholders against the space: every {name} names a parameter and,
// when the command has placeholders, every parameter is used by one. Throws ConfigError.
void check_placeholders(const std::vector<std::string>& command, const Space& space,
                        const SourceMap* map = nullptr);

// The argv of one trial: placeholders replaced by the values' text ("{{" and "}}" are literal
// braces). An argument holding a placeholder of a parameter that is inactive in this trial (the
// other branch of a nested choice) is left out.
std::vector<std::string> expand_command(const std::vector<std::string>& command,
                                        const std::map<std::string, std::string>& values,
                                        const std::vector<std::string>& all_names);

// Builds the experiment's sampler through the registry (parzen/registry.hpp) with the seed as
// written (grid: from the space; "bohb" and TPE's per_bracket: over the experiment's Hyperband
// pruner, which must be the one the study uses). Throws ConfigError naming the option at fault.
std::shared_ptr<Sampler> make_sampler(const SamplerSpec& spec, const Space& space,
                                      const std::shared_ptr<Pruner>& pruner = nullptr);

// The sampler an experiment or `parzen ask` uses when none is named: "auto" (which picks
// multi-objective TPE for several objectives).
std::string default_sampler_type(size_t n_directions);

// Whether sampler `type` can serve a study with `n_directions` objectives (its registry entry's
// capabilities.multi_objective when there are several). Unknown names pass: the registry refuses
// them with its own message.
// A multi-objective sampler with capabilities.max_objectives handles at most that many.
bool sampler_handles(const std::string& type, size_t n_directions);
// Why `type` cannot serve `n_directions` objectives, as "sampler 'X' models one objective" or
// "sampler 'X' handles at most N objectives" (for the refusals' messages).
std::string sampler_objectives_limit(const std::string& type);

// The registry's samplers that handle several objectives, each written as `form` writes it
// ("\"{}\"" for a file, "{}" for a flag), joined as "a, b or c".
// With n_directions, only those that handle that many.
std::string multi_objective_samplers(const std::string& form, size_t n_directions = 2);

// Builds the experiment's pruner through the registry (NopPruner without a [pruner] table).
// Throws ConfigError naming the option at fault.
std::shared_ptr<Pruner> make_pruner(const PrunerSpec& spec);

// A storage as the user wrote it: a plain path ending in .db, .sqlite or .sqlite3 (no "://")
// stands for sqlite:///PATH; anything else is returned unchanged.
std::string storage_url(const std::string& text);

// The warning for an experiment whose sampler does not use constraint values (its registry
// capabilities.constraints is false) although the experiment lists `constraints`; empty if none.
std::string constraints_warning(const Experiment& experiment);

// Directions parsed from "minimize" / "maximize". Throws InvalidArgument.
Direction parse_direction(const std::string& text);

}  // namespace parzen::cli
