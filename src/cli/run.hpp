#pragma once
// `parzen run` and `parzen worker`: the experiment's trials as processes, with a live progress
// display, graceful Ctrl-C and resumption.

#include <string>
#include <vector>

#include "cli/experiment.hpp"
#include "parzen/frozen_trial.hpp"

namespace parzen::cli {

enum class ProgressStyle { Auto, Bar, Lines, Quiet };

// Runs the experiment against its storage (creating the study or continuing it) until its
// n_trials finished trials, max_duration, the sampler's exhaustion or Ctrl-C. Returns the exit
// status: 0 done, 1 the trial command could not be started, 130 interrupted.
int run_experiment(const Experiment& experiment, ProgressStyle style);

// The values a trial's program was given (the system attribute "parzen.params"), falling back
// to its stored parameters for trials that did not come from the CLI; by full name, as text.
std::vector<std::pair<std::string, std::string>> shown_params(const FrozenTrial& trial);

// Trials counted against an experiment's n_trials: finished ones, except those a second Ctrl-C
// killed (a resumed run replaces them).
int64_t counted_trials(const std::vector<FrozenTrial>& trials);

// The study system attribute holding the experiment, for `parzen worker`.
inline constexpr const char* kExperimentAttr = "parzen.experiment";
inline constexpr const char* kParamsAttr = "parzen.params";
inline constexpr const char* kInterruptedAttr = "parzen.interrupted";

}  // namespace parzen::cli
