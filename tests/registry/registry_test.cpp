// The registry of samplers and pruners: every entry builds with its defaults, each listed default
// is the options struct's, a bad key, type or range is refused with an OptionError naming the key
// (with the range that the entry documents), and capabilities say what a sampler needs.

#include "parzen/registry.hpp"

#include <algorithm>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "parzen/bohb_sampler.hpp"
#include "parzen/bracket_sampler.hpp"
#include "parzen/cmaes_sampler.hpp"
#include "parzen/gp_sampler.hpp"
#include "parzen/nsga_sampler.hpp"
#include "parzen/pruners.hpp"
#include "parzen/tpe_sampler.hpp"

namespace {

using namespace parzen;
using json = nlohmann::json;

SamplerContext full_context() {
  return {.grid = {{"x", {int64_t{1}, int64_t{2}}}},
          .pruner = HyperbandPruner::make({.max_resource = 27})};
}

// What a pruner needs beyond its defaults: its required options, and a bound for threshold.
json minimal_pruner_options(const PrunerEntry& e) {
  json o = json::object();
  for (const auto& spec : e.options)
    if (spec.required)
      o[spec.name] =
          spec.type == OptionType::Int ? json(static_cast<int64_t>(*spec.min)) : json(*spec.min);
  if (e.name == "threshold") o["upper"] = 1.0;
  return o;
}

const OptionSpec& option(const std::vector<OptionSpec>& options, const std::string& name) {
  const auto it = std::find_if(options.begin(), options.end(),
                               [&](const OptionSpec& o) { return o.name == name; });
  if (it == options.end()) throw std::runtime_error("no option " + name);
  return *it;
}

TEST(Registry, ListsEverySamplerAndPrunerOnce) {
  std::vector<std::string> samplers, pruners;
  for (const auto& e : sampler_registry()) samplers.push_back(e.name);
  for (const auto& e : pruner_registry()) pruners.push_back(e.name);
  EXPECT_EQ(samplers,
            (std::vector<std::string>{"grid", "random", "qmc", "tpe", "gp", "bohb", "nsga2",
                                      "cmaes", "regularized_evolution", "auto", "nsga3"}));
  EXPECT_EQ(pruners, (std::vector<std::string>{"none", "median", "percentile", "threshold",
                                               "patient", "successive_halving", "hyperband"}));
  for (const auto& e : sampler_registry()) {
    std::set<std::string> keys;
    for (const auto& o : e.options) EXPECT_TRUE(keys.insert(o.name).second) << e.name << o.name;
    EXPECT_FALSE(e.summary.empty());
  }
}

TEST(Registry, EverySamplerBuildsWithItsDefaults) {
  const SamplerContext context = full_context();
  for (const auto& e : sampler_registry()) {
    EXPECT_TRUE(make_sampler(e.name, json::object(), context)) << e.name;
    // Every option set to its listed default builds too (the listed defaults are valid values).
    json all = json::object();
    for (const auto& o : e.options)
      if (!o.default_value.is_null()) all[o.name] = o.default_value;
    EXPECT_TRUE(make_sampler(e.name, all, context)) << e.name << " " << all.dump();
  }
  EXPECT_TRUE(std::dynamic_pointer_cast<TpeSampler>(make_sampler("tpe")));
  EXPECT_TRUE(std::dynamic_pointer_cast<GpSampler>(make_sampler("gp")));
  EXPECT_TRUE(std::dynamic_pointer_cast<BohbSampler>(make_sampler("bohb", {}, context)));
  EXPECT_TRUE(std::dynamic_pointer_cast<GridSampler>(make_sampler("grid", {}, context)));
  EXPECT_TRUE(std::dynamic_pointer_cast<BracketSampler>(
      make_sampler("tpe", {{"per_bracket", true}}, context)));
}

TEST(Registry, EveryPrunerBuildsWithItsDefaults) {
  for (const auto& e : pruner_registry()) {
    json o = minimal_pruner_options(e);
    EXPECT_TRUE(make_pruner(e.name, o)) << e.name;
    for (const auto& spec : e.options)
      if (!spec.default_value.is_null()) o[spec.name] = spec.default_value;
    EXPECT_TRUE(make_pruner(e.name, o)) << e.name << " " << o.dump();
  }
  EXPECT_TRUE(std::dynamic_pointer_cast<NopPruner>(make_pruner("none")));
  EXPECT_TRUE(std::dynamic_pointer_cast<MedianPruner>(make_pruner("median")));
  EXPECT_TRUE(std::dynamic_pointer_cast<SuccessiveHalvingPruner>(make_pruner("asha")));
  EXPECT_TRUE(std::dynamic_pointer_cast<HyperbandPruner>(make_pruner("hyperband")));
}

// The listed defaults are read from the structs: each one equals the struct's member.
TEST(Registry, DefaultsAreTheOptionStructs) {
  const auto defaults = [](const std::vector<OptionSpec>& options) {
    json d = json::object();
    for (const auto& o : options) d[o.name] = o.default_value;
    return d;
  };
  const TpeSamplerOptions tpe{};
  const json tpe_defaults = {{"seed", nullptr},
                             {"n_startup_trials", tpe.n_startup_trials},
                             {"n_ei_candidates", tpe.n_ei_candidates},
                             {"prior_weight", tpe.prior_weight},
                             {"consider_magic_clip", tpe.consider_magic_clip},
                             {"consider_endpoints", tpe.consider_endpoints},
                             {"weight_by_bandwidth", tpe.weight_by_bandwidth},
                             {"multivariate", tpe.multivariate},
                             {"group", tpe.group},
                             {"constant_liar", tpe.constant_liar},
                             {"constraints_method", "auto"}};
  json expected = tpe_defaults;
  expected["per_bracket"] = false;
  EXPECT_EQ(defaults(find_sampler("tpe")->options), expected);
  expected = tpe_defaults;
  expected["min_points"] = BohbSamplerOptions{}.min_points;
  EXPECT_EQ(defaults(find_sampler("bohb")->options), expected);

  const GpSamplerOptions gp{};
  EXPECT_EQ(defaults(find_sampler("gp")->options), (json{{"seed", nullptr},
                                                         {"n_startup_trials", gp.n_startup_trials},
                                                         {"acquisition", "logei"},
                                                         {"ucb_beta", gp.ucb_beta},
                                                         {"noisy_objective", gp.noisy_objective},
                                                         {"warp_outputs", gp.warp_outputs},
                                                         {"additive_kernel", gp.additive_kernel},
                                                         {"n_candidates", gp.n_candidates},
                                                         {"n_polish", gp.n_polish}}));
  const CmaEsSamplerOptions cma{};
  EXPECT_EQ(defaults(find_sampler("cmaes")->options),
            (json{{"sigma0", nullptr},
                  {"n_startup_trials", cma.n_startup_trials},
                  {"warn_independent_sampling", cma.warn_independent_sampling},
                  {"seed", nullptr},
                  {"consider_pruned_trials", cma.consider_pruned_trials},
                  {"restart_strategy", ""},
                  {"popsize", nullptr},
                  {"inc_popsize", cma.inc_popsize},
                  {"use_separable_cma", cma.use_separable_cma},
                  {"with_margin", cma.with_margin}}));
  EXPECT_EQ(defaults(find_sampler("qmc")->options),
            (json{{"seed", nullptr}, {"scramble", QmcSamplerOptions{}.scramble}}));
  EXPECT_EQ(defaults(find_sampler("grid")->options),
            (json{{"seed", nullptr}, {"shuffle", GridSamplerOptions{}.shuffle}}));
  EXPECT_EQ(defaults(find_sampler("random")->options), (json{{"seed", nullptr}}));

  const PercentilePrunerOptions p{};
  EXPECT_EQ(defaults(find_pruner("percentile")->options),
            (json{{"percentile", nullptr},  // required: no default
                  {"n_startup_trials", p.n_startup_trials},
                  {"n_warmup_steps", p.n_warmup_steps},
                  {"interval_steps", p.interval_steps},
                  {"n_min_trials", p.n_min_trials}}));
  const MedianPrunerOptions m{};
  EXPECT_EQ(defaults(find_pruner("median")->options),
            (json{{"n_startup_trials", m.n_startup_trials},
                  {"n_warmup_steps", m.n_warmup_steps},
                  {"interval_steps", m.interval_steps},
                  {"n_min_trials", m.n_min_trials}}));
  const ThresholdPrunerOptions t{};
  EXPECT_EQ(defaults(find_pruner("threshold")->options),
            (json{{"lower", nullptr},
                  {"upper", nullptr},
                  {"n_warmup_steps", t.n_warmup_steps},
                  {"interval_steps", t.interval_steps}}));
  const PatientPrunerOptions pa{};
  EXPECT_EQ(defaults(find_pruner("patient")->options),
            (json{{"wrapped", nullptr}, {"patience", nullptr}, {"min_delta", pa.min_delta}}));
  const SuccessiveHalvingPrunerOptions sh{};
  EXPECT_EQ(defaults(find_pruner("asha")->options),
            (json{{"min_resource", nullptr},
                  {"reduction_factor", sh.reduction_factor},
                  {"min_early_stopping_rate", sh.min_early_stopping_rate},
                  {"bootstrap_count", sh.bootstrap_count}}));
  const HyperbandPrunerOptions hb{};
  EXPECT_EQ(defaults(find_pruner("hyperband")->options),
            (json{{"min_resource", hb.min_resource},
                  {"max_resource", nullptr},
                  {"reduction_factor", hb.reduction_factor},
                  {"bootstrap_count", hb.bootstrap_count}}));
}

// A value of the wrong type for `spec`.
json wrong_type(const OptionSpec& spec) {
  return spec.type == OptionType::Bool ? json("yes") : json(true);
}

template <class Make>
void expect_option_error(const Make& make, const std::string& key, const std::string& what,
                         const std::string& context) {
  try {
    make();
    ADD_FAILURE() << context << ": accepted";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.key(), key) << context << ": " << e.what();
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos)
        << context << ": " << e.what() << " lacks " << what;
  }
}

