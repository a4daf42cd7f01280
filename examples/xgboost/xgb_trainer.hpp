#pragma once
// Gradient-boosted trees with XGBoost's C API (Debian libxgboost-dev), one boosting round at a
// time, for the pruning example and benchmark: the number of rounds is the resource, the
// validation log-loss after each round the learning curve.

#include <cstdint>
#include <memory>
#include <string>

namespace xgb_example {

// The breast-cancer data split once: every fourth sample (index % 4 == 0) validates, the rest
// trains. bench/optuna_xgboost.py makes the same split.
class Split {
 public:
  // Throws std::runtime_error naming the file or XGBoost's message.
  explicit Split(const std::string& csv_path);
  ~Split();
  Split(const Split&) = delete;
  Split& operator=(const Split&) = delete;
  void* train() const { return train_; }
  void* valid() const { return valid_; }
  size_t n_train() const { return n_train_; }
  size_t n_valid() const { return n_valid_; }

 private:
  void* train_ = nullptr;
  void* valid_ = nullptr;
  size_t n_train_ = 0, n_valid_ = 0;
};

struct Params {
  double eta = 0.3;
  int64_t max_depth = 6;
  double subsample = 1.0;
  double colsample_bytree = 1.0;
  double min_child_weight = 1.0;
  double lambda = 1.0;
  double alpha = 0.0;
  uint64_t seed = 0;
};

// A booster on the split's training part (binary:logistic, one thread, deterministic).
class Trainer {
 public:
  Trainer(const Split& split, const Params& params);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;
  // Boosts one more round; returns the validation log-loss after it.
  double next_round();
  int rounds() const { return rounds_; }

 private:
  const Split& split_;
  void* booster_ = nullptr;
  int rounds_ = 0;
};

// The path of the bundled data set.
std::string breast_cancer_csv();

}  // namespace xgb_example
