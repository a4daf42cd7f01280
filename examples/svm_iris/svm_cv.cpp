#include "svm_cv.hpp"

#include <svm.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace svm_example {
namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, ',')) out.push_back(cell);
  return out;
}

struct ModelDeleter {
  void operator()(svm_model* m) const { svm_free_and_destroy_model(&m); }
};

int kernel_type(const std::string& kernel) {
  if (kernel == "linear") return LINEAR;
  if (kernel == "rbf") return RBF;
  if (kernel == "poly") return POLY;
  if (kernel == "sigmoid") return SIGMOID;
  throw std::invalid_argument("unknown SVM kernel '" + kernel + "' (linear, rbf, poly, sigmoid)");
}

}  // namespace

Dataset load_csv_dataset(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open the data file");
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error(path + ": empty file");
  const auto header = split(line);
  if (header.size() < 3)
    throw std::runtime_error(path + ":1: expected n_samples,n_features,classes...");
  Dataset data;
  const size_t n_samples = std::stoul(header[0]);
  const size_t n_features = std::stoul(header[1]);
  data.class_names.assign(header.begin() + 2, header.end());
  for (size_t lineno = 2; std::getline(in, line); ++lineno) {
    if (line.empty()) continue;
    const auto cells = split(line);
    if (cells.size() != n_features + 1)
      throw std::runtime_error(path + ":" + std::to_string(lineno) + ": expected " +
                               std::to_string(n_features + 1) + " columns, got " +
                               std::to_string(cells.size()));
    std::vector<double> row;
    for (size_t j = 0; j < n_features; ++j) row.push_back(std::stod(cells[j]));
    const int label = std::stoi(cells[n_features]);
    if (label < 0 || static_cast<size_t>(label) >= data.class_names.size())
      throw std::runtime_error(path + ":" + std::to_string(lineno) + ": class index " +
                               std::to_string(label) + " out of range");
    data.x.push_back(std::move(row));
    data.y.push_back(label);
  }
  if (data.x.size() != n_samples)
    throw std::runtime_error(path + ": header announces " + std::to_string(n_samples) +
                             " samples, file has " + std::to_string(data.x.size()));
  return data;
}

std::vector<int> stratified_test_folds(const std::vector<int>& y, int n_splits) {
  const int n_classes = y.empty() ? 0 : *std::max_element(y.begin(), y.end()) + 1;
  // scikit-learn: allocation[f][k] = count of class k among sorted(y)[f::n_splits].
  std::vector<int> sorted = y;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::vector<int>> allocation(n_splits, std::vector<int>(n_classes, 0));
  for (size_t i = 0; i < sorted.size(); ++i) allocation[i % n_splits][sorted[i]]++;
  std::vector<int> folds(y.size(), -1);
  for (int k = 0; k < n_classes; ++k) {
    std::vector<int> fold_of_class;  // fold ids repeated by their allocation, in fold order
    for (int f = 0; f < n_splits; ++f)
      fold_of_class.insert(fold_of_class.end(), allocation[f][k], f);
    size_t next = 0;
    for (size_t i = 0; i < y.size(); ++i)
      if (y[i] == k) folds[i] = fold_of_class[next++];
  }
  return folds;
}

std::vector<double> cross_val_scores(const Dataset& data, const SvmParams& params, int n_splits) {
  svm_set_print_string_function([](const char*) {});
  const auto folds = stratified_test_folds(data.y, n_splits);
  const size_t n_features = data.x.empty() ? 0 : data.x[0].size();

  // libsvm's sparse rows: (index, value) pairs ended by index -1.
  std::vector<std::vector<svm_node>> nodes(data.x.size());
  for (size_t i = 0; i < data.x.size(); ++i) {
    for (size_t j = 0; j < n_features; ++j)
      nodes[i].push_back({static_cast<int>(j + 1), data.x[i][j]});
    nodes[i].push_back({-1, 0.0});
  }

  std::vector<double> scores;
  for (int f = 0; f < n_splits; ++f) {
    std::vector<svm_node*> train_x;
    std::vector<double> train_y;
    double sum = 0;
    size_t count = 0;
    for (size_t i = 0; i < data.x.size(); ++i) {
      if (folds[i] == f) continue;
      train_x.push_back(nodes[i].data());
      train_y.push_back(data.y[i]);
      for (double v : data.x[i]) {
        sum += v;
        ++count;
      }
    }
    // Two passes, as numpy's var(): the population variance of every training value.
    const double mean = sum / static_cast<double>(count);
    double squares = 0;
    for (size_t i = 0; i < data.x.size(); ++i)
      if (folds[i] != f)
        for (double v : data.x[i]) squares += (v - mean) * (v - mean);
    const double variance = squares / static_cast<double>(count);

    svm_problem problem{};
    problem.l = static_cast<int>(train_x.size());
    problem.y = train_y.data();
    problem.x = train_x.data();

    svm_parameter p{};
    p.svm_type = C_SVC;
    p.kernel_type = kernel_type(params.kernel);
    p.degree = 3;
    p.gamma = params.gamma
                  ? *params.gamma
                  : (variance > 0 ? 1.0 / (static_cast<double>(n_features) * variance) : 1.0);
    p.coef0 = 0;
    p.cache_size = 200;
    p.eps = 1e-3;
    p.C = params.C;
    p.shrinking = 1;
    p.probability = 0;
    if (const char* error = svm_check_parameter(&problem, &p))
      throw std::invalid_argument(std::string("libsvm: ") + error);
    std::unique_ptr<svm_model, ModelDeleter> model(svm_train(&problem, &p));

    size_t correct = 0, total = 0;
    for (size_t i = 0; i < data.x.size(); ++i) {
      if (folds[i] != f) continue;
      correct += static_cast<int>(svm_predict(model.get(), nodes[i].data())) == data.y[i];
      ++total;
    }
    scores.push_back(static_cast<double>(correct) / static_cast<double>(total));
  }
  return scores;
}

}  // namespace svm_example
