#include "cli/space.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <boost/math/special_functions/erf.hpp>

#include "cli/options_reader.hpp"
#include "parzen/study.hpp"

namespace parzen::cli {
namespace {

using ojson = nlohmann::ordered_json;

constexpr double kNormalTail = 1e-6;  // quantiles sampled for NNI's normal types

const char* const kNniTypes =
    "choice, randint, uniform, quniform, loguniform, qloguniform, normal, qnormal, lognormal, "
    "qlognormal";

struct Parser {
  const SourceMap& map;

  [[noreturn]] void fail(const std::string& ptr, const std::string& name,
                         const std::string& msg) const {
    map.fail(ptr, name, msg);
  }

  // Values and keys are read by the reader experiment files use too; `name` is the parameter's.
  OptionsReader reader(const ojson& table, const std::string& ptr, const std::string& name) const {
    return OptionsReader{table, map, ptr, name};
  }

  double number(const ojson& v, const std::string& ptr, const std::string& name,
                const std::string& what) const {
    return reader(v, ptr, name).number_at(v, ptr, what);
  }

  int64_t integer(const ojson& v, const std::string& ptr, const std::string& name,
                  const std::string& what) const {
    return reader(v, ptr, name).whole_number_at(v, ptr, what);
  }

  void check_keys(const ojson& obj, const std::string& ptr, const std::string& name,
                  const std::vector<std::string>& allowed) const {
    reader(obj, ptr, name).check_keys(allowed);
  }

  // JSON null (NNI's and Hyperopt's None) is refused rather than half supported: a parameter
  // value is a bool, integer, float or string in every sampler, storage row and export.
  [[noreturn]] void null_choice(const std::string& ptr, const std::string& name, size_t i) const {
    fail(ptr, name,
         fmt::format("choice {} is null, which is not a choice value in Parzen; write the string "
                     "\"None\" instead (the trial receives the text None) and map it back in the "
                     "program, e.g. {} = None if v == \"None\" else int(v)",
                     i, name));
  }

  void validated(SpaceParam& p, const std::string& ptr) const {
    try {
      validate(p.distribution, p.name);
    } catch (const InvalidArgument& e) {
      fail(ptr, p.name, e.what());
    }
  }

  std::vector<SpaceParam> params(const ojson& obj, const std::string& ptr,
                                 const std::string& prefix) const {
    if (!obj.is_object())
      fail(ptr, prefix,
           fmt::format("a search space must be a table of parameters, not {}", json_kind(obj)));
    std::vector<SpaceParam> out;
    for (const auto& [key, spec] : obj.items()) {
      if (!prefix.empty() && key == "_name") continue;  // a sub-space's own name
      out.push_back(param(key, spec, pointer_append(ptr, key), prefix));
    }
    return out;
  }

  SpaceParam param(const std::string& key, const ojson& spec, const std::string& ptr,
                   const std::string& prefix) const {
    SpaceParam p;
    p.key = key;
    p.name = prefix.empty() ? key : prefix + "." + key;
    if (key.empty()) fail(ptr, p.name, "a parameter name must not be empty");
    if (key.find_first_of("{}") != std::string::npos)
      fail(ptr, p.name, "a parameter name must not contain '{' or '}'");
    // Names head CSV columns, JSON keys and C strings (where a NUL would end them); the storage
    // would replace a NUL, so the params and the distributions of an export would disagree.
    if (std::any_of(key.begin(), key.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; }))
      fail(ptr, unquoted(escaped_text(p.name)),
           "a parameter name must not hold control characters (shown escaped); use printable "
           "characters only");
    if (!spec.is_object())
      fail(ptr, p.name,
           fmt::format("a parameter must be a table such as {{\"_type\": \"uniform\", "
                       "\"_value\": [0, 1]}} or {{type = \"float\", low = 0, high = 1}}, not {}",
                       json_kind(spec)));
    if (spec.contains("_type")) {
      nni(p, spec, ptr);
    } else if (spec.contains("preset")) {
      preset(p, spec, ptr);
    } else if (spec.contains("type")) {
      native(p, spec, ptr);
    } else {
      fail(ptr, p.name,
           "a parameter needs \"_type\" (NNI format), \"type\" (float, int, categorical) or "
           "\"preset\"");
    }
    return p;
  }