// For every option of every entry: the wrong type is refused naming the key; the documented
// range is the enforced one (its ends accepted, one step outside refused naming the key).
template <class Entry, class Make>
void check_options(const Entry& e, const json& base, const Make& make) {
  for (const auto& spec : e.options) {
    const std::string where = e.name + "." + spec.name;
    json o = base;
    o[spec.name] = wrong_type(spec);
    expect_option_error([&] { make(o); }, spec.name, spec.name + " = ", where + " (type)");
    if (spec.type == OptionType::Pruner) continue;
    const bool integer = spec.type == OptionType::Int;
    const double step = integer ? 1.0 : 0.5;
    const auto value = [&](double v) { return integer ? json(static_cast<int64_t>(v)) : json(v); };
    if (spec.min) {
      o = base;
      o[spec.name] = value(*spec.min + (spec.min_exclusive ? step : 0));
      EXPECT_NO_THROW(make(o)) << where << " at its minimum";
      o[spec.name] = value(spec.min_exclusive ? *spec.min : *spec.min - step);
      expect_option_error([&] { make(o); }, spec.name, spec.name + " = ", where + " (min)");
    }
    if (spec.max) {
      o = base;
      o[spec.name] = value(*spec.max);
      EXPECT_NO_THROW(make(o)) << where << " at its maximum";
      o[spec.name] = value(*spec.max + step);
      expect_option_error([&] { make(o); }, spec.name, spec.name + " = ", where + " (max)");
    }
  }
  json o = base;
  o["n_startup_trails"] = 3;
  expect_option_error([&] { make(o); }, "n_startup_trails", "unknown option 'n_startup_trails'",
                      e.name + " (unknown key)");
}

