// Define-by-run semantics of Trial.

#include <gtest/gtest.h>

#include <cstdio>

#include "parzen/parzen.hpp"

using namespace parzen;

namespace {
Study quiet_study(std::shared_ptr<Sampler> sampler = nullptr) {
  return Study::create({.sampler = sampler ? sampler : RandomSampler::make({.seed = 7}),
                        .log_level = LogLevel::Silent});
}
}  // namespace

TEST(Trial, SameNameTwiceReturnsTheSameValue) {
  auto study = quiet_study();
  auto trial = study.ask();
  const double a = trial.suggest_float("x", 0, 1);
  const double b = trial.suggest_float("x", 0, 1);
  EXPECT_EQ(a, b);
  const auto k1 = trial.suggest_categorical("kernel", {"linear", "rbf", "poly"});
  const auto k2 = trial.suggest_categorical("kernel", {"linear", "rbf", "poly"});
  EXPECT_EQ(k1, k2);
  const int64_t n1 = trial.suggest_int("n", 1, 100, {.log = true});
  EXPECT_EQ(trial.suggest_int("n", 1, 100, {.log = true}), n1);
}

TEST(Trial, IncompatibleRedefinitionIsAnError) {
  auto study = quiet_study();
  auto trial = study.ask();
  trial.suggest_float("x", 0, 1);
  try {
    trial.suggest_float("x", 0, 2);
    FAIL() << "redefinition accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("parameter 'x' was already suggested"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("float in [0, 2]"), std::string::npos);
  }
  EXPECT_THROW(trial.suggest_int("x", 0, 1), InvalidArgument);
  EXPECT_THROW(trial.suggest_categorical("x", {"a"}), InvalidArgument);
}

TEST(Trial, InvalidDistributionNamesTheParameter) {
  auto study = quiet_study();
  auto trial = study.ask();
  try {
    trial.suggest_float("learning_rate", 0, 1, {.log = true});
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("parameter 'learning_rate'"), std::string::npos);
  }
  EXPECT_THROW(trial.suggest_int("layers", 5, 1), InvalidArgument);
  EXPECT_THROW(trial.suggest_categorical<int>("batch", std::vector<int>{}), InvalidArgument);
  // Nothing was stored for the rejected parameters.
  EXPECT_TRUE(trial.params().empty());
}

TEST(Trial, ValuesLieInTheirDistributions) {
  auto study = quiet_study();
  for (int i = 0; i < 200; ++i) {
    auto t = study.ask();
    const double x = t.suggest_float("x", -2, 3);
    const double lr = t.suggest_float("lr", 1e-5, 1e-1, {.log = true});
    const double q = t.suggest_float("q", 0, 1, {.step = 0.25});
    const int64_t n = t.suggest_int("n", -3, 9, {.step = 3});
    const int64_t units = t.suggest_int("units", 16, 512, {.log = true});
    const int batch = t.suggest_categorical("batch", {16, 32, 64});
    const bool flag = t.suggest_categorical("flag", {true, false});
    EXPECT_TRUE(x >= -2 && x <= 3);
    EXPECT_TRUE(lr >= 1e-5 && lr <= 1e-1);
    EXPECT_TRUE(q == 0 || q == 0.25 || q == 0.5 || q == 0.75 || q == 1.0) << q;
    EXPECT_TRUE(n >= -3 && n <= 9 && (n + 3) % 3 == 0) << n;
    EXPECT_TRUE(units >= 16 && units <= 512);
    EXPECT_TRUE(batch == 16 || batch == 32 || batch == 64);
    (void)flag;
    study.tell(t, x);
  }
}

