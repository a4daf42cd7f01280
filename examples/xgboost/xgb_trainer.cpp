#include "xgb_trainer.hpp"

#include <xgboost/c_api.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "svm_cv.hpp"

namespace xgb_example {
namespace {

void check(int rc, const char* what) {
  if (rc != 0) throw std::runtime_error(std::string(what) + ": " + XGBGetLastError());
}

void* matrix(const std::vector<float>& x, const std::vector<float>& y, size_t n_features) {
  DMatrixHandle m = nullptr;
  check(XGDMatrixCreateFromMat(x.data(), static_cast<bst_ulong>(y.size()),
                               static_cast<bst_ulong>(n_features), std::nanf(""), &m),
        "XGDMatrixCreateFromMat");
  check(XGDMatrixSetFloatInfo(m, "label", y.data(), static_cast<bst_ulong>(y.size())),
        "XGDMatrixSetFloatInfo");
  return m;
}

}  // namespace

std::string breast_cancer_csv() { return PARZEN_BREAST_CANCER_CSV; }

Split::Split(const std::string& csv_path) {
  const auto data = svm_example::load_csv_dataset(csv_path);
  const size_t d = data.x.empty() ? 0 : data.x[0].size();
  std::vector<float> xt, yt, xv, yv;
  for (size_t i = 0; i < data.x.size(); ++i) {
    auto& x = i % 4 == 0 ? xv : xt;
    auto& y = i % 4 == 0 ? yv : yt;
    for (double v : data.x[i]) x.push_back(static_cast<float>(v));
    y.push_back(static_cast<float>(data.y[i]));
  }
  n_train_ = yt.size();
  n_valid_ = yv.size();
  train_ = matrix(xt, yt, d);
  valid_ = matrix(xv, yv, d);
}

Split::~Split() {
  if (train_) XGDMatrixFree(train_);
  if (valid_) XGDMatrixFree(valid_);
}

Trainer::Trainer(const Split& split, const Params& p) : split_(split) {
  DMatrixHandle dmats[] = {split.train(), split.valid()};
  check(XGBoosterCreate(dmats, 2, &booster_), "XGBoosterCreate");
  const auto set = [&](const char* name, const std::string& value) {
    check(XGBoosterSetParam(booster_, name, value.c_str()), name);
  };
  set("objective", "binary:logistic");
  set("eval_metric", "logloss");
  set("nthread", "1");
  set("tree_method", "exact");
  set("verbosity", "0");
  set("seed", std::to_string(p.seed));
  set("eta", fmt::format("{}", p.eta));
  set("max_depth", std::to_string(p.max_depth));
  set("subsample", fmt::format("{}", p.subsample));
  set("colsample_bytree", fmt::format("{}", p.colsample_bytree));
  set("min_child_weight", fmt::format("{}", p.min_child_weight));
  set("lambda", fmt::format("{}", p.lambda));
  set("alpha", fmt::format("{}", p.alpha));
}

Trainer::~Trainer() {
  if (booster_) XGBoosterFree(booster_);
}

double Trainer::next_round() {
  check(XGBoosterUpdateOneIter(booster_, rounds_, split_.train()), "XGBoosterUpdateOneIter");
  DMatrixHandle valid[] = {split_.valid()};
  const char* names[] = {"valid"};
  const char* out = nullptr;
  check(XGBoosterEvalOneIter(booster_, rounds_, valid, names, 1, &out), "XGBoosterEvalOneIter");
  ++rounds_;
  const std::string text = out;  // "[3]\tvalid-logloss:0.41234"
  const auto pos = text.find("logloss:");
  if (pos == std::string::npos) throw std::runtime_error("unexpected evaluation: " + text);
  return std::stod(text.substr(pos + 8));
}

}  // namespace xgb_example
