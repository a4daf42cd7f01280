// Pruners on constructed learning curves: decisions equal Optuna 3.1's on the same curves
// (computed with Debian's python3-optuna, script in the comment below), ASHA promotes exactly the
// top 1/eta of a full rung, Hyperband assigns brackets as Optuna does, and the state pruners keep
// works across two storage handles on one SQLite file (as across processes).

#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <set>

#include "parzen/parzen.hpp"

using namespace parzen;

namespace {

// Completed trials' curves (steps 0..6; the final value is the last one) and a running trial's.
const std::vector<std::vector<double>> kComplete = {{10, 8, 6, 5, 4, 3.5, 3},
                                                    {9, 7, 5, 4, 3, 2.5, 2},
                                                    {12, 11, 10, 9, 8, 7.5, 7},
                                                    {8, 6, 4, 3, 2, 1.5, 1},
                                                    {11, 9, 8, 7, 6, 5.5, 5}};
const std::vector<double> kRunning = {10, 7.5, 4.5, 4.6, 4.7, 4.8, 4.4};

// The running trial's should_prune() after each report, as a string of 0/1.
std::string decisions(Direction direction, std::shared_ptr<Pruner> pruner) {
  const double sign = direction == Direction::Minimize ? 1.0 : -1.0;
  auto study = Study::create({.directions = {direction}, .pruner = std::move(pruner)});
  for (const auto& curve : kComplete) {
    Trial t = study.ask();
    for (size_t i = 0; i < curve.size(); ++i) t.report(static_cast<int64_t>(i), sign * curve[i]);
    study.tell(t, sign * curve.back());
  }
  Trial t = study.ask();
  std::string out;
  for (size_t i = 0; i < kRunning.size(); ++i) {
    t.report(static_cast<int64_t>(i), sign * kRunning[i]);
    out += t.should_prune() ? '1' : '0';
  }
  return out;
}

// Expected: Optuna 3.1 (MedianPruner, PercentilePruner, ThresholdPruner, PatientPruner with the
// same options) on the same curves, both directions (maximising negates every value).
TEST(Pruners, DecisionsMatchOptunaOnTheSameCurves) {
  const std::map<std::string, std::pair<std::function<std::shared_ptr<Pruner>()>, std::string>>
      cases = {
          {"median", {[] { return MedianPruner::make({.n_startup_trials = 5}); }, "0000111"}},
          {"median_warmup2",
           {[] { return MedianPruner::make({.n_startup_trials = 5, .n_warmup_steps = 2}); },
            "0000111"}},
          {"median_interval2",
           {[] {
              return MedianPruner::make(
                  {.n_startup_trials = 5, .n_warmup_steps = 1, .interval_steps = 2});
            },
            "0000010"}},
          {"p25",
           {[] { return PercentilePruner::make({.percentile = 25, .n_startup_trials = 5}); },
            "1101111"}},
          {"p75",
           {[] { return PercentilePruner::make({.percentile = 75, .n_startup_trials = 5}); },
            "0000000"}},
          {"median_startup6",
           {[] { return MedianPruner::make({.n_startup_trials = 6}); }, "0000000"}},
          {"median_min_trials6",
           {[] { return MedianPruner::make({.n_startup_trials = 1, .n_min_trials = 6}); },
            "0000000"}},
          {"patient2", {[] { return PatientPruner::make({.patience = 2}); }, "0000010"}},
          {"patient1_delta",
           {[] { return PatientPruner::make({.patience = 1, .min_delta = 0.6}); }, "0000000"}},
          {"patient2_median",
           {[] {
              return PatientPruner::make(
                  {.wrapped = MedianPruner::make({.n_startup_trials = 5}), .patience = 2});
            },
            "0000010"}},
      };
  for (Direction d : {Direction::Minimize, Direction::Maximize})
    for (const auto& [name, c] : cases)
      EXPECT_EQ(decisions(d, c.first()), c.second) << name << " " << to_string(d);
  EXPECT_EQ(decisions(Direction::Minimize, ThresholdPruner::make({.lower = 3.0, .upper = 9.5})),
            "1000000");
  EXPECT_EQ(decisions(Direction::Maximize, ThresholdPruner::make({.lower = 3.0, .upper = 9.5})),
            "1111111");
}

TEST(Pruners, OptionsAreValidated) {
  EXPECT_THROW(PercentilePruner({.percentile = 101}), InvalidArgument);
  EXPECT_THROW(MedianPruner({.interval_steps = 0}), InvalidArgument);
  EXPECT_THROW(ThresholdPruner({}), InvalidArgument);
  EXPECT_THROW(ThresholdPruner({.lower = 2, .upper = 1}), InvalidArgument);
  EXPECT_THROW(PatientPruner({.patience = -1}), InvalidArgument);
  EXPECT_THROW(SuccessiveHalvingPruner({.reduction_factor = 1}), InvalidArgument);
  EXPECT_THROW(HyperbandPruner({.min_resource = 10, .max_resource = 5}), InvalidArgument);
}

TEST(Pruners, MultiObjectiveStudiesAreRefused) {
  auto study = Study::create(
      {.directions = {Direction::Minimize, Direction::Minimize}, .pruner = MedianPruner::make()});
  Trial t = study.ask();
  t.report(0, 1.0);
  EXPECT_THROW(t.should_prune(), InvalidState);
}

// Eight trials record their values at rung 0 (step 1, minimising); a ninth arrives with the
// r-th best value. With eta = 3 and nine values at the rung, it goes on iff r <= 3.
TEST(SuccessiveHalving, PromotesExactlyTheTopThirdOfAFullRung) {
  const std::vector<double> others = {0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85};
  for (int r = 1; r <= 9; ++r) {
    auto study = Study::create(
        {.pruner = SuccessiveHalvingPruner::make({.min_resource = 1, .reduction_factor = 3})});
    for (double v : others) {
      Trial t = study.ask();
      t.report(0, v);
      t.report(1, v);
      t.should_prune();  // records the value at rung 0
      study.tell(t, v);
    }
    const double value = 0.1 * r;  // 0.1 beats all eight; 0.9 beats none
    Trial t = study.ask();
    t.report(0, value);
    t.report(1, value);
    EXPECT_EQ(t.should_prune(), r > 3) << "rank " << r;
    EXPECT_EQ(study.storage().trial(t.id()).system_attrs.at("completed_rung_0"), value);
  }
}

TEST(SuccessiveHalving, RungsAndAsynchronousPromotion) {
  // min_resource 2, eta 2: rungs at steps 2, 4, 8. Maximising.
  auto study = Study::create(
      {.directions = {Direction::Maximize},
       .pruner = SuccessiveHalvingPruner::make({.min_resource = 2, .reduction_factor = 2})});
  Trial first = study.ask();
  first.report(1, 0.5);
  EXPECT_FALSE(first.should_prune());  // before the first rung
  first.report(2, 0.5);
  EXPECT_FALSE(first.should_prune());  // alone at rung 0: the best so far goes on
  first.report(4, 0.6);
  EXPECT_FALSE(first.should_prune());  // rung 1
  const auto attrs = study.storage().trial(first.id()).system_attrs;
  EXPECT_EQ(attrs.at("completed_rung_0"), 0.5);
  EXPECT_EQ(attrs.at("completed_rung_1"), 0.6);
  Trial second = study.ask();
  second.report(2, 0.4);
  EXPECT_TRUE(second.should_prune());  // 2 values at rung 0: only the top half (0.5) goes on
  Trial third = study.ask();
  third.report(2, 0.7);
  EXPECT_FALSE(third.should_prune());
}

TEST(Hyperband, BracketsMatchOptuna) {
  HyperbandPruner pruner({.min_resource = 1, .max_resource = 27, .reduction_factor = 3});
  EXPECT_EQ(pruner.n_brackets(), 4);
  // optuna.pruners.HyperbandPruner(1, 27, 3)._get_bracket_id for study "hb", trials 0..19.
  const std::vector<int64_t> optuna = {0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 3, 0, 3, 2, 0, 0, 1, 1, 0, 3};
  for (int64_t n = 0; n < 20; ++n)
    EXPECT_EQ(pruner.bracket_of("hb", n), optuna[static_cast<size_t>(n)]) << n;
}

TEST(Hyperband, TrialsCompeteOnlyWithinTheirBracket) {
  auto pruner =
      HyperbandPruner::make({.min_resource = 1, .max_resource = 9, .reduction_factor = 3});
  auto study = Study::create({.name = "hb-compete", .pruner = pruner});
  // Many trials with good values at step 1; a bad one is pruned at its first rung only if its
  // bracket's first rung is at step 1 (bracket 0) and a better value is recorded there.
  std::map<int64_t, int> pruned_by_bracket, seen_by_bracket;
  for (int i = 0; i < 40; ++i) {
    Trial t = study.ask();
    const double v = i % 2 == 0 ? 0.1 : 0.9;
    bool pruned = false;
    for (int64_t step = 0; step < 9 && !pruned; ++step) {  // steps 0..8: max_resource 9
      t.report(step, v);
      pruned = t.should_prune();
    }
    const int64_t b = pruner->bracket_of("hb-compete", t.number());
    ++seen_by_bracket[b];
    if (pruned) {
      ++pruned_by_bracket[b];
      study.tell(t, TrialState::Pruned);
    } else {
      study.tell(t, v);
    }
    // Rung values are recorded only by trials of brackets whose rung they reached.
    const auto attrs = study.storage().trial(t.id()).system_attrs;
    if (b == pruner->n_brackets() - 1) {
      EXPECT_FALSE(attrs.contains("completed_rung_1"));
    }
  }
  EXPECT_GT(seen_by_bracket[0], 0);
  EXPECT_GT(pruned_by_bracket[0], 0);  // the bad half of bracket 0 is stopped
  // The last bracket never prunes: its first rung is max_resource, one past the last step.
  EXPECT_EQ(pruned_by_bracket[pruner->n_brackets() - 1], 0);
}

// Records the trials (other than waiting placeholders) each per-bracket sampler is shown.
class RecordingSampler : public Sampler {
 public:
  RecordingSampler(int64_t bracket, std::map<int64_t, std::set<int64_t>>* seen)
      : bracket_(bracket), seen_(seen) {}
  double sample_independent(const StudyView& view, const FrozenTrial& trial, const std::string&,
                            const Distribution& d) override {
    (*seen_)[bracket_].insert(trial.number);
    for (const auto& t : view.trials())
      if (t.state != TrialState::Waiting) (*seen_)[bracket_].insert(t.number);
    return RandomSampler::from_unit(d, 0.5);
  }

