// The seed example must reproduce scikit-learn's GridSearchCV(SVC(), {kernel: [linear, rbf],
// C: [1, 10]}) on iris: 5-fold StratifiedKFold, gamma='scale'.

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "parzen/parzen.hpp"
#include "svm_cv.hpp"

using namespace svm_example;

namespace {
double mean_accuracy(const Dataset& data, const std::string& kernel, double c) {
  const auto scores = cross_val_scores(data, {.kernel = kernel, .C = c}, 5);
  return std::accumulate(scores.begin(), scores.end(), 0.0) / static_cast<double>(scores.size());
}
}  // namespace

TEST(SvmIris, DatasetLoads) {
  const auto data = load_csv_dataset(PARZEN_IRIS_CSV);
  EXPECT_EQ(data.x.size(), 150u);
  EXPECT_EQ(data.x[0].size(), 4u);
  EXPECT_EQ(data.class_names, (std::vector<std::string>{"setosa", "versicolor", "virginica"}));
  EXPECT_THROW(load_csv_dataset("/nonexistent/iris.csv"), std::runtime_error);
}

TEST(SvmIris, StratifiedFoldsMatchScikitLearn) {
  const auto data = load_csv_dataset(PARZEN_IRIS_CSV);
  const auto folds = stratified_test_folds(data.y, 5);
  // Sample i of each class (in data order) goes to fold i / 10.
  for (size_t i = 0; i < 150; ++i) EXPECT_EQ(folds[i], static_cast<int>((i % 50) / 10)) << i;
  // Unbalanced classes, checked against scikit-learn 1.2's StratifiedKFold(3).
  const auto uneven = stratified_test_folds({0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1}, 3);
  EXPECT_EQ(uneven, (std::vector<int>{0, 0, 0, 1, 1, 2, 2, 0, 1, 1, 2}));
}

TEST(SvmIris, GridAccuraciesMatchScikitLearnGridSearchCV) {
  const auto data = load_csv_dataset(PARZEN_IRIS_CSV);
  EXPECT_NEAR(mean_accuracy(data, "linear", 1), 0.9800, 5e-5);
  EXPECT_NEAR(mean_accuracy(data, "rbf", 1), 0.9667, 5e-5);
  EXPECT_NEAR(mean_accuracy(data, "linear", 10), 0.9733, 5e-5);
  EXPECT_NEAR(mean_accuracy(data, "rbf", 10), 0.9800, 5e-5);
}

TEST(SvmIris, GridSearchThroughTheStudyFindsTheSameBest) {
  const auto data = load_csv_dataset(PARZEN_IRIS_CSV);
  auto study =
      parzen::Study::create({.directions = {parzen::Direction::Maximize},
                             .sampler = parzen::GridSampler::make(
                                 {.grid = {{"C", {1.0, 10.0}}, {"kernel", {"linear", "rbf"}}}}),
                             .log_level = parzen::LogLevel::Silent});
  study.optimize(
      [&](parzen::Trial& t) {
        const auto kernel = t.suggest_categorical("kernel", {"linear", "rbf"});
        return mean_accuracy(data, kernel, t.suggest_float("C", 1, 10));
      },
      {.n_jobs = 2});
  ASSERT_EQ(study.trials().size(), 4u);
  // Ties (linear/C=1 and rbf/C=10 at 0.98) go to the earlier trial, as GridSearchCV's rank does.
  const auto best = study.best_trial();
  EXPECT_NEAR(best.value(), 0.98, 5e-5);
}

TEST(SvmIris, TpeMinimisingTheLossFindsTheBestAccuracy) {
  const auto data = load_csv_dataset(PARZEN_IRIS_CSV);
  auto study = parzen::Study::create(
      {.sampler = parzen::TpeSampler::make({.seed = 42}), .log_level = parzen::LogLevel::Silent});
  study.optimize(
      [&](parzen::Trial& t) {
        const auto kernel = t.suggest_categorical("kernel", {"linear", "rbf"});
        return 1 - mean_accuracy(data, kernel, t.suggest_float("C", 1, 10));
      },
      {.n_trials = 40});
  // rbf with C around 4-8 reaches 0.9867, the best any (kernel, C) in the space reaches.
  EXPECT_NEAR(1 - study.best_value(), 0.9867, 5e-5);
}
