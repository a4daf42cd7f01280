// The seed example: tune an SVM's kernel and C on iris by 5-fold stratified cross-validation,
// with grid search (reproducing scikit-learn's GridSearchCV), seeded random search and TPE.
//
//   svm_iris                    all three searches
//   svm_iris --search grid      grid over kernel in {linear, rbf} x C in {1, 10}
//   svm_iris --search random --n-trials 4 --seed 42
//   svm_iris --search tpe --tpe-trials 100 --seed 42   minimises 1 - accuracy

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

// The objective the searches share: scores are kept as user attributes, like cv_results_.
// Grid and random search maximise the mean accuracy; TPE minimises the loss 1 - accuracy.
auto make_objective(const svm_example::Dataset& data, bool as_loss) {
  return [&data, as_loss](parzen::Trial& trial) {
    svm_example::SvmParams params;
    params.kernel = trial.suggest_categorical("kernel", {"linear", "rbf"});
    params.C = trial.suggest_float("C", 1.0, 10.0);
    const auto scores = svm_example::cross_val_scores(data, params, 5);
    for (size_t i = 0; i < scores.size(); ++i)
      trial.set_user_attr(fmt::format("split{}_test_score", i), scores[i]);
    trial.set_user_attr("mean_test_score", mean(scores));
    trial.set_user_attr("std_test_score", population_std(scores));
    return as_loss ? 1 - mean(scores) : mean(scores);
  };
}

// Prints the trials (the 10 best of longer studies) ranked like scikit-learn's cv_results_.
void print_results(const parzen::Study& study, const std::string& title) {
  auto trials = study.trials({parzen::TrialState::Complete});
  auto score = [](const parzen::FrozenTrial& t) {
    return t.user_attrs["mean_test_score"].get<double>();
  };
  std::vector<int> rank(trials.size());
  for (size_t i = 0; i < trials.size(); ++i) {
    rank[i] = 1;
    for (size_t j = 0; j < trials.size(); ++j)
      if (score(trials[j]) > score(trials[i])) ++rank[i];
  }
  std::vector<size_t> shown(trials.size());
  for (size_t i = 0; i < shown.size(); ++i) shown[i] = i;
  if (trials.size() > 10) {
    std::stable_sort(shown.begin(), shown.end(),
                     [&](size_t a, size_t b) { return rank[a] < rank[b]; });
    shown.resize(10);
  }
  fmt::print("\n{}\n", title);
  if (trials.size() > 10) fmt::print("(the 10 best of {} trials)\n", trials.size());
  fmt::print("{:>5}  {:<7} {:>8}  {:>15}  {:>14}  {:>4}  {}\n", "trial", "kernel", "C",
             "mean_test_score", "std_test_score", "rank", "fold scores");
  for (size_t i : shown) {
    const auto& t = trials[i];
    std::vector<std::string> folds;
    for (int f = 0; f < 5; ++f)
      folds.push_back(
          fmt::format("{:.4f}", t.user_attrs[fmt::format("split{}_test_score", f)].get<double>()));
    fmt::print("{:>5}  {:<7} {:>8.4f}  {:>15.4f}  {:>14.4f}  {:>4}  {}\n", t.number,
               std::get<std::string>(t.params.at("kernel")), std::get<double>(t.params.at("C")),
               score(t), t.user_attrs["std_test_score"].get<double>(), rank[i],
               fmt::join(folds, " "));
  }
  const auto best = study.best_trial();
  fmt::print("Best parameters: kernel={} C={}\n", std::get<std::string>(best.params.at("kernel")),
             std::get<double>(best.params.at("C")));
  fmt::print("Best score (mean 5-fold accuracy): {:.4f}\n", score(best));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Tune an SVM on iris with parzen's grid and random search"};
  std::string search = "all";
  int tpe_trials = 100;
  std::string data_path = PARZEN_IRIS_CSV;
  std::string csv_path;
  uint64_t seed = 42;
  int n_trials = 4;
  app.add_option("--search", search, "grid, random, tpe or all")
      ->check(CLI::IsMember({"grid", "random", "tpe", "all"}))
      ->capture_default_str();
  app.add_option("--data", data_path, "iris.csv in scikit-learn's layout")->capture_default_str();
  app.add_option("--seed", seed, "seed of the random search and of TPE")->capture_default_str();
  app.add_option("--tpe-trials", tpe_trials, "TPE evaluations")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
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
      const bool as_loss = kind == "tpe";
      auto study = parzen::Study::create(
          {.name = "svm-iris-" + kind,
           .directions = {as_loss ? parzen::Direction::Minimize : parzen::Direction::Maximize},
           .sampler = std::move(sampler)});
      study.optimize(make_objective(data, as_loss), {.n_trials = trials});
      print_results(study, title);
      if (!csv_path.empty()) {
        std::ofstream out(csv_path + "-" + kind + ".csv");
        study.write_trials_csv(out);
      }
    };
    if (search == "grid" || search == "all") {
      run("grid",
          parzen::GridSampler::make({.grid = {{"C", {1.0, 10.0}}, {"kernel", {"linear", "rbf"}}}}),
          std::nullopt,
          "Grid search: C in {1, 10} x kernel in {linear, rbf} (every combination once)");
    }
    if (search == "random" || search == "all") {
      run("random", parzen::RandomSampler::make({.seed = seed}), n_trials,
          fmt::format("Random search: kernel in {{linear, rbf}}, C uniform in [1, 10], {} trials, "
                      "seed {}",
                      n_trials, seed));
    }
    if (search == "tpe" || search == "all") {
      run("tpe", parzen::TpeSampler::make({.seed = seed}), tpe_trials,
          fmt::format("TPE: kernel in {{linear, rbf}}, C uniform in [1, 10], loss 1 - accuracy, {} "
                      "trials, seed {}",
                      tpe_trials, seed));
    }
  } catch (const std::exception& e) {
    std::cerr << "svm_iris: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