  std::vector<double> values(const ojson& spec, const std::string& ptr, const SpaceParam& p,
                             size_t n, const char* form) const {
    const std::string vptr = pointer_append(ptr, "_value");
    if (!spec.contains("_value")) fail(ptr, p.name, fmt::format("missing \"_value\": {}", form));
    const auto& v = spec["_value"];
    if (!v.is_array() || v.size() != n)
      fail(vptr, p.name,
           fmt::format("\"_value\" of {} must be {}, not {}", p.type, form, v.dump()));
    std::vector<double> out;
    for (size_t i = 0; i < n; ++i)
      out.push_back(number(v[i], pointer_append(vptr, std::to_string(i)), p.name,
                           fmt::format("\"_value\"[{}]", i)));
    return out;
  }

  void nni(SpaceParam& p, const ojson& spec, const std::string& ptr) const {
    check_keys(spec, ptr, p.name, {"_type", "_value"});
    const std::string tptr = pointer_append(ptr, "_type");
    if (!spec["_type"].is_string()) fail(tptr, p.name, "\"_type\" must be a string");
    p.type = spec["_type"].get<std::string>();
    const std::string vptr = pointer_append(ptr, "_value");
    if (p.type == "input_choice" || p.type == "mutable_layer")
      fail(tptr, p.name,
           fmt::format("NNI's neural-architecture-search type '{}' is not supported: Parzen tunes "
                       "hyperparameters; write each decision as a choice, e.g. {{\"_type\": "
                       "\"choice\", \"_value\": [\"a\", \"b\"]}} (one choice per input to "
                       "choose), and build the network from the chosen values in the trial",
                       p.type));
    // NNI's layer_choice (a list of candidate names) is a choice: the trial gets the name.
    if (p.type == "choice" || p.type == "layer_choice") {
      if (!spec.contains("_value") || !spec["_value"].is_array() || spec["_value"].empty())
        fail(spec.contains("_value") ? vptr : ptr, p.name,
             "\"_value\" of choice must be a non-empty array of values");
      CategoricalDistribution d;
      size_t i = 0;
      for (const auto& c : spec["_value"]) {
        const std::string cptr = pointer_append(vptr, std::to_string(i));
        if (c.is_object()) {
          if (!c.contains("_name"))
            fail(cptr, p.name,
                 fmt::format("choice {} is a table without \"_name\": give it \"_name\" to make "
                             "it a nested sub-space ({{\"_name\": \"adam\", \"lr\": {{...}}}}), "
                             "or, for NNI's BatchTuner format (a list of whole parameter sets), "
                             "use tuner BatchTuner with the one key combine_params",
                             i));
          if (!c["_name"].is_string())
            fail(cptr, p.name,
                 fmt::format("choice {} is a sub-space and needs a string \"_name\"", i));
          const std::string branch = c["_name"].get<std::string>();
          d.choices.emplace_back(branch);
          p.branches[i] = params(c, cptr, p.name + "." + branch);
        } else if (c.is_boolean()) {
          d.choices.emplace_back(c.get<bool>());
        } else if (c.is_number_integer()) {
          d.choices.emplace_back(c.get<int64_t>());
        } else if (c.is_number()) {
          d.choices.emplace_back(number(c, cptr, p.name, fmt::format("choice {}", i)));
        } else if (c.is_string()) {
          d.choices.emplace_back(c.get<std::string>());
        } else if (c.is_null()) {
          null_choice(cptr, p.name, i);
        } else {
          fail(cptr, p.name,
               fmt::format("choice {} must be a number, string, boolean or a sub-space "
                           "{{\"_name\": ...}}, not {}",
                           i, json_kind(c)));
        }
        ++i;
      }
      p.distribution = d;
      validated(p, vptr);
      return;
    }
    if (p.type == "randint") {
      if (!spec.contains("_value") || !spec["_value"].is_array() || spec["_value"].size() != 2)
        fail(spec.contains("_value") ? vptr : ptr, p.name,
             "\"_value\" of randint must be [lower, upper] (upper excluded)");
      const int64_t lo = integer(spec["_value"][0], vptr + "/0", p.name, "lower");
      const int64_t hi = integer(spec["_value"][1], vptr + "/1", p.name, "upper");
      if (hi <= lo)
        fail(vptr, p.name,
             fmt::format("randint needs lower < upper (upper is excluded), got [{}, {}]", lo, hi));
      p.distribution = IntDistribution{.low = lo, .high = hi - 1};
      return;
    }
    if (p.type == "uniform" || p.type == "loguniform") {
      const auto v = values(spec, ptr, p, 2, "[low, high]");
      if (v[0] > v[1])
        fail(vptr, p.name, fmt::format("low must not exceed high, got [{}, {}]", v[0], v[1]));
      if (p.type == "loguniform" && v[0] <= 0)
        fail(vptr, p.name, fmt::format("loguniform needs low > 0, got {}", v[0]));
      p.distribution = FloatDistribution{.low = v[0], .high = v[1], .log = p.type == "loguniform"};
      validated(p, vptr);
      return;
    }
    if (p.type == "quniform" || p.type == "qloguniform") {
      const auto v = values(spec, ptr, p, 3, "[low, high, q]");
      if (v[0] > v[1])
        fail(vptr, p.name, fmt::format("low must not exceed high, got [{}, {}]", v[0], v[1]));
      if (v[2] <= 0) fail(vptr + "/2", p.name, fmt::format("q must be positive, got {}", v[2]));
      const bool log = p.type == "qloguniform";
      if (log && v[0] <= 0)
        fail(vptr, p.name, fmt::format("qloguniform needs low > 0, got {}", v[0]));
      const auto multiple = [&](double x) {
        const double k = x / v[2];
        return std::fabs(k - std::round(k)) < 1e-9 * std::max(1.0, std::fabs(k));
      };
      if (!log && multiple(v[0]) && multiple(v[1])) {
        // Exactly NNI's value set: the multiples of q from low to high.
        p.distribution = FloatDistribution{.low = v[0], .high = v[1], .step = v[2]};
        if (v[0] == v[1]) p.distribution = FloatDistribution{.low = v[0], .high = v[1]};
      } else {
        p.distribution = FloatDistribution{.low = v[0], .high = v[1], .log = log};
        p.transform = SpaceParam::Transform::Quantize;
        p.q = v[2];
        p.clip = std::pair{v[0], v[1]};
      }
      validated(p, vptr);
      return;
    }
    if (p.type == "normal" || p.type == "qnormal" || p.type == "lognormal" ||
        p.type == "qlognormal") {
      const bool quantised = p.type[0] == 'q';
      const auto v =
          values(spec, ptr, p, quantised ? 3 : 2, quantised ? "[mu, sigma, q]" : "[mu, sigma]");
      if (v[1] <= 0) fail(vptr + "/1", p.name, fmt::format("sigma must be positive, got {}", v[1]));
      if (quantised && v[2] <= 0)
        fail(vptr + "/2", p.name, fmt::format("q must be positive, got {}", v[2]));
      p.distribution = FloatDistribution{.low = kNormalTail, .high = 1.0 - kNormalTail};
      p.transform = SpaceParam::Transform::Normal;
      p.mu = v[0];
      p.sigma = v[1];
      p.exponentiate = p.type.find("lognormal") != std::string::npos;
      if (quantised) p.q = v[2];
      return;
    }
    fail(tptr, p.name, fmt::format("unknown _type '{}'; expected one of: {}", p.type, kNniTypes));
  }

