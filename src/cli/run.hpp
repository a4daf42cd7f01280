#pragma once
// `parzen run` and `parzen worker`: the experiment's trials as processes, with a live progress
// display, graceful Ctrl-C and resumption.

#include <string>
#include <vector>

#include "cli/experiment.hpp"
#include "parzen/frozen_trial.hpp"
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

// Runs the experiment against its storage (creating the study or continuing it) until its
// n_trials finished trials, max_duration, the sampler's exhaustion or Ctrl-C. Returns the exit
// status: kExitOk, kExitFailure (the trial command could not be started), kExitNothingToDo or
// kExitInterrupted. Throws StorageError naming each trial whose result could not be stored
// (after failing it with a second write, so that none is left running).
int run_experiment(const Experiment& experiment, ProgressStyle style);

// A duration as every command shows it: "0.4s", "42.0s" under a minute, then "2:05" and
// "1:02:05" (hours:minutes:seconds); progress, trial lines and `parzen show` all use it.
std::string duration_text(double seconds);

// The values a trial's program was given (the system attribute "parzen.params"), falling back
// to its stored parameters for trials that did not come from the CLI; by full name, as text.
std::vector<std::pair<std::string, std::string>> shown_params(const FrozenTrial& trial);

// Trials counted against an experiment's n_trials: finished ones, except those a second Ctrl-C
// killed (a resumed run replaces them).
int64_t counted_trials(const std::vector<FrozenTrial>& trials);

// The CLI's bookkeeping keys, named in parzen/system_attrs.hpp with the library's.
inline constexpr const char* kExperimentAttr = keys::experiment;
inline constexpr const char* kParamsAttr = keys::cli_params;
inline constexpr const char* kInterruptedAttr = keys::interrupted;
inline constexpr const char* kWarningsAttr = keys::warnings;

}  // namespace parzen::cli
