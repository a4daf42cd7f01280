// The seed example: tune an SVM's kernel and C on iris by 5-fold stratified cross-validation,
// with grid search (reproducing scikit-learn's GridSearchCV) and seeded random search.
//
//   svm_iris                    both searches
//   svm_iris --search grid      grid over kernel in {linear, rbf} x C in {1, 10}
//   svm_iris --search random --n-trials 4 --seed 42

#include <cmath>
#include <fstream>
#include <iostream>
#include <numeric>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "parzen/parzen.hpp"
#include "svm_cv.hpp"

namespace {

double mean(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double population_std(const std::vector<double>& v) {
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size()));
}

// The objective both searches share: scores are kept as user attributes, like cv_results_.
auto make_objective(const svm_example::Dataset& data) {
  return [&data](parzen::Trial& trial) {
    svm_example::SvmParams params;
    params.kernel = trial.suggest_categorical("kernel", {"linear", "rbf"});
    params.C = trial.suggest_float("C", 1.0, 10.0);
    const auto scores = svm_example::cross_val_scores(data, params, 5);
    for (size_t i = 0; i < scores.size(); ++i)
      trial.set_user_attr(fmt::format("split{}_test_score", i), scores[i]);
    trial.set_user_attr("std_test_score", population_std(scores));
    return mean(scores);
  };
}

void print_results(const parzen::Study& study, const std::string& title) {
  auto trials = study.trials({parzen::TrialState::Complete});
  // Rank like scikit-learn: by mean score, ties share the best rank.
  std::vector<int> rank(trials.size());
  for (size_t i = 0; i < trials.size(); ++i) {
    rank[i] = 1;
    for (size_t j = 0; j < trials.size(); ++j)
      if (trials[j].value() > trials[i].value()) ++rank[i];
  }
  fmt::print("\n{}\n", title);
  fmt::print("{:>5}  {:<7} {:>8}  {:>15}  {:>14}  {:>4}  {}\n", "trial", "kernel", "C",
             "mean_test_score", "std_test_score", "rank", "fold scores");
  for (size_t i = 0; i < trials.size(); ++i) {
    const auto& t = trials[i];
    std::vector<std::string> folds;
    for (int f = 0; f < 5; ++f)
      folds.push_back(
          fmt::format("{:.4f}", t.user_attrs[fmt::format("split{}_test_score", f)].get<double>()));
    fmt::print("{:>5}  {:<7} {:>8.4f}  {:>15.4f}  {:>14.4f}  {:>4}  {}\n", t.number,
               std::get<std::string>(t.params.at("kernel")), std::get<double>(t.params.at("C")),
               t.value(), t.user_attrs["std_test_score"].get<double>(), rank[i],
               fmt::join(folds, " "));
  }
  const auto best = study.best_trial();
  fmt::print("Best parameters: kernel={} C={}\n", std::get<std::string>(best.params.at("kernel")),
             std::get<double>(best.params.at("C")));
  fmt::print("Best score (mean 5-fold accuracy): {:.4f}\n", best.value());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Tune an SVM on iris with parzen's grid and random search"};
  std::string search = "both";
  std::string data_path = PARZEN_IRIS_CSV;
  std::string csv_path;
  uint64_t seed = 42;
  int n_trials = 4;
  app.add_option("--search", search, "grid, random or both")
      ->check(CLI::IsMember({"grid", "random", "both"}))
      ->capture_default_str();
  app.add_option("--data", data_path, "iris.csv in scikit-learn's layout")->capture_default_str();
  app.add_option("--seed", seed, "seed of the random search")->capture_default_str();
  app.add_option("--n-trials", n_trials, "random search iterations")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--csv", csv_path,
                 "also write each study's trials to FILE-grid.csv / FILE-random.csv");
  CLI11_PARSE(app, argc, argv);

  try {
    const auto data = svm_example::load_csv_dataset(data_path);
    fmt::print(
        "iris: {} samples, {} features, {} classes; SVC (libsvm, gamma='scale'), "
        "5-fold stratified CV accuracy\n",
        data.x.size(), data.x[0].size(), data.class_names.size());
    auto run = [&](const std::string& kind, std::shared_ptr<parzen::Sampler> sampler,
                   std::optional<int64_t> trials, const std::string& title) {
      auto study = parzen::Study::create({.name = "svm-iris-" + kind,
                                          .directions = {parzen::Direction::Maximize},
                                          .sampler = std::move(sampler)});
      study.optimize(make_objective(data), {.n_trials = trials});
      print_results(study, title);
      if (!csv_path.empty()) {
        std::ofstream out(csv_path + "-" + kind + ".csv");
        study.write_trials_csv(out);
      }
    };
    if (search != "random") {
      run("grid",
          parzen::GridSampler::make({.grid = {{"C", {1.0, 10.0}}, {"kernel", {"linear", "rbf"}}}}),
          std::nullopt,
          "Grid search: C in {1, 10} x kernel in {linear, rbf} (every combination once)");
    }
    if (search != "grid") {
      run("random", parzen::RandomSampler::make({.seed = seed}), n_trials,
          fmt::format(
              "Random search: kernel in {{linear, rbf}}, C uniform in [1, 10], {} trials, seed {}",
              n_trials, seed));
    }
  } catch (const std::exception& e) {
    std::cerr << "svm_iris: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
