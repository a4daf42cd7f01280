#pragma once
// NNI experiments on Parzen: NNI's v2 experiment YAML (experimentName, searchSpace[File],
// trialCommand, trialConcurrency, tuner, assessor, trainingService, ...) converted to the
// experiment document a TOML file gives (the keys of docs/cli.md), then interpreted by the same
// code, so both forms build the same Experiment. Every mapping, and what is refused, is in
// docs/nni.md. The `nni` Python module trials import (python/nni_shim/nni) is found here too.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/config_error.hpp"
#include "cli/experiment.hpp"

namespace parzen::cli {

// Whether `path` names an NNI experiment file (it ends in .yml or .yaml).
bool is_nni_config_path(const std::string& path);

// Parses YAML text (one document) into JSON in file order, recording the line of every key and
// sequence element in `map`. Plain scalars are typed as PyYAML (NNI's reader) types them, and
// more leniently for numbers: null/~, true/false/yes/no/on/off, integers, and numbers such as
// 1e-3 (a string to PyYAML); quoted scalars stay strings. Throws ConfigError "FILE:LINE:COLUMN:
// ..." for a syntax error, a duplicate key, a non-string key or a non-finite number.
nlohmann::ordered_json yaml_to_json(const std::string& text, SourceMap& map);

// An NNI config converted to the TOML form's document.
struct NniConversion {
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();  // keys of docs/cli.md
  SourceMap map{};  // each converted key at the line of the NNI key it came from
  std::vector<std::string> warnings{};  // "FILE:LINE: key 'K': ..." (unknown or ignored keys)
};

// Converts NNI v2 experiment YAML. `path` names the file in messages and anchors relative paths
// (searchSpaceFile, trialCodeDirectory). Throws ConfigError "FILE:LINE: key 'NNI_KEY': ..." for
// a key Parzen cannot honour (a remote training service, a tuner it does not have, ...).
NniConversion convert_nni_config(const std::string& text, const std::string& path,
                                 bool require_command = true);

// convert_nni_config, then interpret_experiment; each warning is passed to `warn` (default:
// printed to stderr as "parzen: warning: ...").
Experiment parse_nni_experiment(const std::string& text, const std::string& path,
                                bool require_command = true,
                                const std::function<void(const std::string&)>& warn = nullptr);

// The directory holding Parzen's `nni` module (the directory that contains nni/__init__.py):
// share/parzen/python beside the running executable (build tree) or in the install prefix
// (bin/../share/parzen/python). Empty when it is in neither.
std::string nni_module_directory();

// Prepends nni_module_directory() to PYTHONPATH in a trial's environment (the experiment's own
// PYTHONPATH if it sets one, else the inherited one), so that `import nni` in a trial finds the
// shim. Leaves the environment alone when the module is not found.
void add_nni_module_path(std::map<std::string, std::string>& environment);

}  // namespace parzen::cli