TEST(Trial, ConditionalParametersComeFromBranches) {
  auto study = quiet_study();
  study.optimize(
      [](Trial& t) {
        const auto kernel = t.suggest_categorical("kernel", {"linear", "rbf"});
        double v = t.suggest_float("C", 0.1, 10, {.log = true});
        if (kernel == "rbf") v += t.suggest_float("gamma", 1e-3, 1, {.log = true});
        return v;
      },
      {.n_trials = 40});
  int rbf = 0;
  for (const auto& t : study.trials()) {
    ASSERT_EQ(t.state, TrialState::Complete);
    const bool is_rbf = std::get<std::string>(t.params.at("kernel")) == "rbf";
    EXPECT_EQ(t.params.count("gamma"), is_rbf ? 1u : 0u);
    rbf += is_rbf;
  }
  EXPECT_GT(rbf, 5);
  EXPECT_LT(rbf, 35);
}

TEST(Trial, SingleValueDistributionsNeedNoSampler) {
  auto study = quiet_study();
  auto t = study.ask();
  EXPECT_EQ(t.suggest_float("x", 2.5, 2.5), 2.5);
  EXPECT_EQ(t.suggest_int("n", 4, 4), 4);
  EXPECT_EQ(t.suggest_categorical("c", {"only"}), "only");
}

TEST(Trial, NegativeReportStepsAreRefusedNamingTheStep) {
  auto study = quiet_study();
  auto t = study.ask();
  try {
    t.report(-1, 0.5);
    FAIL() << "a negative step was accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("step -1"), std::string::npos) << e.what();
  }
  study.tell(t, 1.0);
  EXPECT_TRUE(study.trials().at(0).intermediate_values.empty());
}

TEST(Trial, OverflowingFloatRangesAreRefusedNamingTheParameter) {
  auto study = quiet_study();
  auto t = study.ask();
  try {
    t.suggest_float("a", -1e308, 1e308);
    FAIL() << "a range whose width overflows was accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("parameter 'a'"), std::string::npos) << e.what();
  }
}

TEST(Trial, ReportAndUserAttrsAreStored) {
  auto study = quiet_study();
  auto t = study.ask();
  t.report(0, 0.5);
  t.report(1, 0.25);
  t.report(1, 99.0);  // a repeated step keeps the first value
  EXPECT_THROW(t.report(2, std::nan("")), InvalidArgument);
  t.set_user_attr("note", {{"epochs", 3}});
  t.set_constraints({-1.0, 0.0});
  EXPECT_FALSE(t.should_prune());  // the default pruner never prunes
  study.tell(t, 1.0);
  const auto stored = study.trials().at(0);
  EXPECT_EQ(stored.intermediate_values, (std::map<int64_t, double>{{0, 0.5}, {1, 0.25}}));
  EXPECT_EQ(stored.user_attrs["note"]["epochs"], 3);
  EXPECT_EQ(stored.constraints, (std::vector<double>{-1.0, 0.0}));
  EXPECT_TRUE(stored.feasible());
  EXPECT_EQ(*stored.last_step(), 1);
}

// A null choice is suggested, enqueued and read back from an SQLite file as null.
TEST(Trial, NullChoiceSurvivesTheStorage) {
  const std::string path = ::testing::TempDir() + "parzen-null-choice.db";
  std::remove(path.c_str());
  const CategoricalDistribution d{{nullptr, std::string("rbf")}};
  {
    auto study = Study::create({.name = "null-choice",
                                .storage = "sqlite:///" + path,
                                .sampler = RandomSampler::make({.seed = 3}),
                                .log_level = LogLevel::Silent});
    study.enqueue_trial({{"kernel", nullptr}});
    study.optimize(
        [&](Trial& t) {
          const ParamValue v = t.suggest("kernel", d);
          return std::holds_alternative<std::nullptr_t>(v) ? 0.0 : 1.0;
        },
        {.n_trials = 8});
  }
  auto loaded = Study::load(
      {.name = "null-choice", .storage = "sqlite:///" + path, .log_level = LogLevel::Silent});
  const auto trials = loaded.trials();
  ASSERT_EQ(trials.size(), 8u);
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(trials[0].params.at("kernel")));
  EXPECT_EQ(trials[0].distributions.at("kernel"), Distribution(d));
  for (const auto& t : trials)
    EXPECT_EQ(t.value(), std::holds_alternative<std::nullptr_t>(t.params.at("kernel")) ? 0.0 : 1.0);
  std::remove(path.c_str());
}
