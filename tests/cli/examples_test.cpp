// The CLI examples give the same results as the C++ example: the seed's grid, random and TPE
// experiments on iris (trials in Python with scikit-learn) against the library with libsvm.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <sstream>

#include "cli_helpers.hpp"
#include "parzen/study.hpp"
#include "parzen/tpe_sampler.hpp"
#include "svm_cv.hpp"

namespace {

using namespace parzen_test;
using parzen::FrozenTrial;

const fs::path kExamples = fs::path(kSourceDir) / "examples" / "cli";

double cv_accuracy(const std::string& kernel, double c) {
  static const auto data = svm_example::load_csv_dataset(PARZEN_IRIS_CSV);
  svm_example::SvmParams p;
  p.kernel = kernel;
  p.C = c;
  const auto scores = svm_example::cross_val_scores(data, p, 5);
  double sum = 0;
  for (double s : scores) sum += s;
  return sum / static_cast<double>(scores.size());
}

std::vector<FrozenTrial> run_example(const TempDir& dir, const std::string& file,
                                     const std::string& study,
                                     std::vector<std::string> extra = {}) {
  // The trials' directories in the test's own directory, not beside the examples.
  std::vector<std::string> args = {
      "run",     (kExamples / file).string(), "--storage",
      dir.url(), "--output-directory",        (dir.path / "out").string()};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = run_cli(args, dir.path);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  auto storage = parzen::make_storage(dir.url());
  return storage->trials(storage->find_study(study).value());
}

// The same search through the library, trials scored with libsvm in-process.
// Seeded draws mix in the study's name: the library study is named like the experiment's.
std::vector<FrozenTrial> run_library(const std::string& name,
                                     std::shared_ptr<parzen::Sampler> sampler, int n) {
  auto study = parzen::Study::create(
      {.name = name, .directions = {parzen::Direction::Maximize}, .sampler = std::move(sampler)});
  study.optimize(
      [](parzen::Trial& t) {
        const auto kernel = t.suggest_categorical("kernel", {"linear", "rbf"});
        return cv_accuracy(kernel, t.suggest_float("C", 1.0, 10.0));
      },
      {.n_trials = n});
  return study.trials();
}

void expect_same(const std::vector<FrozenTrial>& cli, const std::vector<FrozenTrial>& lib) {
  ASSERT_EQ(cli.size(), lib.size());
  for (size_t i = 0; i < cli.size(); ++i) {
    EXPECT_EQ(cli[i].params.at("kernel"), lib[i].params.at("kernel")) << i;
    EXPECT_DOUBLE_EQ(std::get<double>(cli[i].params.at("C")),
                     std::get<double>(lib[i].params.at("C")))
        << i;
    ASSERT_EQ(cli[i].values.size(), 1u) << cli[i].fail_reason;
    EXPECT_NEAR(cli[i].values[0], lib[i].values[0], 1e-12) << i;
  }
}

TEST(CliExamples, GridMatchesTheCppExampleAndGridSearchCV) {
  TempDir dir;
  const auto trials = run_example(dir, "svm_iris/grid.toml", "svm-iris-grid");
  ASSERT_EQ(trials.size(), 4u);
  const std::vector<std::pair<std::string, double>> expected_order = {
      {"linear", 1}, {"rbf", 1}, {"linear", 10}, {"rbf", 10}};
  const std::vector<double> expected = {0.98, 0.9666666666666667, 0.9733333333333334, 0.98};
  for (size_t i = 0; i < 4; ++i) {
    const auto kernel = std::get<std::string>(trials[i].params.at("kernel"));
    const double c = static_cast<double>(std::get<int64_t>(trials[i].params.at("C")));
    EXPECT_EQ(kernel, expected_order[i].first);
    EXPECT_EQ(c, expected_order[i].second);
    EXPECT_NEAR(trials[i].values[0], expected[i], 1e-12);
    EXPECT_NEAR(trials[i].values[0], cv_accuracy(kernel, c), 1e-12);
  }
}

TEST(CliExamples, RandomMatchesTheCppExample) {
  TempDir dir;
  expect_same(run_example(dir, "svm_iris/random.toml", "svm-iris-random"),
              run_library("svm-iris-random", parzen::RandomSampler::make({.seed = 42}), 4));
}

TEST(CliExamples, TpeMatchesTheCppExample) {
  // The first 20 of the experiment's 100 evaluations (the TPE model takes over after 10).
  TempDir dir;
  expect_same(run_example(dir, "svm_iris/tpe.toml", "svm-iris-tpe", {"--n-trials", "20"}),
              run_library("svm-iris-tpe", parzen::TpeSampler::make({.seed = 42}), 20));
}

TEST(CliExamples, CppProgramAndNniNestedSpaceRun) {
  TempDir dir;
  // knn.toml names the binary relative to the default build directory; point it at this build.
  std::string text = slurp(kExamples / "cpp_knn" / "knn.toml");
  const std::string rel = "../../../build/examples/knn_iris";
  ASSERT_NE(text.find(rel), std::string::npos);
  text.replace(text.find(rel), rel.size(), PARZEN_KNN_IRIS);
  const auto file = dir.file("knn.toml", text);
  auto r = run_cli({"run", file, "--storage", dir.url(), "--n-trials", "12"}, dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto storage = parzen::make_storage(dir.url());
  for (const auto& t : storage->trials(storage->find_study("iris-knn").value())) {
    ASSERT_EQ(t.state, parzen::TrialState::Complete) << t.fail_reason;
    EXPECT_GT(t.values[0], 0.9);
  }
  const auto trials =
      run_example(dir, "nni_nested/experiment.toml", "iris-classifier-choice", {"--n-trials", "8"});
  ASSERT_EQ(trials.size(), 8u);
  for (const auto& t : trials) {
    ASSERT_EQ(t.state, parzen::TrialState::Complete) << t.fail_reason;
    const auto branch = std::get<std::string>(t.params.at("classifier"));
    for (const auto& [name, v] : t.params)
      if (name.rfind("classifier.", 0) == 0) {
        EXPECT_EQ(name.rfind("classifier." + branch + ".", 0), 0u) << name;
      }
  }
}

// The NAS example's live experiment (examples/nas/experiment.toml): real trainings through
// train.py give exactly the precomputed table's seed-0 accuracy of the architecture trained, so
// the table stands for the live search. Three trials, the first of the random population.
TEST(CliExamples, NasLiveTrialsReproduceTheTable) {
  TempDir dir;
  const fs::path nas = fs::path(kSourceDir) / "examples" / "nas";
  const auto r = run_cli({"run", (nas / "experiment.toml").string(), "--storage", dir.url(),
                          "--output-directory", (dir.path / "out").string(), "--n-trials", "3"},
                         dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  std::map<std::string, double> table;  // "depth,w1,w2,w3,activation,lr" of seed 0 -> accuracy
  {
    std::ifstream in(nas / "table.csv");
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      std::stringstream ss(line);
      for (std::string cell; std::getline(ss, cell, ',');) f.push_back(cell);
      if (f.size() == 9 && f[6] == "0")
        table[fmt::format("{},{},{},{},{},{}", f[0], f[1], f[2], f[3], f[4], f[5])] =
            std::stod(f[7]);
    }
  }
  ASSERT_EQ(table.size(), 234u);
  auto storage = parzen::make_storage(dir.url());
  const auto trials = storage->trials(storage->find_study("nas-live").value());
  ASSERT_EQ(trials.size(), 3u);
  for (const auto& t : trials) {
    ASSERT_EQ(t.state, parzen::TrialState::Complete) << t.fail_reason;
    const std::string depth = std::get<std::string>(t.params.at("depth"));
    std::string widths;
    for (int k = 1; k <= 3; ++k) {
      const auto it = t.params.find(fmt::format("depth.{}.width_{}", depth, k));
      widths += "," + (it == t.params.end() ? std::string()
                                            : std::to_string(std::get<int64_t>(it->second)));
    }
    const double lr = std::get<double>(t.params.at("learning_rate_init"));
    const std::string key = fmt::format("{}{},{},{}", depth, widths,
                                        std::get<std::string>(t.params.at("activation")), lr);
    ASSERT_TRUE(table.contains(key)) << key;
    EXPECT_NEAR(t.values[0], table.at(key), 1e-6) << key;
  }
}

}  // namespace