  void native(SpaceParam& p, const ojson& spec, const std::string& ptr) const {
    const std::string tptr = pointer_append(ptr, "type");
    if (!spec["type"].is_string()) fail(tptr, p.name, "\"type\" must be a string");
    p.type = spec["type"].get<std::string>();
    const auto field = [&](const char* k) -> const ojson& {
      if (!spec.contains(k))
        fail(ptr, p.name, fmt::format("a {} parameter needs \"{}\"", p.type, k));
      return spec[k];
    };
    const auto flag = [&](const char* k) {
      if (!spec.contains(k)) return false;
      if (!spec[k].is_boolean())
        fail(pointer_append(ptr, k), p.name + "." + k, "must be true or false");
      return spec[k].get<bool>();
    };
    // float and int share their keys; only the number type differs.
    const auto bounded = [&](auto d, auto read) {
      check_keys(spec, ptr, p.name, {"type", "low", "high", "log", "step"});
      d.low = read(field("low"), pointer_append(ptr, "low"), p.name, "low");
      d.high = read(field("high"), pointer_append(ptr, "high"), p.name, "high");
      d.log = flag("log");
      if (spec.contains("step"))
        d.step = read(spec["step"], pointer_append(ptr, "step"), p.name, "step");
      p.distribution = d;
    };
    const auto read_number = [this](const auto&... a) { return number(a...); };
    const auto read_integer = [this](const auto&... a) { return integer(a...); };
    if (p.type == "float") {
      bounded(FloatDistribution{}, read_number);
    } else if (p.type == "int") {
      bounded(IntDistribution{}, read_integer);
    } else if (p.type == "categorical") {
      check_keys(spec, ptr, p.name, {"type", "choices"});
      const auto& choices = field("choices");
      const std::string cptr = pointer_append(ptr, "choices");
      if (!choices.is_array()) fail(cptr, p.name, "\"choices\" must be an array");
      CategoricalDistribution d;
      size_t i = 0;
      for (const auto& c : choices) {
        const std::string eptr = pointer_append(cptr, std::to_string(i));
        if (c.is_boolean())
          d.choices.emplace_back(c.get<bool>());
        else if (c.is_number_integer())
          d.choices.emplace_back(c.get<int64_t>());
        else if (c.is_number())
          d.choices.emplace_back(number(c, eptr, p.name, fmt::format("choice {}", i)));
        else if (c.is_string())
          d.choices.emplace_back(c.get<std::string>());
        else if (c.is_null())
          null_choice(eptr, p.name, i);
        else
          fail(eptr, p.name,
               fmt::format("choice {} must be a number, string or boolean, not {}", i,
                           json_kind(c)));
        ++i;
      }
      p.distribution = d;
    } else {
      fail(tptr, p.name,
           fmt::format("unknown type '{}'; expected float, int or categorical (or NNI's _type: "
                       "{})",
                       p.type, kNniTypes));
    }
    validated(p, ptr);
  }

