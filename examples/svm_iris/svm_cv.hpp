#pragma once
// The seed example's model: a support vector classifier (libsvm) scored by stratified k-fold
// cross-validation, reproducing scikit-learn's SVC + StratifiedKFold + cross_val_score.

#include <optional>
#include <string>
#include <vector>

namespace svm_example {

struct Dataset {
  std::vector<std::vector<double>> x;  // samples x features
  std::vector<int> y;                  // class index per sample
  std::vector<std::string> class_names;
};

// Reads scikit-learn's iris.csv layout: a header "n_samples,n_features,class names...", then
// one row per sample with the features and the class index. Throws std::runtime_error naming
// the file and line on malformed input.
Dataset load_csv_dataset(const std::string& path);

// The test fold of each sample under scikit-learn's StratifiedKFold(n_splits, shuffle=False):
// each class's samples, in data order, are dealt into folds so that fold sizes per class differ
// by at most one.
std::vector<int> stratified_test_folds(const std::vector<int>& y, int n_splits);

struct SvmParams {
  std::string kernel = "rbf";  // linear, rbf, poly or sigmoid
  double C = 1.0;
  std::optional<double> gamma{};  // unset: scikit-learn's 'scale', 1 / (n_features * X.var())
};

// Accuracy on each test fold, training a C-SVC on the other folds.
std::vector<double> cross_val_scores(const Dataset& data, const SvmParams& params,
                                     int n_splits = 5);

}  // namespace svm_example