TEST(Registry, BadKeysTypesAndRangesNameTheKey) {
  const SamplerContext context = full_context();
  for (const auto& e : sampler_registry())
    check_options(e, json::object(),
                  [&](const json& o) { return make_sampler(e.name, o, context); });
  for (const auto& e : pruner_registry())
    check_options(e, minimal_pruner_options(e),
                  [&](const json& o) { return make_pruner(e.name, o); });

  expect_option_error(
      [] {
        make_sampler("tpe", {{"n_startup_trial", 3}});
      },
      "n_startup_trial", "(did you mean 'n_startup_trials'?)", "suggestion");
  expect_option_error(
      [] {
        make_sampler("gp", {{"acquisition", "ucbb"}});
      },
      "acquisition",
      "GpSampler: acquisition = \"ucbb\", must be one of: logei, ei, ucb, pi (did "
      "you mean 'ucb'?)",
      "choice");
  expect_option_error(
      [] {
        make_sampler("random", {{"seed", -1}});
      },
      "seed", "RandomSampler: seed = -1, must be >= 0", "negative seed");
  expect_option_error([] { make_pruner("percentile"); }, "percentile",
                      "PercentilePruner: percentile is required", "required");
  expect_option_error(
      [] {
        make_pruner("none", {{"patience", 3}});
      },
      "patience", "it takes no options", "no options");
}

TEST(Registry, NestedPrunerKeysAreDotted) {
  EXPECT_TRUE(make_pruner("patient", {{"patience", 2}, {"wrapped", {{"type", "median"}}}}));
  expect_option_error(
      [] {
        make_pruner("patient",
                    {{"patience", 2}, {"wrapped", {{"type", "median"}, {"interval_steps", 0}}}});
      },
      "wrapped.interval_steps", "MedianPruner: interval_steps = 0, must be >= 1", "nested range");
  expect_option_error(
      [] {
        make_pruner("patient", {{"patience", 2}, {"wrapped", {{"type", "mediann"}}}});
      },
      "wrapped.type", "did you mean 'median'", "nested name");
}