  void preset(SpaceParam& p, const ojson& spec, const std::string& ptr) const {
    check_keys(spec, ptr, p.name, {"preset", "finetune"});
    const std::string pptr = pointer_append(ptr, "preset");
    if (!spec["preset"].is_string()) fail(pptr, p.name, "\"preset\" must be a string");
    const std::string name = spec["preset"].get<std::string>();
    const Preset* found = nullptr;
    try {
      found = &find_preset(name);
    } catch (const ConfigError& e) {
      fail(pptr, p.name, e.what());
    }
    bool finetune = false;
    if (spec.contains("finetune")) {
      if (!spec["finetune"].is_boolean())
        fail(pointer_append(ptr, "finetune"), p.name + ".finetune", "must be true or false");
      finetune = spec["finetune"].get<bool>();
    }
    if (finetune && !found->finetune)
      fail(pointer_append(ptr, "finetune"), p.name + ".finetune",
           fmt::format("preset '{}' has no fine-tuning range", name));
    p.type = "preset " + name + (finetune ? " (finetune)" : "");
    p.distribution = finetune ? *found->finetune : found->distribution;
  }
};

void collect_names(const std::vector<SpaceParam>& params, std::vector<std::string>& out) {
  for (const auto& p : params) {
    out.push_back(p.name);
    for (const auto& [i, sub] : p.branches) collect_names(sub, out);
  }
}

ojson to_ojson(const ParamValue& v) {
  return std::visit([](const auto& x) { return ojson(x); }, v);
}

void suggest_into(const std::vector<SpaceParam>& params, Trial& trial, ojson& nested,
                  SuggestedParams& out) {
  for (const auto& p : params) {
    const ParamValue v = trial.suggest(p.name, p.distribution);
    ojson shown = p.present(v);
    out.flat[p.name] = shown;
    out.text[p.name] = placeholder_text(shown);
    if (!p.branches.empty()) {
      const auto& choices = std::get<CategoricalDistribution>(p.distribution).choices;
      const auto idx =
          static_cast<size_t>(std::find(choices.begin(), choices.end(), v) - choices.begin());
      if (auto it = p.branches.find(idx); it != p.branches.end()) {
        ojson sub = ojson::object();
        sub["_name"] = shown;
        suggest_into(it->second, trial, sub, out);
        shown = std::move(sub);
      }
    }
    nested[p.key] = std::move(shown);
  }
}

}  // namespace

