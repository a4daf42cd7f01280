#pragma once
// `parzen run` and `parzen worker`: the experiment's trials as processes, with a live progress
// display, graceful Ctrl-C and resumption.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/experiment.hpp"
#include "parzen/frozen_trial.hpp"
#include "parzen/storage.hpp"
#include "parzen/system_attrs.hpp"

namespace parzen::cli {

enum class ProgressStyle { Auto, Bar, Lines, Quiet };

// The exit statuses of every `parzen` command (the table in docs/cli.md), so that shell loops
// around `parzen ask` or `parzen run` can tell "nothing left to do" from a failure.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // storage error, the trial command cannot start, ...
inline constexpr int kExitUsage = 2;    // an invalid option, experiment file or search space
// Nothing to do: `ask` finds the sampler exhausted (every grid point taken); `run` and `worker`
// find the study's n_trials already reached, or start no trial because the grid is exhausted.
inline constexpr int kExitNothingToDo = 3;
inline constexpr int kExitInterrupted = 130;  // Ctrl-C (128 + SIGINT, as shells report it)

// What one `parzen run` or `parzen worker` process brings beside the experiment: its own flags,
// which never change the study.
struct RunSettings {
  ProgressStyle style = ProgressStyle::Auto;
  // The most trials this process starts (`parzen worker --n-trials`); unset: until the study's
  // budget (the experiment's n_trials), max_duration, the sampler's exhaustion or Ctrl-C.
  std::optional<int64_t> max_trials{};
  // `parzen run` stores the experiment in the study (for workers); `parzen worker` only reads
  // it, so that its flags stay its own.
  bool store_experiment = true;
  // The storage, when the caller has opened it already (one connection per process); null:
  // opened from the experiment's storage URL.
  std::shared_ptr<Storage> storage{};
};

// Runs the experiment against its storage (creating the study or continuing it) until the study
// holds n_trials counted trials (OptimizeOptions::study_budget, shared by every worker), this
// process's max_trials, max_duration, the sampler's exhaustion, max_consecutive_failures of this
// process's trials failing in a row, or Ctrl-C. Returns the exit status: kExitOk, kExitFailure
// (the trial command could not be started, or too many trials failed in a row),
// kExitNothingToDo or kExitInterrupted. Throws StorageError naming each trial whose result could
// not be stored (after failing it with a second write, so that none is left running).
int run_experiment(const Experiment& experiment, const RunSettings& settings);

// A duration as every command shows it: "0.4s", "42.0s" under a minute, then "2:05" and
// "1:02:05" (hours:minutes:seconds); progress, trial lines and `parzen show` all use it.
std::string duration_text(double seconds);

// The values a trial's program was given (the system attribute "parzen.params"), falling back
// to its stored parameters for trials that did not come from the CLI; by full name, as text.
std::vector<std::pair<std::string, std::string>> shown_params(const FrozenTrial& trial);

// Whether a trial counts toward an experiment's n_trials: complete and pruned trials do, failed
// ones only with count_failed_trials (the storage's TrialBudget rule, which bounds the study).
bool counts_toward_budget(const FrozenTrial& trial, bool count_failed);
int64_t counted_trials(const std::vector<FrozenTrial>& trials, bool count_failed);

// The CLI's bookkeeping keys, named in parzen/system_attrs.hpp with the library's.
inline constexpr const char* kExperimentAttr = keys::experiment;
inline constexpr const char* kParamsAttr = keys::cli_params;
inline constexpr const char* kInterruptedAttr = keys::interrupted;
inline constexpr const char* kWarningsAttr = keys::warnings;

}  // namespace parzen::cli