TEST(Registry, UnknownNamesSuggestTheNearest) {
  try {
    make_sampler("tpee");
    ADD_FAILURE();
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(std::string(e.what()),
              "unknown sampler 'tpee'; expected one of: grid, random, qmc, tpe, gp, bohb, nsga2, "
              "cmaes, regularized_evolution, auto, nsga3 (did you mean 'tpe'?)");
  }
  EXPECT_THROW(make_pruner("hyperbnd"), InvalidArgument);
  EXPECT_EQ(find_sampler("nope"), nullptr);
  EXPECT_EQ(find_pruner("asha"), find_pruner("successive_halving"));
  EXPECT_EQ(did_you_mean("medain", {"median", "none"}), " (did you mean 'median'?)");
  EXPECT_EQ(did_you_mean("xyz", {"median", "none"}), "");
}

TEST(Registry, CapabilitiesSayWhatASamplerNeeds) {
  const auto& bohb = *find_sampler("bohb");
  EXPECT_TRUE(bohb.capabilities.needs_hyperband_pruner);
  EXPECT_FALSE(bohb.capabilities.multi_objective);
  EXPECT_THROW(make_sampler("bohb"), InvalidArgument);
  EXPECT_THROW(make_sampler("bohb", {}, {.pruner = MedianPruner::make()}), InvalidArgument);
  // Rungs need a known max_resource.
  EXPECT_THROW(make_sampler("bohb", {}, {.pruner = HyperbandPruner::make()}), InvalidArgument);

  const auto& grid = *find_sampler("grid");
  EXPECT_TRUE(grid.capabilities.needs_grid);
  EXPECT_TRUE(grid.capabilities.multi_objective);
  EXPECT_THROW(make_sampler("grid"), InvalidArgument);

  for (const auto& e : sampler_registry()) {
    EXPECT_EQ(e.capabilities.needs_grid, e.name == "grid") << e.name;
    EXPECT_EQ(e.capabilities.needs_hyperband_pruner, e.name == "bohb") << e.name;
    // The samplers that never read values, multi-objective TPE, the GP (log EHVI), NSGA-II and
    // auto (which picks TPE for them) handle several objectives; BOHB, CMA-ES and regularized
    // evolution do not.
    EXPECT_EQ(e.capabilities.multi_objective,
              e.name == "grid" || e.name == "random" || e.name == "qmc" || e.name == "tpe" ||
                  e.name == "nsga2" || e.name == "nsga3" || e.name == "gp" || e.name == "auto")
        << e.name;
    // Only the GP has a limit (log EHVI's box decomposition: 2 or 3 objectives).
    EXPECT_EQ(e.capabilities.max_objectives, e.name == "gp" ? 3u : 0u) << e.name;
    // Of the model-based samplers, TPE uses constraint values.
    if (e.name == "tpe") {
      EXPECT_TRUE(e.capabilities.constraints);
    }
  }
  EXPECT_TRUE(find_sampler("nsga2")->capabilities.constraints);
  EXPECT_TRUE(find_sampler("nsga3")->capabilities.constraints);
  EXPECT_TRUE(find_sampler("gp")->capabilities.constraints);
  // Kept in a variable: a range-for over registry_json()["samplers"] reads a destroyed temporary.
  const nlohmann::json registry = registry_json();
  for (const auto& j : registry["samplers"])
    if (j["name"] == "gp") {
      EXPECT_EQ(j["capabilities"]["max_objectives"], 3);
    }
  EXPECT_TRUE(find_sampler("auto")->capabilities.constraints);  // through TPE
  // TPE needs a Hyperband pruner only with per_bracket, and says so on that key.
  EXPECT_FALSE(find_sampler("tpe")->capabilities.needs_hyperband_pruner);
  expect_option_error(
      [] {
        make_sampler("tpe", {{"per_bracket", true}});
      },
      "per_bracket", "Hyperband pruner", "per_bracket");
  EXPECT_TRUE(find_pruner("patient")->capabilities.wraps_pruner);
  EXPECT_TRUE(find_pruner("none")->capabilities.multi_objective);
}

