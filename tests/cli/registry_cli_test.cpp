// The CLI reads its samplers and pruners from the registry: `parzen info` lists every one with
// its options, `parzen ask --sampler` accepts every registered name (and says what a sampler that
// needs a Hyperband pruner lacks), and seeds are passed as given.

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_helpers.hpp"
#include "parzen/registry.hpp"

namespace {

using namespace parzen_test;

TEST(CliRegistry, InfoListsEveryRegisteredSamplerAndPrunerWithItsOptions) {
  TempDir dir;
  auto r = run_cli({"info"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  for (const auto& e : parzen::sampler_registry()) {
    EXPECT_TRUE(contains(r.out, "\n  " + e.name + ": " + e.summary)) << e.name << "\n" << r.out;
    for (const auto& o : e.options)
      EXPECT_TRUE(contains(r.out, "      " + o.name + " (")) << e.name << "." << o.name;
  }
  for (const auto& e : parzen::pruner_registry()) {
    EXPECT_TRUE(contains(r.out, "\n  " + e.name)) << e.name;
    for (const auto& o : e.options)
      EXPECT_TRUE(contains(r.out, "      " + o.name + " (")) << e.name << "." << o.name;
  }
  EXPECT_TRUE(contains(r.out, "n_startup_trials (int >= 0, default 10)")) << r.out;
  // An empty choice or default is shown as "", not as nothing.
  EXPECT_TRUE(contains(r.out, "restart_strategy (choice of \"\", ipop, bipop, default \"\")"))
      << r.out;
  EXPECT_TRUE(contains(r.out,
                       "samplers: grid, random, qmc, tpe, gp, bohb, nsga2, cmaes, "
                       "regularized_evolution, auto, nsga3\n"))
      << r.out;

  r = run_cli({"info", "--json"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["samplers"], parzen::registry_json()["samplers"]);
  EXPECT_EQ(j["pruners"], parzen::registry_json()["pruners"]);
}

// Experiment files accept every registered sampler, and so does `parzen ask --sampler`: a
// sampler that needs a Hyperband pruner gets one from --experiment, and without it the error
// says how to give one.
TEST(CliRegistry, AskAcceptsEveryRegisteredSampler) {
  TempDir dir;
  const auto space = dir.file("space.json", R"({"k": {"_type": "choice", "_value": ["a", "b"]},
    "n": {"_type": "choice", "_value": [1, 2, 3]}})");
  const auto experiment = dir.file("exp.toml", R"(
[search_space]
k = { _type = "choice", _value = ["a", "b"] }

[pruner]
type = "hyperband"
max_resource = 9
)");
  const std::string url = dir.url();
  for (const auto& e : parzen::sampler_registry()) {
    const std::string study = "s-" + e.name;
    auto r = run_cli({"ask", "--storage", url, "--study", study, "--space", space, "--sampler",
                      e.name, "--sampler-option", "seed=3"},
                     dir.path);
    if (e.capabilities.needs_hyperband_pruner) {
      EXPECT_EQ(r.status, 2) << e.name << ": " << r.err;
      EXPECT_TRUE(contains(r.err, "sampler '" + e.name + "' needs a Hyperband pruner")) << r.err;
      EXPECT_TRUE(contains(r.err, "--experiment FILE")) << r.err;
      r = run_cli({"ask", "--storage", url, "--study", study, "--experiment", experiment,
                   "--sampler", e.name},
                  dir.path);
    }
    ASSERT_EQ(r.status, 0) << e.name << ": " << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["number"], 0) << e.name << ": " << r.out;
  }
  const auto r = run_cli({"ask", "--storage", url, "--study", "x", "--space", space, "--sampler",
                          "random", "--sampler-option", "seed=-1"},
                         dir.path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err, "key 'seed': RandomSampler: seed = -1, must be >= 0")) << r.err;
}

// The issue's case: ten seeds of one task through ask/tell must not share their draws. Before,
// ask re-seeded the sampler with seed + trials so far, so study r0 at trial k + 1 drew exactly
// what study r1 drew at trial k. With the seed passed as given, each trial's draw must still
// differ from the study's earlier ones: seeded samplers derive it from (seed, study, trial).
TEST(CliRegistry, AskDrawsDependOnSeedStudyAndTrialNotSeedPlusTrials) {
  TempDir dir;
  const auto space = dir.file("space.json", R"({"x": {"_type": "uniform", "_value": [0, 1]}})");
  const std::string url = dir.url();
  const auto asks = [&](const std::string& study, int seed, int n) {
    std::vector<double> xs;
    for (int i = 0; i < n; ++i) {
      std::vector<std::string> args = {"ask", "--storage", url, "--study", study};
      if (i == 0) {
        for (const std::string a :
             {"--space", space.c_str(), "--sampler", "random", "--sampler-option"})
          args.push_back(a);
        args.push_back("seed=" + std::to_string(seed));
      }
      const auto r = run_cli(args, dir.path);
      EXPECT_EQ(r.status, 0) << r.err;
      xs.push_back(nlohmann::json::parse(r.out)["params"]["x"].get<double>());
      EXPECT_EQ(run_cli({"tell", "--storage", url, "--study", study, "--trial", std::to_string(i),
                         "--value", "1"},
                        dir.path)
                    .status,
                0);
    }
    return xs;
  };
  const auto r0 = asks("r0", 0, 3);
  const auto r1 = asks("r1", 1, 2);
  EXPECT_NE(r1[0], r0[1]);
  EXPECT_NE(r1[1], r0[2]);
  EXPECT_EQ(std::set<double>(r0.begin(), r0.end()).size(), r0.size())
      << "a seeded study repeats its draws: " << r0[0] << ", " << r0[1] << ", " << r0[2];
}

}  // namespace