 private:
  int64_t bracket_;
  std::map<int64_t, std::set<int64_t>>* seen_;
};

TEST(BracketSampler, EachBracketsSamplerSeesOnlyItsTrials) {
  auto pruner =
      HyperbandPruner::make({.min_resource = 1, .max_resource = 27, .reduction_factor = 3});
  std::map<int64_t, std::set<int64_t>> seen;
  auto sampler = BracketSampler::make(
      pruner, [&](int64_t b) { return std::make_shared<RecordingSampler>(b, &seen); });
  auto study = Study::create({.name = "hb", .sampler = sampler, .pruner = pruner});
  for (int i = 0; i < 40; ++i) {
    Trial t = study.ask();
    t.suggest_float("x", 0, 1);
    study.tell(t, 0.5);
  }
  ASSERT_GE(seen.size(), 3u);
  size_t total = 0;
  for (const auto& [bracket, numbers] : seen) {
    for (int64_t n : numbers) EXPECT_EQ(pruner->bracket_of("hb", n), bracket) << n;
    total += numbers.size();
  }
  EXPECT_EQ(total, 40u);  // every trial was sampled by its own bracket's sampler
}

// Checks, at every call, that its bracket's view holds exactly the bracket's trials as stored
// (state, values, intermediate values), the others as waiting placeholders.
class CheckingSampler : public Sampler {
 public:
  CheckingSampler(int64_t bracket, HyperbandPruner* pruner, std::shared_ptr<Storage> storage,
                  std::string study, int* checks)
      : bracket_(bracket),
        pruner_(pruner),
        storage_(std::move(storage)),
        study_(std::move(study)),
        checks_(checks) {}
  double sample_independent(const StudyView& view, const FrozenTrial&, const std::string&,
                            const Distribution& d) override {
    const auto stored = storage_->trials(view.study_id());
    EXPECT_LE(view.trials().size(), stored.size());
    for (const FrozenTrial& t : view.trials()) {
      const FrozenTrial& s = stored.at(static_cast<size_t>(t.number));
      if (pruner_->bracket_of(study_, t.number) != bracket_) {
        EXPECT_EQ(t.state, TrialState::Waiting) << t.number;
        continue;
      }
      EXPECT_EQ(t.state, s.state) << t.number;
      EXPECT_EQ(t.values, s.values) << t.number;
      EXPECT_EQ(t.intermediate_values, s.intermediate_values) << t.number;
    }
    ++*checks_;
    return RandomSampler::from_unit(d, 0.25 + 0.5 * static_cast<double>(*checks_ % 2));
  }