ojson SpaceParam::present(const ParamValue& sampled) const {
  if (transform == Transform::None) return to_ojson(sampled);
  double x = std::get<double>(sampled);
  if (transform == Transform::Normal) {
    x = mu + sigma * std::sqrt(2.0) * boost::math::erf_inv(2.0 * x - 1.0);
    if (exponentiate) x = std::exp(x);
  }
  if (q) x = decimal_grid_point(0.0, *q, std::round(x / *q));  // 0.3, not 0.30000000000000004
  if (clip) x = std::clamp(x, clip->first, clip->second);
  return ojson(x);
}

std::vector<std::string> Space::names() const {
  std::vector<std::string> out;
  collect_names(params, out);
  return out;
}

Space parse_space(const ojson& json, const SourceMap& map, const std::string& base) {
  Space space;
  space.params = Parser{map}.params(json, base, "");
  if (space.params.empty()) map.fail(base, "", "the search space has no parameters");
  const auto names = space.names();
  std::set<std::string> seen;
  for (const auto& n : names)
    if (!seen.insert(n).second) map.fail(base, n, "two parameters have this full name; rename one");
  space.source = json;
  return space;
}

Space load_space_file(const std::string& path) {
  // A directory reads as an empty file and a device (/dev/zero) without end: refuse both.
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(status))
    throw ConfigError(
        fmt::format("{}: cannot open the search space file: it is a directory, not a file", path));
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
    throw ConfigError(fmt::format(
        "{}: cannot open the search space file: it is not a regular file (a device or pipe)",
        path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot open the search space file", path));
  std::stringstream ss;
  ss << in.rdbuf();
  SourceMap map;
  map.file = path;
  const auto json = parse_json_with_lines(ss.str(), map);
  return parse_space(json, map);
}

SuggestedParams suggest_all(const Space& space, Trial& trial) {
  SuggestedParams out;
  suggest_into(space.params, trial, out.nested, out);
  return out;
}

std::string placeholder_text(const ojson& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) return fmt::format("{}", value.get<double>());
  return value.dump();
}

std::vector<std::pair<std::string, std::vector<ParamValue>>> grid_of(const Space& space,
                                                                     size_t max_values) {
  std::vector<std::pair<std::string, std::vector<ParamValue>>> grid;
  for (const auto& p : space.params) {
    const auto fail = [&](const std::string& why) {
      throw ConfigError(fmt::format("parameter '{}' ({}): {}", p.name, p.type, why));
    };
    if (!p.branches.empty()) fail("grid search does not support nested choices");
    if (p.transform != SpaceParam::Transform::None)
      fail("grid search needs a finite set of values (choice, randint, quniform)");
    std::vector<ParamValue> values;
    std::visit(
        [&](const auto& d) {
          using D = std::decay_t<decltype(d)>;
          if constexpr (std::is_same_v<D, CategoricalDistribution>) {
            values = d.choices;
          } else if constexpr (std::is_same_v<D, IntDistribution>) {
            if (static_cast<uint64_t>((d.high - d.low) / d.step) >= max_values)
              fail(fmt::format("{} values are too many for a grid", (d.high - d.low) / d.step + 1));
            for (int64_t v = d.low; v <= d.high; v += d.step) values.emplace_back(v);
          } else {
            if (!d.step && d.low != d.high)
              fail(
                  "grid search needs a finite set of values: use a choice, or a float with a "
                  "step");
            const double step = d.step.value_or(1.0);
            const auto n = static_cast<uint64_t>(std::llround((d.high - d.low) / step)) + 1;
            if (n > max_values) fail(fmt::format("{} values are too many for a grid", n));
            for (uint64_t i = 0; i < n; ++i)
              values.emplace_back(grid_value(d, static_cast<int64_t>(i)));  // 0.3, not 0.30..04
          }
        },
        p.distribution);
    grid.emplace_back(p.name, std::move(values));
  }
  return grid;
}

