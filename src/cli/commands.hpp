#pragma once
// The `parzen` subcommands other than run (see run.hpp): ask/tell, inspection, export, presets.
// Each returns the process exit status and throws parzen::Error for the caller to print.

#include <optional>
#include <string>
#include <vector>

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
};
int cmd_tell(const TellArgs& args);

int cmd_studies(const std::string& storage);
int cmd_show(const std::string& storage, const std::string& study, int top);
int cmd_best(const std::string& storage, const std::string& study, bool json);
int cmd_trials(const std::string& storage, const std::string& study, const std::string& format);
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

}  // namespace parzen::cli
