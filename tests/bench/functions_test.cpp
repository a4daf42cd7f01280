// The benchmark's test functions take their documented minima where the literature puts them.

#include <gtest/gtest.h>

#include "functions.hpp"
#include "parzen/parzen.hpp"

using namespace parzen;

namespace {

// Evaluates a problem at fixed parameters through an enqueued trial.
double evaluate(const bench::Problem& p, const std::map<std::string, ParamValue>& params) {
  auto study = Study::create({.log_level = LogLevel::Silent});
  study.enqueue_trial(params);
  study.optimize(p.objective, {.n_trials = 1});
  return study.trials().at(0).value();
}

std::map<std::string, ParamValue> xs(std::vector<double> v) {
  std::map<std::string, ParamValue> m;
  for (size_t i = 0; i < v.size(); ++i) m["x" + std::to_string(i)] = v[i];
  return m;
}

}  // namespace

TEST(BenchFunctions, MinimaAreWhereTheLiteratureSays) {
  std::map<std::string, bench::Problem> by_name;
  for (const auto& p : bench::problems()) by_name.emplace(p.name, p);
  ASSERT_EQ(by_name.size(), 8u);
  EXPECT_NEAR(evaluate(by_name.at("branin"), {{"x", M_PI}, {"y", 2.275}}),
              by_name.at("branin").optimum, 1e-6);
  EXPECT_NEAR(evaluate(by_name.at("hartmann6"),
                       xs({0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573})),
              by_name.at("hartmann6").optimum, 1e-4);
  EXPECT_NEAR(evaluate(by_name.at("rosenbrock5"), xs(std::vector<double>(5, 1.0))), 0.0, 1e-12);
  EXPECT_NEAR(evaluate(by_name.at("ackley10"), xs(std::vector<double>(10, 0.0))), 0.0, 1e-12);
  EXPECT_NEAR(evaluate(by_name.at("ackley10_shifted"), xs(bench::kAckleyShift)), 0.0, 1e-12);
  EXPECT_GT(evaluate(by_name.at("ackley10_shifted"), xs(std::vector<double>(10, 0.0))), 15.0);
  EXPECT_NEAR(evaluate(by_name.at("levy10"), xs(std::vector<double>(10, 1.0))), 0.0, 1e-12);
  EXPECT_NEAR(evaluate(by_name.at("styblinski_tang8"), xs(std::vector<double>(8, -2.903534))),
              by_name.at("styblinski_tang8").optimum, 1e-6);
  EXPECT_NEAR(
      evaluate(
          by_name.at("mixed"),
          {{"model", std::string("a")}, {"x", 1.0}, {"n", int64_t{7}}, {"lr", 1e-3}, {"y", 3.0}}),
      0.0, 1e-12);
  // Away from the minimum every function is worse.
  EXPECT_GT(evaluate(by_name.at("levy10"), xs(std::vector<double>(10, 2.0))), 0.1);
}