// --- presets -------------------------------------------------------------------------------

const std::vector<Preset>& presets() {
  static const std::vector<Preset> table = [] {
    const std::string table_source =
        "Parzen's table of recommended search ranges (the project's seed study of common "
        "practice)";
    std::vector<Preset> t;
    const auto lr = [&](const std::string& name, double lo, double hi, const std::string& note) {
      t.push_back({.name = name,
                   .distribution = FloatDistribution{.low = lo, .high = hi, .log = true},
                   .finetune = FloatDistribution{.low = lo / 100, .high = hi / 10, .log = true},
                   .source = table_source,
                   .note = note + "; finetune = true shifts the range 1-2 orders of magnitude "
                                  "lower, for training from pre-trained weights"});
    };
    lr("sgd.lr", 1e-2, 1e-1, "learning rate of plain SGD");
    lr("momentum.lr", 1e-3, 1e-2, "learning rate of SGD with momentum");
    lr("adagrad.lr", 1e-3, 1e-2, "learning rate of Adagrad");
    lr("adadelta.lr", 1e-2, 1e-1, "learning rate of Adadelta");
    lr("rmsprop.lr", 1e-3, 1e-2, "learning rate of RMSprop");
    lr("adam.lr", 1e-3, 1e-2, "learning rate of Adam (its usual default 1e-3 is the low end)");
    lr("adamax.lr", 1e-3, 1e-2, "learning rate of Adamax");
    lr("nadam.lr", 1e-3, 1e-2, "learning rate of Nadam");
    t.push_back({.name = "batch_size",
                 .distribution = IntDistribution{.low = 1, .high = 1024, .log = true},
                 .finetune = std::nullopt,
                 .source = table_source,
                 .note = "mini-batch size, log-uniform integer; limited by accelerator memory"});
    t.push_back({.name = "dropout",
                 .distribution = FloatDistribution{.low = 0.0, .high = 0.5},
                 .finetune = std::nullopt,
                 .source = table_source,
                 .note = "dropout rate; above 0.5 most networks under-fit"});
    t.push_back({.name = "weight_decay",
                 .distribution = FloatDistribution{.low = 0.0, .high = 1e-4},
                 .finetune = std::nullopt,
                 .source = table_source,
                 .note = "L2 weight decay coefficient, uniform (0 allowed, so not log-scaled)"});
    t.push_back({.name = "conv.kernel_size",
                 .distribution = CategoricalDistribution{{std::string("1x1"), std::string("3x3"),
                                                          std::string("5x5"), std::string("7x7"),
                                                          std::string("7x1+1x7")}},
                 .finetune = std::nullopt,
                 .source = table_source,
                 .note = "convolution kernel size; 7x1+1x7 is a factorised 7x7 (Inception-v3)"});
    return t;
  }();
  return table;
}

const Preset& find_preset(const std::string& name) {
  for (const auto& p : presets())
    if (p.name == name) return p;
  std::string names;
  for (const auto& p : presets()) names += (names.empty() ? "" : ", ") + p.name;
  throw ConfigError(
      fmt::format("unknown preset '{}'; known presets: {} (see `parzen presets`)", name, names));
}

}  // namespace parzen::cli
