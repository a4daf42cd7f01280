#pragma once
// The bookkeeping keys Parzen stores in system attributes, in one place: the library, the
// samplers, the pruners and the CLI name them through these constants, so that a reader (or a
// later mechanism such as a merged retry) finds every writer and reader of a key by its name.
//
// Trial system attributes are per trial; study system attributes are study-wide (reservations
// taken atomically with Storage::add_study_system_attr_if_absent).

#include <cstdint>
#include <string>

namespace parzen::keys {

// --- trial system attributes ---
// Parameter values an enqueued trial brings ({name: value}); Trial::suggest returns them instead
// of sampling. Written by Study::enqueue_trial and by retries (make_retry).
inline constexpr char fixed_params[] = "fixed_params";
// On a retry (make_retry, src/storage/storage.cpp): the number of the failed trial it re-runs
// and how many retries of the original trial this one is (1, 2, ...). One mechanism retries both
// a trial failed for a missing heartbeat (Storage::fail_stale_trials) and one whose objective
// threw a retryable TrialFailed (Storage::fail_trial; e.g. a `parzen run` trial process that
// exited non-zero, crashed or timed out): the storage enqueues the retry in the transaction that
// fails the trial, only while the failed trial's retry_count is below max_retries: one count.
inline constexpr char retried_from[] = "retried_from";
inline constexpr char retry_count[] = "retry_count";
// On a failed trial that was retried: the number of its retry (written in the same
// transaction).
inline constexpr char retried_by[] = "retried_by";
// The grid point (combination index) a GridSampler reserved for the trial.
inline constexpr char grid_id[] = "grid_id";
// NSGA-II (NsgaIISampler): the generation a trial belongs to (an integer, 0 first) and the
// trial ids of the parents it was bred from (a list; absent for generation 0 and for random
// children). Optuna's names.
inline constexpr char nsga2_generation[] = "nsga2:generation";
inline constexpr char nsga2_parents[] = "nsga2:parents";
// The auto sampler (AutoSampler): the registry name of the delegate that proposed the trial
// ("gp", "tpe", ...), written with the trial (an enqueued trial: at its ask).
inline constexpr char auto_sampler[] = "auto:sampler";
// CMA-ES (CmaEsSampler): the index k of the stored distribution state a trial was drawn from
// (an integer), and with margin the undiscretised draw it is told with (a list, unit space).
inline constexpr char cmaes_state_index[] = "cma:state_index";
inline constexpr char cmaes_x_for_tell[] = "cma:x_for_tell";
// Regularized evolution (RegularizedEvolutionSampler): the trial number of a child's parent and
// the names of the parameters its mutation redrew (a list); absent for random trials.
inline constexpr char evolution_parent[] = "evolution:parent";
inline constexpr char evolution_mutated[] = "evolution:mutated";
// The trial's intermediate value recorded at rung r by successive halving ("completed_rung_r").
inline constexpr char completed_rung_prefix[] = "completed_rung_";
std::string completed_rung(int64_t rung);

// --- study system attributes ---
// The grid a study is searched with (so that a different grid is refused), and one reservation
// per grid point taken ("grid:<index>").
inline constexpr char grid_spec[] = "grid:spec";
std::string grid_point(uint64_t index);
// CMA-ES: distribution state k (JSON of the optimizer, restarts included), stored once by the
// first worker to compute it ("cma:state:<k>").
std::string cmaes_state(int64_t index);
// A random token written when the study is first opened: with its id and creation time it tells
// the study apart from one deleted and re-created under the same name (StudyIdentity).
inline constexpr char study_token[] = "study_token";

// --- written by the parzen CLI ---
inline constexpr char experiment[] = "parzen.experiment";    // study: the experiment file
inline constexpr char cli_params[] = "parzen.params";        // trial: the space's flat params
inline constexpr char interrupted[] = "parzen.interrupted";  // trial: stopped by Ctrl-C
// trial: its own directory (PARZEN_TRIAL_DIR, absolute, on the host that ran it), which holds
// stdout.log and stderr.log (`parzen logs`).
inline constexpr char trial_dir[] = "parzen.trial_dir";
// Trial *user* attribute (so that `parzen trials` exports it): the protocol lines a run ignored
// or rejected, as a list of strings (docs/trial-protocol.md).
inline constexpr char warnings[] = "parzen.warnings";
// `parzen run` and `parzen worker` have no retries of their own: a trial process that fails in
// a retryable way throws TrialFailed(..., retryable = true), and the storage retries it as above
// (retried_from, retry_count and retried_by are system attributes; `parzen trials` exports them).

// True for the keys the study core writes (fixed_params, retried_from, retry_count): samplers
// and pruners may not overwrite them through their writer.
bool is_core_key(const std::string& key);

}  // namespace parzen::keys
