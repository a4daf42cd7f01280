// A C++ program tuned by `parzen run` (examples/cli/cpp_knn/knn.toml): k-nearest-neighbour
// classification of iris, scored by 5-fold stratified cross-validation accuracy.
//
//   knn_iris --k 5 --weights distance --p 2
//
// It follows the trial protocol's simplest form: the parameters arrive as arguments and the
// last line printed is the value.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "svm_cv.hpp"

int main(int argc, char** argv) {
  int k = 5;
  std::string weights = "uniform";
  double p = 2.0;
  CLI::App app{"k-NN on iris, 5-fold cross-validated accuracy"};
  app.add_option("--k", k, "Neighbours")->check(CLI::PositiveNumber);
  app.add_option("--weights", weights, "uniform or distance")
      ->check(CLI::IsMember({"uniform", "distance"}));
  app.add_option("--p", p, "Minkowski distance power")->check(CLI::Range(1.0, 10.0));
  CLI11_PARSE(app, argc, argv);

  const auto data = svm_example::load_csv_dataset(PARZEN_IRIS_CSV);
  const auto fold = svm_example::stratified_test_folds(data.y, 5);
  const size_t n = data.y.size();
  const int n_classes = static_cast<int>(data.class_names.size());
  double accuracy_sum = 0;
  for (int f = 0; f < 5; ++f) {
    int correct = 0, total = 0;
    for (size_t i = 0; i < n; ++i) {
      if (fold[i] != f) continue;
      std::vector<std::pair<double, int>> dist;  // (distance, class) of training samples
      for (size_t j = 0; j < n; ++j) {
        if (fold[j] == f) continue;
        double d = 0;
        for (size_t c = 0; c < data.x[i].size(); ++c)
          d += std::pow(std::fabs(data.x[i][c] - data.x[j][c]), p);
        dist.emplace_back(std::pow(d, 1.0 / p), data.y[j]);
      }
      const size_t kk = std::min(dist.size(), static_cast<size_t>(k));
      std::partial_sort(dist.begin(), dist.begin() + static_cast<std::ptrdiff_t>(kk), dist.end());
      std::vector<double> votes(static_cast<size_t>(n_classes), 0.0);
      for (size_t m = 0; m < kk; ++m)
        votes[static_cast<size_t>(dist[m].second)] +=
            weights == "distance" ? 1.0 / std::max(dist[m].first, 1e-12) : 1.0;
      const int predicted =
          static_cast<int>(std::max_element(votes.begin(), votes.end()) - votes.begin());
      correct += predicted == data.y[i];
      ++total;
    }
    accuracy_sum += static_cast<double>(correct) / total;
  }
  std::printf("%.17g\n", accuracy_sum / 5);
  return 0;
}