TEST(Registry, JsonHasEveryEntryWithItsOptions) {
  const json j = registry_json();
  ASSERT_EQ(j["samplers"].size(), sampler_registry().size());
  ASSERT_EQ(j["pruners"].size(), pruner_registry().size());
  const json& tpe = j["samplers"][3];
  EXPECT_EQ(tpe["name"], "tpe");
  const auto& n = option(find_sampler("tpe")->options, "n_startup_trials");
  EXPECT_EQ(tpe["options"][1], (json{{"name", "n_startup_trials"},
                                     {"type", "int"},
                                     {"default", TpeSamplerOptions{}.n_startup_trials},
                                     {"min", 0},
                                     {"help", n.help}}));
  EXPECT_TRUE(tpe["options"][1]["min"].is_number_integer());
  EXPECT_EQ(j["pruners"][5]["aliases"], json::array({"asha"}));
  EXPECT_EQ(j["samplers"][5]["capabilities"]["needs_hyperband_pruner"], true);
}

TEST(Registry, JsonEntriesShareOneShapeAndOptionsTheirTypes) {
  const json j = registry_json();
  std::set<std::string> sampler_keys, pruner_keys;
  for (const auto& e : j["samplers"]) {
    EXPECT_TRUE(e.contains("aliases") && e["aliases"].is_array()) << e["name"];
    for (auto it = e.begin(); it != e.end(); ++it) sampler_keys.insert(it.key());
  }
  for (const auto& e : j["pruners"])
    for (auto it = e.begin(); it != e.end(); ++it) pruner_keys.insert(it.key());
  EXPECT_EQ(sampler_keys, pruner_keys);
  int required = 0;
  for (const char* kind : {"samplers", "pruners"})
    for (const auto& e : j[kind])
      for (const auto& o : e["options"]) {
        if (o.value("required", false)) {
          ++required;
          EXPECT_TRUE(o["default"].is_null()) << e["name"] << "." << o["name"] << ": " << o;
        }
        if (o["type"] == "int") {
          for (const char* bound : {"min", "max"}) {
            if (o.contains(bound)) {
              EXPECT_TRUE(o[bound].is_number_integer()) << o;
            }
          }
        }
      }
  EXPECT_EQ(required, 2);  // percentile's percentile, patient's patience
}

// NSGA-III's reference_points (a list of points) through the registry, as the CLI's experiment
// files and Python's NSGAIIISampler(reference_points=...) give them: stored as given (integers
// as numbers), null or [] for the Das-Dennis points, and every malformed shape refused naming
// the key and the point.
TEST(Registry, Nsga3ReferencePointsAreAListOfPoints) {
  const auto points_of = [](const json& options) {
    const auto s = std::dynamic_pointer_cast<NsgaIIISampler>(make_sampler("nsga3", options));
    if (!s) throw std::runtime_error("make_sampler(\"nsga3\") is not an NsgaIIISampler");
    return s->nsga3_options().reference_points;
  };
  EXPECT_EQ(points_of({{"reference_points", json::parse("[[1, 0], [0.5, 0.5], [0, 1.0]]")}}),
            (std::vector<std::vector<double>>{{1, 0}, {0.5, 0.5}, {0, 1}}));
  EXPECT_TRUE(points_of({{"reference_points", json::array()}}).empty());
  EXPECT_TRUE(points_of({{"reference_points", nullptr}}).empty());
  EXPECT_TRUE(points_of(json::object()).empty());
  const auto spec = option(find_sampler("nsga3")->options, "reference_points");
  EXPECT_EQ(spec.type, OptionType::Points);
  EXPECT_EQ(spec.default_value, json::array());
  EXPECT_STREQ(to_string(OptionType::Points), "points");
  // Given points replace the Das-Dennis ones, for their number of objectives only.
  const NsgaIIISampler given({.reference_points = {{1, 0}, {0, 1}}});
  EXPECT_EQ(given.reference_points(2), (std::vector<std::vector<double>>{{1, 0}, {0, 1}}));
  EXPECT_THROW(given.reference_points(3), InvalidArgument);

  for (const auto& [text, what] : std::vector<std::pair<std::string, std::string>>{
           {"3", "must be a list of points, each a list of numbers"},
           {"[1, 0]", "point 0 (counting from 0) is 1, must be a list of numbers"},
           {"[[1, 0], [0, \"1\"]]", "point 1 (counting from 0) is [0,\"1\"]"},
           {"[[1, 0], [0, 1, 0]]", "point 1 has 3 coordinates, point 0 has 2"},
           {"[[1]]", "point 0 has 1 coordinates"},
           {"[[0, 0]]", "point 0 is the origin"}}) {
    try {
      make_sampler("nsga3", {{"reference_points", json::parse(text)}});
      ADD_FAILURE() << text << ": accepted";
    } catch (const OptionError& e) {
      EXPECT_EQ(e.key(), "reference_points") << text;
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << text << ": " << e.what();
    }
  }
}

}  // namespace