 private:
  int64_t bracket_;
  HyperbandPruner* pruner_;
  std::shared_ptr<Storage> storage_;
  std::string study_;
  int* checks_;
};

// The per-bracket views are updated incrementally (only the trials that changed are copied
// again): they must stay equal to what is stored while trials are pruned and completed.
TEST(BracketSampler, BracketViewsFollowTheStoredTrials) {
  auto pruner =
      HyperbandPruner::make({.min_resource = 1, .max_resource = 27, .reduction_factor = 3});
  int checks = 0;
  auto storage = make_in_memory_storage();
  auto sampler = BracketSampler::make(pruner, [&](int64_t b) {
    return std::make_shared<CheckingSampler>(b, pruner.get(), storage, "hbv", &checks);
  });
  auto study = Study::create(
      {.name = "hbv", .storage_backend = storage, .sampler = sampler, .pruner = pruner});
  int pruned = 0;
  for (int i = 0; i < 120; ++i) {
    Trial t = study.ask();
    const double x = t.suggest_float("x", 0, 1);
    bool stopped = false;
    for (int64_t step = 1; step <= 27 && !stopped; ++step) {
      t.report(step, x + 1.0 / static_cast<double>(step) + 0.001 * i);
      stopped = t.should_prune();
    }
    if (stopped) {
      study.tell(t, TrialState::Pruned);
      ++pruned;
    } else {
      study.tell(t, x);
    }
  }
  EXPECT_EQ(checks, 120);
  EXPECT_GT(pruned, 30);
}

TEST(SuccessiveHalving, RungValuesAreSharedThroughTheStorage) {
  const std::string path = ::testing::TempDir() + "parzen-asha-" + std::to_string(getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  // Two storage handles on one file, as two processes would have.
  const auto options = SuccessiveHalvingPrunerOptions{.min_resource = 1, .reduction_factor = 2};
  auto a = Study::create({.name = "shared",
                          .storage = "sqlite:///" + path,
                          .pruner = SuccessiveHalvingPruner::make(options)});
  auto b = Study::load({.name = "shared",
                        .storage = "sqlite:///" + path,
                        .pruner = SuccessiveHalvingPruner::make(options)});
  Trial good = a.ask();
  good.report(1, 0.1);
  EXPECT_FALSE(good.should_prune());
  Trial bad = b.ask();
  bad.report(1, 0.9);
  EXPECT_TRUE(bad.should_prune());  // it saw the other handle's rung value
  b.tell(bad, TrialState::Pruned);
  const auto stored = a.storage().trial(bad.id());
  EXPECT_EQ(stored.state, TrialState::Pruned);
  EXPECT_EQ(stored.intermediate_values.at(1), 0.9);
  EXPECT_EQ(stored.values, std::vector<double>{0.9});  // ranked by its last value
}

}  // namespace

namespace {

TEST(BohbSampler, ModelsTheLargestBudgetWithEnoughObservations) {
  auto storage = make_in_memory_storage();
  auto sampler = BohbSampler::make({.budgets = {1, 3, 9}, .min_points = 3, .tpe = {.seed = 1}});
  auto study = Study::create({.storage_backend = storage, .sampler = sampler});
  StudyView view(storage, study.id(), study.directions());
  const auto run = [&](std::vector<int64_t> steps) {
    Trial t = study.ask();
    t.suggest_float("x", 0, 1);
    for (int64_t s : steps) t.report(s, 1.0);
    study.tell(t, TrialState::Pruned);
    view.refresh();
    return sampler->current_budget(view);
  };
  EXPECT_EQ(run({1}), 0);
  EXPECT_EQ(run({1, 3}), 0);
  EXPECT_EQ(run({1, 3}), 1);     // three trials reported at step 1
  EXPECT_EQ(run({1, 3, 9}), 3);  // and at step 3
  EXPECT_EQ(run({1, 3, 9}), 3);
  EXPECT_EQ(run({1, 3, 9}), 9);  // and now at step 9

  // A trial that fails no longer counts, even after reporting: the counts, kept from call to
  // call, must lose its observations again. With four needed, step 9 has three complete
  // observations and a running trial's.
  auto four = BohbSampler::make({.budgets = {1, 3, 9}, .min_points = 4, .tpe = {.seed = 1}});
  Trial failing = study.ask();
  failing.suggest_float("x", 0, 1);
  for (int64_t s : {1, 3, 9}) failing.report(s, 1.0);
  view.refresh();
  EXPECT_EQ(four->current_budget(view), 9);
  study.tell(failing, TrialState::Failed);
  view.refresh();
  EXPECT_EQ(four->current_budget(view), 3);  // five trials have reported step 3
  EXPECT_EQ(sampler->current_budget(view), 9);
}

// Trials that look best after one step (x near 0.2) and best at the end (x near 0.8) differ.
// Every fifth trial runs to the end; the others stop after step 1. BOHB's model, fitted on the
// step-1 values every trial has, follows them; a plain TPE, which ranks complete trials first,
// follows the few complete ones.
double late_mean(std::shared_ptr<Sampler> sampler) {
  auto study = Study::create({.sampler = std::move(sampler)});
  std::vector<double> late;
  for (int i = 0; i < 80; ++i) {
    Trial t = study.ask();
    const double x = t.suggest_float("x", 0, 1);
    if (i >= 60) late.push_back(x);
    t.report(1, (x - 0.2) * (x - 0.2));
    if (i % 5 == 0) {
      t.report(10, (x - 0.8) * (x - 0.8));
      study.tell(t, (x - 0.8) * (x - 0.8));
    } else {
      study.tell(t, TrialState::Pruned);
    }
  }
  double mean = 0;
  for (double x : late) mean += x / static_cast<double>(late.size());
  return mean;
}

TEST(BohbSampler, LearnsFromIntermediateValuesAtTheBudget) {
  const double bohb =
      late_mean(BohbSampler::make({.budgets = {1, 10}, .min_points = 20, .tpe = {.seed = 3}}));
  const double tpe = late_mean(TpeSampler::make({.seed = 3}));
  EXPECT_LT(std::abs(bohb - 0.2), 0.1) << bohb;
  EXPECT_GT(tpe, 0.45) << tpe;
}

}  // namespace
