#include "cli/nni_config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include "cli/number.hpp"
#include "cli/options_reader.hpp"

namespace parzen::cli {

namespace {

using ojson = nlohmann::ordered_json;
namespace fs = std::filesystem;
using Reader = OptionsReader;

// --- YAML -> JSON ------------------------------------------------------------------------------

bool one_of(const std::string& s, std::initializer_list<const char*> words) {
  return std::any_of(words.begin(), words.end(), [&](const char* w) { return s == w; });
}

// A plain (unquoted) scalar typed as PyYAML types it, numbers more leniently (see the header).
ojson plain_scalar(const std::string& s, const YAML::Mark& mark, const SourceMap& map) {
  if (one_of(s, {"", "~", "null", "Null", "NULL"})) return nullptr;
  if (one_of(s, {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"})) return true;
  if (one_of(s, {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"})) return false;
  if (one_of(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
                 ".nan", ".NaN", ".NAN"}))
    throw ConfigError(
        fmt::format("{}:{}:{}: {} is not a finite number; JSON and Parzen's "
                    "options have no infinity or NaN: write a finite number",
                    map.file, mark.line + 1, mark.column + 1, s));
  const bool integral = s.find_first_not_of("+-0123456789") == std::string::npos;
  if (integral) {
    int64_t v = 0;
    const char* begin = s.data() + (s[0] == '+' ? 1 : 0);
    const auto [end, ec] = std::from_chars(begin, s.data() + s.size(), v);
    if (ec == std::errc() && end == s.data() + s.size()) return v;
  }
  // Words Python's float() reads ("inf", "nan", "Infinity") are strings in YAML.
  if (s.find_first_of("0123456789") == std::string::npos) return s;
  if (const auto number = parse_number(s)) {
    if (!std::isfinite(*number))
      throw ConfigError(
          fmt::format("{}:{}:{}: {} is too large for a number (a double); write a "
                      "finite number",
                      map.file, mark.line + 1, mark.column + 1, s));
    return *number;
  }
  return s;
}

// What one YAML document may expand to: aliases share nodes, so a recursive alias ("a: &a [*a]")
// or aliases repeating each other ("billion laughs") would recurse forever or take all memory.
constexpr int kMaxYamlDepth = 64;
constexpr size_t kMaxYamlValues = 200000;

void convert(const YAML::Node& node, ojson& out, const std::string& ptr, SourceMap& map, int depth,
             size_t& values) {
  if (depth > kMaxYamlDepth || ++values > kMaxYamlValues) {
    const YAML::Mark mark = node.Mark();
    throw ConfigError(fmt::format(
        "{}:{}:{}: the YAML {} (an alias that contains itself, or aliases repeating each "
        "other?); an NNI config or search space is far smaller",
        map.file, mark.line + 1, mark.column + 1,
        depth > kMaxYamlDepth ? fmt::format("nests deeper than {} levels", kMaxYamlDepth)
                              : fmt::format("expands to more than {} values", kMaxYamlValues)));
  }
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      out = ojson::object();
      for (auto it = node.begin(); it != node.end(); ++it) {
        const YAML::Mark mark = it->first.Mark();
        if (!it->first.IsScalar())
          throw ConfigError(fmt::format("{}:{}:{}: a key must be a plain string, not a {}",
                                        map.file, mark.line + 1, mark.column + 1,
                                        it->first.IsMap() ? "mapping" : "sequence"));
        const std::string key = it->first.Scalar();
        if (out.contains(key))
          throw ConfigError(fmt::format("{}:{}: key '{}' is given twice; keep one", map.file,
                                        mark.line + 1, key));
        const std::string child = pointer_append(ptr, key);
        map.lines[child] = mark.line + 1;
        convert(it->second, out[key], child, map, depth + 1, values);
      }
      break;
    }
    case YAML::NodeType::Sequence: {
      out = ojson::array();
      size_t i = 0;
      for (const auto& v : node) {
        const std::string child = pointer_append(ptr, std::to_string(i++));
        map.lines[child] = v.Mark().line + 1;
        out.push_back(ojson());
        convert(v, out.back(), child, map, depth + 1, values);
      }
      break;
    }
    case YAML::NodeType::Scalar: {
      // yaml-cpp tags a quoted scalar "!" and a plain one "?"; an explicit !!str stays a string.
      const std::string& tag = node.Tag();
      if (tag == "!" || tag.find(":str") != std::string::npos)
        out = node.Scalar();
      else
        out = plain_scalar(node.Scalar(), node.Mark(), map);
      break;
    }
    default:
      out = nullptr;
  }
}

// --- the NNI document ---------------------------------------------------------------------------

// NNI reads keys case-insensitively and without underscores (trialCommand, trial_command).
std::string canonical(const std::string& key) {
  std::string out;
  for (char c : key)
    if (c != '_' && c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// One mapping of the NNI file: its keys by canonical name, read through an OptionsReader (so
// that messages name the key as written, with its line).
struct Section {
  const ojson& doc;
  const SourceMap& map;
  std::string base;   // JSON pointer
  std::string shown;  // "" for the top level, "tuner", "trainingService", ...
  std::map<std::string, std::string> keys{};  // canonical -> as written

  Section(const ojson& d, const SourceMap& m, std::string b, std::string s)
      : doc(d), map(m), base(std::move(b)), shown(std::move(s)) {
    for (const auto& [k, v] : doc.items()) {
      const std::string c = canonical(k);
      if (auto it = keys.find(c); it != keys.end())
        reader().fail(k, fmt::format("the same key as '{}' (NNI ignores case and underscores in "
                                     "keys); keep one",
                                     it->second));
      keys[c] = k;
    }
  }
  // Every accessor takes a key in any spelling NNI accepts ("optimize_mode", "trialcommand").
  Reader reader() const { return Reader{doc, map, base, shown}; }
  bool present(const std::string& c) const { return keys.count(canonical(c)) > 0; }
  bool has(const std::string& c) const { return present(c) && !doc[key(c)].is_null(); }
  const std::string& key(const std::string& c) const { return keys.at(canonical(c)); }
  const ojson& at(const std::string& c) const { return doc[key(c)]; }
  std::string ptr(const std::string& c) const {
    return present(c) ? pointer_append(base, key(c)) : base;
  }
  [[noreturn]] void fail(const std::string& c, const std::string& msg) const {
    reader().fail(present(c) ? key(c) : c, msg);
  }
  std::string where(const std::string& c) const {
    const int line = map.line_of(ptr(c));
    const std::string k = present(c) ? key(c) : c;
    return fmt::format("{}:{}: key '{}{}'", map.file, line, shown.empty() ? "" : shown + ".", k);
  }
  std::string string(const std::string& c) const { return reader().string(key(c)); }
  bool boolean(const std::string& c) const { return reader().boolean(key(c)); }
  int64_t integer(const std::string& c, int64_t min) const {
    // NNI's files write 5.0 for 5.
    const ojson& v = at(c);
    if (v.is_number_float() && std::isfinite(v.get<double>()) &&
        v.get<double>() == std::floor(v.get<double>()) && std::abs(v.get<double>()) < 9e15) {
      const auto n = static_cast<int64_t>(v.get<double>());
      if (n < min) fail(c, fmt::format("must be at least {}, got {}", min, n));
      return n;
    }
    return reader().integer(key(c), min);
  }
  double number(const std::string& c) const { return reader().number(key(c)); }
  double duration(const std::string& c) const { return reader().duration(key(c)); }
  Section section(const std::string& c) const {
    if (!at(c).is_object())
      fail(c, fmt::format("must be a mapping of keys, not {}", json_kind(at(c))));
    return Section(at(c), map, ptr(c), shown.empty() ? key(c) : shown + "." + key(c));
  }
  // Keys not in `known` (canonical names; `shown_known` as NNI's docs write them) are named in a
  // warning and otherwise ignored.
  void warn_unknown(const std::set<std::string>& known, const std::vector<std::string>& shown_known,
                    std::vector<std::string>& warnings) const {
    for (const auto& [c, k] : keys) {
      if (known.count(c)) continue;
      warnings.push_back(
          fmt::format("{}: unknown key{}; ignored", where(c), suggestion(k, shown_known)));
    }
  }
};

// The conversion: reads the NNI document, writes the TOML form's keys with the NNI lines.
class Converter {
 public:
  Converter(const ojson& doc, const SourceMap& map, const fs::path& dir, NniConversion& out)
      : top_(doc, map, "", ""), dir_(dir), out_(out) {}

  void run(bool require_command) {
    refuse_v1();
    top();
    search_space();
    command(require_command);
    tuner();
    assessor();
    training_service();
    if (!environment_.empty()) set("environment", environment_, "");
    if (tuner_has_mode_ || assessor_mode_)
      set("direction", direction_, direction_ptr_);
    else
      warn(
          fmt::format("{}: no optimize_mode in the tuner's classArgs: the study minimizes the "
                      "reported metric (write classArgs: {{optimize_mode: maximize}} for an "
                      "accuracy)",
                      top_.where(top_.present("advisor") ? "advisor" : "tuner")));
  }

 private:
  Section top_;
  fs::path dir_;
  NniConversion& out_;
  ojson environment_ = ojson::object();
  std::string direction_ = "minimize";
  std::string direction_ptr_{};
  bool tuner_has_mode_ = false;
  bool assessor_mode_ = false;
  bool hyperband_ = false;  // the tuner is Hyperband or BOHB: it is the pruner
  bool batch_ = false;
  std::string tuner_name_{};

  // Writes a key of the converted document, at the line of the NNI key at `nni_ptr`.
  void set(const std::string& key, const ojson& value, const std::string& nni_ptr) {
    out_.doc[key] = value;
    out_.map.lines["/" + key] = top_.map.line_of(nni_ptr);
  }
  void set_in(const std::string& table, const std::string& key, const ojson& value,
              const std::string& nni_ptr) {
    out_.doc[table][key] = value;
    out_.map.lines["/" + table] = top_.map.line_of(nni_ptr);
    out_.map.lines["/" + table + "/" + key] = top_.map.line_of(nni_ptr);
    // Messages about the converted key name the NNI file's key ("tuner.name", not
    // "sampler.type"): the pointer's tokens, dotted.
    std::string dotted;
    for (size_t from = 1; from <= nni_ptr.size();) {
      const size_t slash = std::min(nni_ptr.find('/', from), nni_ptr.size());
      std::string token = nni_ptr.substr(from, slash - from);
      for (size_t at; (at = token.find("~1")) != std::string::npos;) token.replace(at, 2, "/");
      for (size_t at; (at = token.find("~0")) != std::string::npos;) token.replace(at, 2, "~");
      dotted += (dotted.empty() ? "" : ".") + token;
      from = slash + 1;
    }
    if (!dotted.empty()) out_.map.keys["/" + table + "/" + key] = dotted;
  }
  void warn(const std::string& text) { out_.warnings.push_back(text); }

  void refuse_v1() {
    for (const char* v1 : {"trial", "authorname", "trainingserviceplatform", "maxexecduration",
                           "maxtrialnum", "searchspacepath"})
      if (top_.keys.count(v1))
        top_.fail(v1,
                  "this is NNI's v1 config format; Parzen reads the v2 format (NNI 2.0 and "
                  "later): trialCommand, trialCodeDirectory, trialConcurrency, "
                  "maxTrialNumber, searchSpaceFile, tuner: {name: ...}, trainingService: "
                  "{platform: local} (docs/nni.md has the mapping)");
  }

  void top() {
    static const std::vector<std::string> kShown = {"experimentName",
                                                    "experimentType",
                                                    "searchSpaceFile",
                                                    "searchSpace",
                                                    "trialCommand",
                                                    "trialCodeDirectory",
                                                    "trialConcurrency",
                                                    "trialGpuNumber",
                                                    "maxExperimentDuration",
                                                    "maxTrialNumber",
                                                    "maxTrialDuration",
                                                    "nniManagerIp",
                                                    "useAnnotation",
                                                    "debug",
                                                    "logLevel",
                                                    "experimentWorkingDirectory",
                                                    "tunerGpuIndices",
                                                    "tuner",
                                                    "assessor",
                                                    "advisor",
                                                    "trainingService",
                                                    "sharedStorage"};
    std::set<std::string> known;
    for (const auto& k : kShown) known.insert(canonical(k));
    top_.warn_unknown(known, kShown, out_.warnings);

    if (top_.has("experimenttype")) {
      const std::string type = top_.string("experimenttype");
      if (type != "hpo")
        top_.fail("experimenttype",
                  fmt::format("experiment type '{}' is not supported: Parzen runs hyperparameter "
                              "experiments (\"hpo\"); NNI's neural architecture search "
                              "(\"nas\") has no Parzen equivalent",
                              type));
    }
    if (top_.has("experimentname")) {
      const std::string name = top_.string("experimentname");
      if (name.empty()) top_.fail("experimentname", "must not be empty");
      set("name", name, top_.ptr("experimentname"));
    }
    if (top_.has("trialconcurrency")) {
      const int64_t n = top_.integer("trialconcurrency", 1);
      if (n > 1024) top_.fail("trialconcurrency", "must be at most 1024");
      set("concurrency", n, top_.ptr("trialconcurrency"));
    }
    if (top_.has("maxtrialnumber"))
      set("n_trials", top_.integer("maxtrialnumber", 1), top_.ptr("maxtrialnumber"));
    if (top_.has("maxexperimentduration"))
      set("max_duration", top_.duration("maxexperimentduration"),
          top_.ptr("maxexperimentduration"));
    if (top_.has("maxtrialduration"))
      set("trial_timeout", top_.duration("maxtrialduration"), top_.ptr("maxtrialduration"));
    if (top_.has("useannotation") && top_.boolean("useannotation"))
      top_.fail("useannotation",
                "NNI annotations (search space and reports written as comments in the trial "
                "code) are not read by Parzen: give searchSpace or searchSpaceFile, and call "
                "nni.get_next_parameter() and nni.report_final_result() in the trial");
    if (top_.has("sharedstorage"))
      top_.fail("sharedstorage",
                "is not supported: Parzen runs trials on this machine in trialCodeDirectory; "
                "remove sharedStorage (for several machines, see docs/distributed.md)");
    if (top_.has("loglevel")) {
      const std::string level = top_.string("loglevel");
      if (!one_of(level, {"fatal", "error", "warning", "info", "debug", "trace"}))
        top_.fail("loglevel", fmt::format("'{}' is not a log level; NNI's are fatal, error, "
                                          "warning, info, debug and trace",
                                          level));
    }
    if (top_.has("debug")) top_.boolean("debug");
    if (top_.has("experimentworkingdirectory"))
      warn(
          fmt::format("{}: ignored: Parzen stores the study in parzen.db beside the config ({}) "
                      "unless --storage names another storage",
                      top_.where("experimentworkingdirectory"),
                      (dir_ / "parzen.db").lexically_normal().string()));
    if (top_.has("tunergpuindices"))
      warn(fmt::format("{}: ignored: Parzen's samplers run in the parzen process, on the CPU",
                       top_.where("tunergpuindices")));
  }

  // searchSpace (inline) or searchSpaceFile (JSON or YAML, relative to the config).
  void search_space() {
    const bool inline_space = top_.has("searchspace");
    const bool file = top_.has("searchspacefile");
    if (inline_space && file)
      top_.fail("searchspacefile", "give either searchSpace or searchSpaceFile, not both");
    if (!inline_space && !file)
      top_.fail("searchSpace",
                "missing: give searchSpaceFile: search_space.json, or the space "
                "inline as searchSpace");
    if (inline_space) {
      if (!top_.at("searchspace").is_object())
        top_.fail("searchspace", fmt::format("must be a mapping of parameters, not {}",
                                             json_kind(top_.at("searchspace"))));
      space_ = top_.at("searchspace");
      // The space's keys keep their lines in the converted document.
      const std::string from = top_.ptr("searchspace");
      for (const auto& [p, line] : top_.map.lines)
        if (p.rfind(from, 0) == 0 && (p.size() == from.size() || p[from.size()] == '/'))
          out_.map.lines["/search_space" + p.substr(from.size())] = line;
      space_ptr_ = "/search_space";
    } else {
      const std::string name = top_.string("searchspacefile");
      const fs::path path = (dir_ / name).lexically_normal();
      // A directory reads as an empty file and a device (/dev/zero) without end.
      std::error_code ec;
      if (const auto st = fs::status(path, ec);
          fs::is_directory(st) || (fs::exists(st) && !fs::is_regular_file(st)))
        top_.fail(
            "searchspacefile",
            fmt::format("cannot open the search space file {}: {}", path.string(),
                        fs::is_directory(st) ? "it is a directory, not a file"
                                             : "it is not a regular file (a device or pipe)"));
      std::ifstream in(path, std::ios::binary);
      if (!in)
        top_.fail("searchspacefile",
                  fmt::format("cannot open the search space file {}", path.string()));
      const std::string ext = path.extension().string();
      if (ext == ".yml" || ext == ".yaml" || batch_tuner_named()) {
        // Read here: a YAML space (NNI reads those too), or one BatchTuner rewrites.
        std::stringstream ss;
        ss << in.rdbuf();
        SourceMap space_map;
        space_map.file = path.string();
        space_ = (ext == ".yml" || ext == ".yaml") ? yaml_to_json(ss.str(), space_map)
                                                   : parse_json_with_lines(ss.str(), space_map);
        space_ptr_ = "/search_space";
        out_.map.lines["/search_space"] = top_.map.line_of(top_.ptr("searchspacefile"));
      } else {
        set("search_space_file", name, top_.ptr("searchspacefile"));
        return;
      }
    }
  }

  bool batch_tuner_named() const {
    for (const char* k : {"tuner", "advisor"})
      if (top_.has(k) && top_.at(k).is_object()) {
        const Section s(top_.at(k), top_.map, top_.ptr(k), top_.key(k));
        if (s.has("name") && s.at("name").is_string() &&
            one_of(canonical(s.at("name").get<std::string>()), {"batchtuner", "batch"}))
          return true;
      }
    return false;
  }

  ojson space_ = nullptr;  // the space when it is written into the converted document
  std::string space_ptr_{};

  void finish_space() {
    if (!space_.is_null()) out_.doc["search_space"] = space_;
  }

  void command(bool require_command) {
    // trialCommand and trialCodeDirectory may also be given in trainingService (NNI's "training
    // service fields"); the top level wins as in NNI.
    const Section* ts_section = nullptr;
    std::optional<Section> ts;
    if (top_.has("trainingservice") && top_.at("trainingservice").is_object()) {
      ts.emplace(top_.section("trainingservice"));
      ts_section = &*ts;
    }
    const auto pick = [&](const std::string& c) -> const Section* {
      if (top_.has(c)) return &top_;
      if (ts_section && ts_section->has(c)) return ts_section;
      return nullptr;
    };
    if (const Section* s = pick("trialcommand")) {
      const std::string cmd = s->string("trialcommand");
      if (cmd.find_first_not_of(" \t\r\n") == std::string::npos)
        s->fail("trialcommand",
                "is empty: give the command that runs one trial, e.g. "
                "trialCommand: python3 train.py");
      set("command", cmd, s->ptr("trialcommand"));
    } else if (require_command) {
      top_.fail("trialCommand",
                "missing: give the command that runs one trial, e.g. "
                "trialCommand: python3 train.py");
    }
    if (const Section* s = pick("trialcodedirectory")) {
      const std::string d = s->string("trialcodedirectory");
      const fs::path path = (dir_ / d).lexically_normal();
      std::error_code ec;
      if (!fs::is_directory(path, ec))
        s->fail("trialcodedirectory",
                fmt::format("{} is not a directory (relative paths are relative to the config "
                            "file's directory, as in NNI)",
                            path.string()));
      set("working_directory", d, s->ptr("trialcodedirectory"));
    }
  }

  // --- tuner -> sampler (and pruner for Hyperband/BOHB) ---------------------------------------

  void optimize_mode(const Section& args, bool from_tuner) {
    if (!args.has("optimize_mode")) return;
    const std::string mode = args.string("optimize_mode");
    if (mode != "maximize" && mode != "minimize")
      args.fail("optimize_mode",
                fmt::format("'{}' is not an optimize_mode; write maximize or minimize", mode));
    if (!from_tuner && tuner_has_mode_ && mode != direction_)
      args.fail("optimize_mode",
                fmt::format("is {} but the tuner's optimize_mode is {}: the study has one "
                            "direction; make them agree",
                            mode, direction_));
    if (from_tuner) tuner_has_mode_ = true;
    if (!from_tuner) assessor_mode_ = true;
    direction_ = mode;
    if (direction_ptr_.empty() || from_tuner) direction_ptr_ = args.ptr("optimize_mode");
  }

  // classArgs keys: `mapped` ones are handled by the caller; `ignored` ones draw a warning.
  void check_args(const Section& args, const std::set<std::string>& mapped,
                  const std::map<std::string, std::string>& ignored) {
    for (const auto& [c, k] : args.keys) {
      if (mapped.count(k) || k == "optimize_mode") continue;
      if (auto it = ignored.find(k); it != ignored.end()) {
        warn(fmt::format("{}: ignored: {}", args.where(c), it->second));
        continue;
      }
      std::vector<std::string> known(mapped.begin(), mapped.end());
      known.push_back("optimize_mode");
      for (const auto& [i, why] : ignored) known.push_back(i);
      args.fail(c, fmt::format("is not an option of tuner {}{}; its options are: {}", tuner_name_,
                               suggestion(k, known), fmt::format("{}", fmt::join(known, ", "))));
    }
  }

  void sampler_option(const Section& args, const std::string& nni_key, const std::string& option,
                      const ojson& value) {
    set_in("sampler", option, value, args.ptr(canonical(nni_key)));
  }
  void seed(const Section& args) {
    if (args.has("seed")) sampler_option(args, "seed", "seed", args.integer("seed", 0));
  }

  void tuner() {
    std::string key = "tuner";
    if (top_.has("advisor")) {
      if (top_.has("tuner"))
        top_.fail("advisor",
                  "give either tuner or advisor (NNI's older name for Hyperband and "
                  "BOHB), not both");
      key = "advisor";
    }
    if (!top_.has(key)) {
      top_.fail("tuner",
                "missing: NNI needs a tuner, e.g. tuner: {name: TPE, classArgs: "
                "{optimize_mode: maximize}}");
    }
    const Section t = top_.section(key);
    t.warn_unknown({"name", "classargs", "classname", "codedirectory", "classfilename",
                    "gpuindices", "classdirectory"},
                   {"name", "classArgs", "className", "codeDirectory", "gpuIndices"},
                   out_.warnings);
    for (const char* custom : {"classname", "codedirectory", "classfilename", "classdirectory"})
      if (t.has(custom))
        t.fail(custom,
               "a customised tuner (Python code run inside NNI) cannot run in Parzen; "
               "use a built-in tuner name: TPE, Random, Anneal, GridSearch, BatchTuner, "
               "GPTuner, Hyperband or BOHB");
    if (!t.has("name")) t.fail("name", "missing: the tuner's name, e.g. name: TPE");
    tuner_name_ = t.string("name");
    static const ojson kEmpty = ojson::object();
    const bool has_args = t.has("classargs");
    if (has_args && !t.at("classargs").is_object())
      t.fail("classargs", fmt::format("must be a mapping of the tuner's arguments, not {}",
                                      json_kind(t.at("classargs"))));
    const Section args =
        has_args ? t.section("classargs") : Section(kEmpty, top_.map, t.ptr("name"), t.shown);
    // Arguments are matched exactly (they are Python keyword arguments in NNI).
    const std::string name = canonical(tuner_name_);
    optimize_mode(args, true);
    const std::string name_ptr = t.ptr("name");
    const auto sampler = [&](const std::string& type) {
      set_in("sampler", "type", type, name_ptr);
    };
    if (name == "tpe" || name == "anneal") {
      sampler("tpe");
      if (name == "anneal")
        warn(
            fmt::format("{}: Parzen has no Anneal tuner; TPE is used, which also concentrates "
                        "its samples around the best trials so far (docs/nni.md)",
                        t.where("name")));
      seed(args);
      check_args(args, {"seed", "tpe_args", "parallel_optimize"},
                 {{"constant_liar_type",
                   "Parzen's constant liar counts running trials as bad "
                   "observations (set with parallel_optimize: true)"}});
      if (args.has("parallel_optimize") && args.boolean("parallel_optimize"))
        sampler_option(args, "parallel_optimize", "constant_liar", true);
      if (args.has("tpe_args")) {
        const Section tpe = args.section("tpe_args");
        for (const auto& [c, k] : tpe.keys) {
          if (k == "n_startup_jobs") {
            sampler_option(tpe, k, "n_startup_trials", tpe.integer(c, 0));
          } else if (k == "n_ei_candidates") {
            sampler_option(tpe, k, "n_ei_candidates", tpe.integer(c, 1));
          } else if (k == "prior_weight") {
            sampler_option(tpe, k, "prior_weight", tpe.number(c));
          } else if (k == "constant_liar_type") {
            sampler_option(tpe, k, "constant_liar", true);
          } else if (one_of(k, {"linear_forgetting", "gamma"})) {
            warn(fmt::format("{}: ignored: Parzen's TPE uses Optuna's fixed gamma and weights",
                             tpe.where(c)));
          } else {
            tpe.fail(c,
                     "is not a TPE argument; NNI's are n_startup_jobs, n_ei_candidates, "
                     "prior_weight, constant_liar_type, linear_forgetting and gamma");
          }
        }
      }
    } else if (name == "random" || name == "randomsearch") {
      sampler("random");
      seed(args);
      check_args(args, {"seed"}, {});
    } else if (name == "gridsearch" || name == "grid") {
      sampler("grid");
      check_args(args, {}, {});
    } else if (name == "batchtuner" || name == "batch") {
      sampler("grid");
      batch_ = true;
      check_args(args, {}, {});
      batch_space(t);
    } else if (name == "gptuner" || name == "gp") {
      sampler("gp");
      check_args(args, {"utility", "kappa", "cold_start_num"},
                 {{"xi", "Parzen's GP uses log expected improvement without xi"},
                  {"nu", "Parzen's GP uses a Matern-5/2 kernel"},
                  {"alpha", "Parzen's GP fits its noise level"},
                  {"selection_num_warm_up", "Parzen optimises the acquisition its own way"},
                  {"selection_num_starting_points",
                   "Parzen optimises the acquisition its own "
                   "way"}});
      if (args.has("utility")) {
        const std::string u = args.string("utility");
        const std::map<std::string, std::string> kAcq = {
            {"ei", "ei"}, {"ucb", "ucb"}, {"poi", "pi"}};
        if (!kAcq.count(u))
          args.fail("utility", fmt::format("'{}' is not a utility; NNI's are ei, ucb and poi", u));
        sampler_option(args, "utility", "acquisition", kAcq.at(u));
      }
      if (args.has("kappa")) {
        const double kappa = args.number("kappa");
        sampler_option(args, "kappa", "ucb_beta", kappa * kappa);  // mean + kappa * sd
      }
      if (args.has("cold_start_num"))
        sampler_option(args, "cold_start_num", "n_startup_trials",
                       args.integer("cold_start_num", 1));
    } else if (name == "evolution" || name == "regularizedevolution" ||
               name == "regularizedevolutiontuner") {
      // Both run as Parzen's regularized (aging) evolution (docs/nni.md). NNI's Evolution tuner
      // (population_size 32) mutates the better of two random individuals: a tournament of 2;
      // its replacement (the worse of the pair dies) becomes aging (the oldest dies).
      sampler("regularized_evolution");
      const bool regularized = name != "evolution";
      if (!regularized) {
        if (args.has("population_size"))
          sampler_option(args, "population_size", "population_size",
                         args.integer("population_size", 1));
        else
          set_in("sampler", "population_size", 32, name_ptr);  // NNI's default
        set_in("sampler", "sample_size", 2, name_ptr);
        warn(
            fmt::format("{}: NNI's Evolution runs as Parzen's regularized evolution with a "
                        "tournament of 2: the oldest member dies instead of the worse of the "
                        "pair (docs/nni.md)",
                        t.where("name")));
        check_args(args, {"population_size"}, {});
      } else {
        if (args.has("population_size"))
          sampler_option(args, "population_size", "population_size",
                         args.integer("population_size", 1));
        if (args.has("sample_size"))
          sampler_option(args, "sample_size", "sample_size", args.integer("sample_size", 1));
        if (args.has("mutation_prob")) {
          const double p = args.number("mutation_prob");
          if (!(p >= 0 && p <= 1))
            args.fail("mutation_prob", fmt::format("{} is not a probability in [0, 1]", p));
          sampler_option(args, "mutation_prob", "mutation_prob", p);
        }
        if (args.has("on_failure") && args.string("on_failure") != "ignore")
          args.fail("on_failure",
                    "Parzen's regularized evolution ignores failed trials (on_failure: "
                    "ignore); 'worst' is not supported");
        seed(args);
        check_args(args, {"population_size", "sample_size", "mutation_prob", "on_failure", "seed"},
                   {{"dedup", "Parzen does not skip duplicate architectures"}});
      }
    } else if (name == "hyperband" || name == "bohb") {
      hyperband_ = true;
      const bool bohb = name == "bohb";
      sampler(bohb ? "bohb" : "random");
      const char* min_key = bohb ? "min_budget" : nullptr;
      const char* max_key = bohb ? "max_budget" : "R";
      int64_t min_resource = 1;
      // NNI's defaults: Hyperband R = 60, eta = 3; BOHB min_budget 1, max_budget 3, eta 3.
      int64_t max_resource = bohb ? 3 : 60;
      int64_t eta = 3;
      if (min_key && args.has(min_key)) min_resource = args.integer(min_key, 1);
      if (args.has(canonical(max_key))) max_resource = args.integer(canonical(max_key), 1);
      if (args.has("eta")) eta = args.integer("eta", 2);
      if (max_resource < min_resource)
        args.fail(canonical(max_key), fmt::format("{} ({}) must be at least min_budget ({})",
                                                  max_key, max_resource, min_resource));
      const std::string where = has_args ? t.ptr("classargs") : name_ptr;
      set_in("pruner", "type", "hyperband", where);
      set_in("pruner", "min_resource", min_resource, where);
      set_in("pruner", "max_resource", max_resource, where);
      set_in("pruner", "reduction_factor", eta, where);
      // As NNI does, the trial finds its budget in its parameters (TRIAL_BUDGET): here the most
      // a trial may use; the Hyperband pruner stops it early at a rung (docs/nni.md).
      environment_["PARZEN_NNI_TRIAL_BUDGET"] = std::to_string(max_resource);
      if (bohb) {
        seed(args);
        if (args.has("min_points_in_model"))
          sampler_option(args, "min_points_in_model", "min_points",
                         args.integer("min_points_in_model", 0));
        const std::string ignored =
            "Parzen's BOHB is TPE on the Hyperband rungs (Optuna's "
            "model), without this knob";
        check_args(args, {"min_budget", "max_budget", "eta", "min_points_in_model", "seed"},
                   {{"top_n_percent", ignored},
                    {"num_samples", ignored},
                    {"random_fraction", ignored},
                    {"bandwidth_factor", ignored},
                    {"min_bandwidth", ignored},
                    {"config_space", ignored}});
      } else {
        seed(args);
        check_args(args, {"R", "eta", "seed"},
                   {{"exec_mode", "Parzen runs every bracket at once, asynchronously (ASHA)"}});
      }
    } else {
      static const std::map<std::string, std::string> kRefused = {
          {"smac", "Parzen has no SMAC (random forests); use name: TPE or GPTuner"},
          {"metistuner", "Parzen has no Metis; use name: GPTuner (Gaussian-process BO)"},
          {"metis", "Parzen has no Metis; use name: GPTuner (Gaussian-process BO)"},
          {"dngotuner", "Parzen has no DNGO; use name: GPTuner (Gaussian-process BO)"},
          {"dngo", "Parzen has no DNGO; use name: GPTuner (Gaussian-process BO)"},
          {"pbttuner",
           "Parzen has no population-based training; use name: TPE with an "
           "assessor (Medianstop) or name: Hyperband"},
          {"pbt",
           "Parzen has no population-based training; use name: TPE with an assessor "
           "(Medianstop) or name: Hyperband"},
          {"ppotuner",
           "PPO is a neural-architecture-search tuner; Parzen tunes "
           "hyperparameters: use name: TPE"},
          {"networkmorphism",
           "network morphism is a neural-architecture-search tuner; Parzen "
           "tunes hyperparameters: use name: TPE"},
      };
      if (auto it = kRefused.find(name); it != kRefused.end())
        t.fail("name", fmt::format("tuner {} is not supported: {}", tuner_name_, it->second));
      t.fail("name",
             fmt::format("unknown tuner '{}'; Parzen runs TPE, Random, Anneal (as TPE), "
                         "GridSearch, BatchTuner, GPTuner, Evolution, RegularizedEvolution, "
                         "Hyperband and BOHB",
                         tuner_name_));
    }
    finish_space();
  }

  // NNI's BatchTuner: the space is one choice, combine_params, whose values are whole parameter
  // sets; the trial gets the chosen set itself. Each set is stored as its JSON text (a grid
  // enumerates them once) and the nni module decodes it.
  void batch_space(const Section& t) {
    const auto refuse = [&](const std::string& why) {
      (void)t;
      top_.fail(top_.present("searchSpaceFile") ? "searchSpaceFile" : "searchSpace",
                fmt::format("{}: tuner BatchTuner needs a search space with the one key "
                            "combine_params, {{\"_type\": \"choice\", \"_value\": [{{...}}, "
                            "{{...}}]}}, whose values are the parameter sets to run",
                            why));
    };
    if (space_.is_null()) refuse("the space file could not be read");
    if (!space_.is_object() || space_.size() != 1 || !space_.contains("combine_params"))
      refuse("this space is not in that form");
    const ojson& cp = space_["combine_params"];
    if (!cp.is_object() || cp.value("_type", ojson()) != "choice" || !cp.contains("_value") ||
        !cp["_value"].is_array() || cp["_value"].empty())
      refuse("combine_params is not a non-empty choice");
    ojson texts = ojson::array();
    std::set<std::string> seen;
    for (const auto& v : cp["_value"]) {
      const std::string text = v.dump();
      if (seen.insert(text).second) texts.push_back(text);
    }
    space_ = ojson::object();
    space_["combine_params"] = {{"_type", "choice"}, {"_value", texts}};
    environment_["PARZEN_NNI_TUNER"] = "BatchTuner";
  }

  // --- assessor -> pruner ----------------------------------------------------------------------

  void assessor() {
    if (!top_.has("assessor")) return;
    const Section a = top_.section("assessor");
    a.warn_unknown({"name", "classargs", "classname", "codedirectory", "classfilename"},
                   {"name", "classArgs"}, out_.warnings);
    for (const char* custom : {"classname", "codedirectory", "classfilename"})
      if (a.has(custom))
        a.fail(custom,
               "a customised assessor (Python code run inside NNI) cannot run in Parzen; "
               "use name: Medianstop");
    if (!a.has("name")) a.fail("name", "missing: the assessor's name, e.g. name: Medianstop");
    const std::string shown = a.string("name");
    const std::string name = canonical(shown);
    if (hyperband_)
      a.fail("name", fmt::format("tuner {} already stops trials early (it is Parzen's Hyperband "
                                 "pruner); remove the assessor",
                                 tuner_name_));
    static const ojson kEmpty = ojson::object();
    const bool has_args = a.has("classargs");
    const Section args =
        has_args ? a.section("classargs") : Section(kEmpty, top_.map, a.ptr("name"), a.shown);
    if (name == "medianstop") {
      optimize_mode(args, false);
      set_in("pruner", "type", "median", a.ptr("name"));
      for (const auto& [c, k] : args.keys) {
        if (k == "optimize_mode") continue;
        if (k == "start_step") {
          // NNI judges a trial once it has start_step results; Parzen's steps count from 1.
          set_in("pruner", "n_warmup_steps", args.integer(c, 0), args.ptr(c));
        } else {
          args.fail(c,
                    "is not an argument of Medianstop; its arguments are optimize_mode and "
                    "start_step");
        }
      }
    } else if (name == "curvefitting") {
      a.fail("name",
             "assessor Curvefitting is not supported (Parzen does not extrapolate "
             "learning curves); use name: Medianstop, or tuner Hyperband");
    } else {
      a.fail("name", fmt::format("unknown assessor '{}'; Parzen runs Medianstop (its median "
                                 "pruner)",
                                 shown));
    }
  }

  // --- trainingService -> local trials and GPUs ------------------------------------------------

  void training_service() {
    std::optional<Section> ts;
    if (top_.has("trainingservice")) {
      const ojson& v = top_.at("trainingservice");
      if (v.is_array()) {
        if (v.size() != 1)
          top_.fail("trainingservice",
                    "a hybrid of several training services is not supported: Parzen runs "
                    "trials on this machine; give trainingService: {platform: local} (for "
                    "several machines, run `parzen worker` on each: docs/distributed.md)");
        const std::string p = pointer_append(top_.ptr("trainingservice"), "0");
        if (!v[0].is_object())
          top_.fail("trainingservice", "must be a mapping with platform: local");
        ts.emplace(v[0], top_.map, p, top_.key("trainingservice"));
      } else {
        ts.emplace(top_.section("trainingservice"));
      }
    } else {
      top_.fail("trainingService", "missing: NNI needs trainingService: {platform: local}");
    }
    ts->warn_unknown({"platform", "useactivegpu", "maxtrialnumberpergpu", "gpuindices", "reusemode",
                      "trialcommand", "trialcodedirectory", "trialgpunumber", "nnimanagerip"},
                     {"platform", "useActiveGpu", "maxTrialNumberPerGpu", "gpuIndices",
                      "trialCommand", "trialCodeDirectory", "trialGpuNumber"},
                     out_.warnings);
    if (!ts->has("platform"))
      ts->fail("platform", "missing: Parzen runs NNI's local training service: platform: local");
    const std::string platform = ts->string("platform");
    if (platform != "local")
      ts->fail("platform",
               fmt::format("platform '{}' is not supported: Parzen runs trials on this machine "
                           "(platform: local); for several machines, run `parzen worker` on "
                           "each against one PostgreSQL storage (docs/distributed.md)",
                           platform));
    if (ts->has("useactivegpu")) ts->boolean("useactivegpu");
    if (ts->has("reusemode")) ts->boolean("reusemode");

    // GPUs: trialGpuNumber (top level or here), gpuIndices, maxTrialNumberPerGpu.
    const Section* g = top_.has("trialgpunumber")  ? &top_
                       : ts->has("trialgpunumber") ? &*ts
                                                   : nullptr;
    if (g) {
      const int64_t n = g->integer("trialgpunumber", 0);
      if (n == 0) {
        // NNI: a trial with trialGpuNumber 0 sees no GPU.
        environment_["CUDA_VISIBLE_DEVICES"] = "";
      } else {
        need_device_keys(*g, "trialgpunumber");
        set("gpus_per_trial", n, g->ptr("trialgpunumber"));
      }
    }
    if (ts->has("gpuindices")) {
      const ojson& v = ts->at("gpuindices");
      ojson gpus = ojson::array();
      if (v.is_number_integer()) {
        gpus.push_back(v.get<int64_t>());
      } else if (v.is_string()) {
        std::stringstream ss(v.get<std::string>());
        for (std::string item; std::getline(ss, item, ',');) {
          int64_t i = -1;
          const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), i);
          if (ec != std::errc() || end != item.data() + item.size() || i < 0)
            ts->fail("gpuindices", fmt::format("'{}' is not a list of GPU indices such as "
                                               "\"0,1\" or [0, 1]",
                                               v.get<std::string>()));
          gpus.push_back(i);
        }
      } else if (v.is_array()) {
        for (const auto& i : v) {
          if (!i.is_number_integer() || i.get<int64_t>() < 0)
            ts->fail("gpuindices",
                     fmt::format("must be GPU indices (integers from 0), not {}", v.dump()));
          gpus.push_back(i);
        }
      } else {
        ts->fail("gpuindices",
                 fmt::format("must be GPU indices such as [0, 1], not {}", json_kind(v)));
      }
      if (g && g->integer("trialgpunumber", 0) == 0) {
        warn(fmt::format("{}: ignored: trialGpuNumber is 0, so trials see no GPU",
                         ts->where("gpuindices")));
      } else {
        need_device_keys(*ts, "gpuindices");
        set("gpus", gpus, ts->ptr("gpuindices"));
      }
    }
    if (ts->has("maxtrialnumberpergpu")) {
      const int64_t n = ts->integer("maxtrialnumberpergpu", 1);
      need_device_keys(*ts, "maxtrialnumberpergpu");
      set("trials_per_gpu", n, ts->ptr("maxtrialnumberpergpu"));
    }
  }

  void need_device_keys(const Section& s, const std::string& c) {
    if (!is_experiment_key("gpus") || !is_experiment_key("gpus_per_trial") ||
        !is_experiment_key("trials_per_gpu"))
      s.fail(c,
             "assigning GPUs to trials needs the experiment keys gpus, gpus_per_trial and "
             "trials_per_gpu, which this build of parzen lacks");
  }
};

}  // namespace

bool is_nni_config_path(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  return ext == ".yml" || ext == ".yaml";
}

ojson yaml_to_json(const std::string& text, SourceMap& map) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(
        fmt::format("{}:{}:{}: {}", map.file, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  ojson out;
  map.lines[""] = 1;
  size_t values = 0;
  convert(root, out, "", map, 0, values);
  return out;
}

NniConversion convert_nni_config(const std::string& text, const std::string& path,
                                 bool require_command) {
  NniConversion out;
  SourceMap map;
  map.file = path;
  const ojson doc = yaml_to_json(text, map);
  if (!doc.is_object())
    map.fail("", "",
             doc.is_null() ? "the file is empty: an NNI experiment config is a mapping "
                             "of keys (trialCommand, searchSpaceFile, tuner, ...)"
                           : "an NNI experiment config must be a mapping of keys");
  out.map.file = path;
  out.map.lines[""] = 1;
  const fs::path dir = fs::absolute(fs::path(path)).parent_path();
  Converter(doc, map, dir, out).run(require_command);
  return out;
}

Experiment parse_nni_experiment(const std::string& text, const std::string& path,
                                bool require_command,
                                const std::function<void(const std::string&)>& warn) {
  NniConversion c = convert_nni_config(text, path, require_command);
  for (const auto& w : c.warnings) {
    if (warn)
      warn(w);
    else
      fmt::print(stderr, "parzen: warning: {}\n", w);
  }
  const fs::path p(path);
  Experiment e = interpret_experiment(c.doc, c.map, fs::absolute(p).parent_path(),
                                      p.stem().string(), require_command);
  e.file = path;
  if (nni_module_directory().empty()) {
    const std::string w =
        "the `nni` module of Parzen (share/parzen/python/nni) was not found beside the parzen "
        "executable: trials that `import nni` will fail; reinstall Parzen";
    if (warn)
      warn(w);
    else
      fmt::print(stderr, "parzen: warning: {}\n", w);
  }
  return e;
}

std::string nni_module_directory() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const fs::path dir = exe.parent_path();
  for (const fs::path& candidate :
       {dir / "share" / "parzen" / "python", dir / ".." / "share" / "parzen" / "python"}) {
    if (fs::is_regular_file(candidate / "nni" / "__init__.py", ec))
      return candidate.lexically_normal().string();
  }
  return "";
}

void add_nni_module_path(std::map<std::string, std::string>& environment) {
  static const std::string dir = nni_module_directory();
  if (dir.empty()) return;
  std::string rest;
  if (auto it = environment.find("PYTHONPATH"); it != environment.end()) {
    rest = it->second;
  } else if (const char* inherited = std::getenv("PYTHONPATH")) {
    rest = inherited;
  }
  environment["PYTHONPATH"] = rest.empty() ? dir : dir + ":" + rest;
}

}  // namespace parzen::cli
