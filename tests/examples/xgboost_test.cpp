// The XGBoost example: the C API trainer gives the same learning curve as XGBoost's Python
// package (which bench/optuna_xgboost.py uses for Optuna's side), and tuning with pruning stops
// trials early.

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tuning.hpp"

namespace {

using namespace xgb_example;

std::string run(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  std::string out;
  char buf[4096];
  while (pipe && fgets(buf, sizeof buf, pipe.get())) out += buf;
  return out;
}

TEST(XgboostExample, CApiCurveEqualsPythonPackage) {
  const Split split(breast_cancer_csv());
  EXPECT_EQ(split.n_train() + split.n_valid(), 569u);
  EXPECT_EQ(split.n_valid(), 143u);
  const Params p{.eta = 0.1234567,
                 .max_depth = 4,
                 .subsample = 0.8,
                 .colsample_bytree = 0.7,
                 .min_child_weight = 0.5,
                 .lambda = 2.0,
                 .alpha = 0.01,
                 .seed = 3};
  Trainer trainer(split, p);
  std::vector<double> curve;
  for (int r = 0; r < 10; ++r) curve.push_back(trainer.next_round());
  EXPECT_LT(curve.back(), curve.front());
  const std::string script = fmt::format(
      R"(
import json, numpy as np, xgboost as xgb
d = np.loadtxt("{}", delimiter=",", skiprows=1)
x, y = d[:, :-1].astype(np.float32), d[:, -1].astype(np.float32)
v = np.arange(len(y)) % 4 == 0
dt, dv = xgb.DMatrix(x[~v], label=y[~v], missing=np.nan), xgb.DMatrix(x[v], label=y[v], missing=np.nan)
b = xgb.Booster({{"objective": "binary:logistic", "eval_metric": "logloss", "nthread": 1,
    "tree_method": "exact", "verbosity": 0, "seed": 3, "eta": 0.1234567, "max_depth": 4,
    "subsample": 0.8, "colsample_bytree": 0.7, "min_child_weight": 0.5, "lambda": 2.0,
    "alpha": 0.01}}, [dt, dv])
out = []
for i in range(10):
    b.update(dt, i)
    out.append(float(b.eval(dv, "valid", i).split("logloss:")[1]))
print(json.dumps(out))
)",
      breast_cancer_csv());
  const std::string out = run("/usr/bin/python3 -c '" + script + "'");
  ASSERT_FALSE(out.empty()) << "python3-xgboost missing?";
  const auto python = nlohmann::json::parse(out).get<std::vector<double>>();
  ASSERT_EQ(python.size(), curve.size());
  for (size_t i = 0; i < curve.size(); ++i) EXPECT_NEAR(curve[i], python[i], 1e-6) << i;
}

TEST(XgboostExample, PruningStopsTrialsEarly) {
  const Split split(breast_cancer_csv());
  for (const std::string method : {"median", "asha", "hyperband", "bracket-tpe", "bohb"}) {
    const auto r =
        tune(split, {.method = method, .max_rounds = 30, .round_budget = 900, .seed = 5});
    EXPECT_GE(r.rounds, 900) << method;
    EXPECT_GT(r.pruned, 0) << method;
    // More trials than the 30 a no-pruning run affords with the same rounds.
    EXPECT_GT(r.trials, 30) << method;
    EXPECT_LT(r.best, 0.3) << method;
  }
  const auto none =
      tune(split, {.method = "none", .max_rounds = 30, .round_budget = 900, .seed = 5});
  EXPECT_EQ(none.trials, 30);
  EXPECT_EQ(none.pruned, 0);
}

}  // namespace
