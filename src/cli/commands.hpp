#pragma once
// The `parzen` subcommands other than run (see run.hpp): ask/tell, inspection, export, presets.
// Each returns the process exit status and throws parzen::Error for the caller to print.

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace parzen {
class Storage;
struct StudyInfo;
}  // namespace parzen

namespace parzen::cli {

struct AskArgs {
  std::string storage{};
  std::string study{};
  std::string experiment_file{};  // space, sampler and directions from an experiment file
  std::string space_file{};       // or an NNI search_space.json
  std::string sampler{};          // grid, random, qmc, tpe
  std::vector<std::string> sampler_options{};  // KEY=VALUE
  std::vector<std::string> directions{};
};
int cmd_ask(const AskArgs& args);

struct TellArgs {
  std::string storage{};
  std::string study{};
  int64_t trial = -1;
  std::vector<std::string> values{};  // as given; read by parse_number (cli/number.hpp)
  std::string state{};                // complete (with values), failed, pruned
  std::string reason{};
  std::vector<std::string> constraints{};   // NAME=VALUE (the study's constraints)
  std::vector<std::string> intermediate{};  // STEP=VALUE, reported before finishing (if at all)
};
int cmd_tell(const TellArgs& args);

// The names of a study's objectives, as every command prints them: the stored experiment's
// `metrics`, else "value" for one objective and values_0, values_1, ... for several (the
// names of `parzen export`'s columns, Optuna's trials_dataframe and the dashboard).
std::vector<std::string> metric_names(const StudyInfo& info);

int cmd_studies(const std::string& storage);
int cmd_show(const std::string& storage, const std::string& study, int top);
int cmd_best(const std::string& storage, const std::string& study, bool json);
int cmd_trials(const std::string& storage, const std::string& study, const std::string& format);
// `parzen export` (and `parzen trials`, which is export to stdout): every trial of a study with
// its parameters, values by metric name, constraints and feasibility, user attributes, state,
// times and failure reason, as CSV or JSON, to stdout or a file.
struct ExportArgs {
  std::string storage{};
  std::string study{};
  std::string format = "csv";  // csv or json
  std::string output{};        // a file; empty: stdout
};
int cmd_export(const ExportArgs& args);
// The text `parzen export` writes for the study (format "csv" or "json"), for other front ends
// (the dashboard's download). Throws InvalidArgument for another format.
std::string export_text(Storage& storage, const StudyInfo& info, const std::string& format);

// `parzen enqueue`: a waiting trial with fixed parameter values, checked against the study's
// stored search space; the next run, worker or ask on the study claims it.
struct EnqueueArgs {
  std::string storage{};
  std::string study{};
  std::string params_json{};               // --params '{"lr": 0.01}'
  std::vector<std::string> assignments{};  // KEY=VALUE...
};
int cmd_enqueue(const EnqueueArgs& args);

// Opens an existing storage for a command that only reads or changes studies that exist: a
// SQLite file that does not exist is reported (NotFound: "no such database file: x.db") instead
// of being created. Accepts plain .db/.sqlite/.sqlite3 paths (storage_url).
std::shared_ptr<Storage> open_existing_storage(const std::string& storage);

struct Experiment;
// Before `parzen run` resumes a study: the differences between the experiment stored with it
// and `experiment`, one line each ("search space: parameter 'lr' high 0.1 -> 0.5", "command:
// ... -> ..."), for a warning; the run continues with the new experiment. Throws
// InvalidArgument for a change that would misread the stored trials (the constraints list).
std::vector<std::string> check_resumed_experiment(Storage& storage, const Experiment& experiment);

int cmd_delete(const std::string& storage, const std::string& study, bool yes);
int cmd_presets();

// `parzen worker`: joins a study created by `parzen run`, with the experiment stored in it.
struct WorkerArgs {
  std::string storage{};
  std::string study{};
  std::optional<int> concurrency{};
  std::optional<int64_t> n_trials{};
  std::string working_directory{};
  std::string output_directory{};  // where its trials' directories go on this host
  std::string progress{};
};
int cmd_worker(const WorkerArgs& args);

// `parzen stop STUDY`: records a stop request in the storage (parzen/stop_request.hpp); every
// `parzen run` and `parzen worker` of the study starts no new trial once it sees it, lets its
// running trials finish and exits 0. `parzen run` resumes the study and clears the request.
int cmd_stop(const std::string& storage, const std::string& study);

// How a stopped study is resumed, for messages: "`parzen run` with the study's experiment resumes
// it (and clears the request)", or, for a study made in Python or C++ (no stored experiment),
// the calls that clear the request.
std::string resume_hint(const StudyInfo& info);

}  // namespace parzen::cli
