// The auto sampler: the documented choice for each kind of study (AutoSampler::choose and real
// studies), switching as the study grows, the stored choice, the debug log line, budgets, and the
// bookkeeping with several workers on one storage.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parzen/parzen.hpp"

using namespace parzen;

namespace {

// What comes after the GP phase on a numeric space of two or more parameters.
std::string after_gp() { return find_sampler("cmaes") ? "cmaes" : "tpe"; }

std::string choice_of(const FrozenTrial& t) {
  const auto it = t.system_attrs.find(keys::auto_sampler);
  return it == t.system_attrs.end() ? "" : it->get<std::string>();
}

std::vector<std::string> choices(const Study& study) {
  std::vector<std::string> out;
  for (const auto& t : study.trials()) out.push_back(choice_of(t));
  return out;
}

AutoStudyTraits numeric(int64_t n_trials, int64_t n_numeric = 3) {
  AutoStudyTraits s;
  s.n_trials = n_trials;
  s.n_complete = n_trials;
  s.n_numeric = n_numeric;
  return s;
}

double two_floats(Trial& t) {
  const double x = t.suggest_float("x", -3, 3), y = t.suggest_float("y", -3, 3);
  return x * x + y * y;
}

}  // namespace

TEST(AutoSampler, DocumentedChoiceForEachKindOfStudy) {
  const AutoSampler a({.seed = 1});
  AutoStudyTraits none;
  EXPECT_EQ(a.choose(none).sampler, "random");  // nothing complete yet

  EXPECT_EQ(a.choose(numeric(1)).sampler, "gp");
  EXPECT_EQ(a.choose(numeric(99)).sampler, "gp");
  EXPECT_EQ(a.choose(numeric(100)).sampler, after_gp());
  EXPECT_EQ(a.choose(numeric(5000)).sampler, after_gp());
  EXPECT_EQ(a.choose(numeric(100, 1)).sampler, "tpe");  // CMA-ES needs two dimensions

  // Two or three objectives, or constraints: the GP (log EHVI, log constrained EI) in the GP
  // phase, multi-objective or constrained TPE after it; four objectives or more: TPE.
  auto mo = numeric(10);
  mo.n_objectives = 2;
  EXPECT_EQ(a.choose(mo).sampler, "gp");
  mo.n_objectives = 3;
  EXPECT_EQ(a.choose(mo).sampler, "gp");
  auto many = numeric(10);
  many.n_objectives = 4;
  EXPECT_EQ(a.choose(many).sampler, "tpe");
  auto constrained = numeric(10);
  constrained.constraints = true;
  EXPECT_EQ(a.choose(constrained).sampler, "gp");
  auto late = numeric(100);  // past the GP phase of gp_trials (no budget)
  late.n_objectives = 2;
  EXPECT_EQ(a.choose(late).sampler, "tpe");
  late.constraints = true;
  EXPECT_EQ(a.choose(late).sampler, "tpe");
  late.n_objectives = 1;
  EXPECT_EQ(a.choose(late).sampler, "tpe");  // not CMA-ES: it does not model constraints
  auto mo_categorical = numeric(10, 1);      // the space rules come first
  mo_categorical.n_objectives = 2;
  mo_categorical.n_categorical = 1;
  EXPECT_EQ(a.choose(mo_categorical).sampler, "tpe");
  auto mo_conditional = mo;
  mo_conditional.conditional = true;
  EXPECT_EQ(a.choose(mo_conditional).sampler, "tpe");
  auto conditional = numeric(10);
  conditional.conditional = true;
  EXPECT_EQ(a.choose(conditional).sampler, "tpe");
  auto categorical = numeric(10, 2);
  categorical.n_categorical = 2;
  EXPECT_EQ(a.choose(categorical).sampler, "tpe");
  categorical.n_categorical = 1;  // fewer categorical than numeric: the GP one-hot encodes it
  EXPECT_EQ(a.choose(categorical).sampler, "gp");
  auto only_categorical = numeric(10, 0);
  only_categorical.n_categorical = 1;
  EXPECT_EQ(a.choose(only_categorical).sampler, "tpe");
  for (const auto& s : {mo, many, constrained, late, conditional})
    EXPECT_FALSE(a.choose(s).reason.empty());
}

TEST(AutoSampler, BudgetDecidesTheGpPhase) {
  // A known budget of at most gp_budget: the GP proposes all of it.
  const AutoSampler small({.seed = 1, .n_trials = 250});
  EXPECT_EQ(small.choose(numeric(236)).sampler, "gp");
  EXPECT_EQ(small.choose(numeric(248)).fallback, "gp");  // a trust-region turn (below)
  // A larger budget (or none): the GP proposes gp_trials.
  const AutoSampler large({.seed = 1, .n_trials = 1000});
  EXPECT_EQ(large.choose(numeric(99)).sampler, "gp");
  EXPECT_EQ(large.choose(numeric(100)).sampler, after_gp());
  AutoSampler hinted({.seed = 1});
  hinted.set_budget_hint(200);
  EXPECT_EQ(hinted.choose(numeric(150)).sampler, "gp");
  const AutoSampler no_gp({.seed = 1, .gp_trials = 0, .gp_budget = 0});
  EXPECT_EQ(no_gp.choose(numeric(1)).sampler, after_gp());
  // The same phase for several objectives and constraints.
  auto mo = numeric(236);
  mo.n_objectives = 3;
  mo.constraints = true;
  EXPECT_EQ(small.choose(mo).sampler, "gp");
  EXPECT_EQ(large.choose(mo).sampler, "tpe");
  EXPECT_EQ(no_gp.choose(mo).sampler, "tpe");
}

TEST(AutoSampler, KnownBudgetEndsWithTrustRegionTurns) {
  // The final local_share (0.5) of a known budget: every local_period-th (2nd) trial, counted
  // back from the last one, is a trust-region turn; its fallback is the phase's delegate. In the
  // final local_tail (0.05) every trial is one, without the stall check.
  const AutoSampler a({.seed = 1, .n_trials = 100});
  for (int64_t n = 1; n < 50; ++n) EXPECT_EQ(a.choose(numeric(n)).sampler, "gp") << n;
  for (int64_t n = 50; n < 100; ++n) {
    const auto c = a.choose(numeric(n));
    const bool turn = n % 2 == 1 || n >= 95;
    EXPECT_EQ(c.sampler, turn ? kTrustRegionStep : "gp") << n;
    if (turn) {
      EXPECT_EQ(c.fallback, "gp");
      EXPECT_EQ(c.stall_check, n < 95) << n;
      EXPECT_NE(c.reason.find("trust-region step"), std::string::npos) << c.reason;
    }
  }
  EXPECT_EQ(a.choose(numeric(100)).sampler, after_gp());  // past the budget: no plan any more
  // A large budget: the turns sit between CMA-ES's trials.
  const AutoSampler large({.seed = 1, .n_trials = 1000});
  EXPECT_EQ(large.choose(numeric(499)).sampler, after_gp());
  EXPECT_EQ(large.choose(numeric(501)).sampler, kTrustRegionStep);
  EXPECT_EQ(large.choose(numeric(501)).fallback, after_gp());
  EXPECT_EQ(large.choose(numeric(948)).sampler, after_gp());
  EXPECT_EQ(large.choose(numeric(950)).sampler, kTrustRegionStep);
  EXPECT_EQ(large.choose(numeric(999)).sampler, kTrustRegionStep);
  // Every trial of the last 10, or none at all; and no turn without a known budget.
  const AutoSampler tail({.seed = 1, .n_trials = 100, .local_share = 0.1, .local_period = 1});
  EXPECT_EQ(tail.choose(numeric(89)).sampler, "gp");
  for (int64_t n = 90; n < 100; ++n) EXPECT_EQ(tail.choose(numeric(n)).sampler, kTrustRegionStep);
  const AutoSampler off({.seed = 1, .n_trials = 100, .local_share = 0, .local_tail = 0});
  EXPECT_EQ(off.choose(numeric(99)).sampler, "gp");
  const AutoSampler unknown({.seed = 1});
  EXPECT_EQ(unknown.choose(numeric(99)).sampler, "gp");
  // Multi-objective, constrained and conditional studies never get one.
  auto mo = numeric(99);
  mo.n_objectives = 2;
  EXPECT_EQ(a.choose(mo).sampler, "gp");
  auto constrained = numeric(99);
  constrained.constraints = true;
  EXPECT_EQ(a.choose(constrained).sampler, "gp");
  auto conditional = numeric(99);
  conditional.conditional = true;
  EXPECT_EQ(a.choose(conditional).sampler, "tpe");
}

TEST(AutoSampler, TrustRegionTurnsInAStudy) {
  // A smooth 2-D function, budget 40: the GP, then from trial 20 every other trial a
  // trust-region step (no stall gate) that lands near the optimum; the choice is stored and
  // logged like any other.
  std::vector<std::string> debug;
  auto study = Study::create({.sampler = AutoSampler::make({.seed = 2, .local_stall = 0}),
                              .log_level = LogLevel::Debug,
                              .logger = [&](LogLevel level, const std::string& m) {
                                if (level == LogLevel::Debug && m.starts_with("AutoSampler"))
                                  debug.push_back(m);
                              }});
  auto f = [](Trial& t) {
    const double x = t.suggest_float("x", -3, 3), y = t.suggest_float("y", -3, 3);
    return (x - 0.7) * (x - 0.7) + 2 * (y + 0.4) * (y + 0.4) + 0.5 * x * y;
  };
  study.optimize(f, {.n_trials = 40});
  const auto c = choices(study);
  int turns = 0;
  for (size_t n = 0; n < c.size(); ++n) {
    if (n < 21 || (n % 2 == 0 && n < 38)) {  // the tail: trials 38 and 39
      EXPECT_NE(c[n], kTrustRegionStep) << n;
    }
    turns += c[n] == kTrustRegionStep;
  }
  EXPECT_GE(turns, 5);
  EXPECT_EQ(c.back(), kTrustRegionStep);
  bool logged = false;
  for (const auto& m : debug) logged |= m.find("uses \"trust-region\"") != std::string::npos;
  EXPECT_TRUE(logged);
  // The minimum of the quadratic: (x, y) solves [2 0.5; 0.5 4] (x, y) = (1.4, -1.6).
  const double fmin = -0.1706451612903226;
  EXPECT_LT(study.best_trial().values[0] - fmin, 1e-9);
  // The GP alone on the same budget stays further away.
  auto gp =
      Study::create({.sampler = AutoSampler::make({.seed = 2, .local_share = 0, .local_tail = 0}),
                     .log_level = LogLevel::Silent});
  gp.optimize(f, {.n_trials = 40});
  EXPECT_GT(gp.best_trial().values[0] - fmin, 1e-9);
}

TEST(AutoSampler, ValidatesItsOptions) {
  EXPECT_THROW(AutoSampler({.n_trials = 0}), OptionError);
  EXPECT_THROW(AutoSampler({.gp_trials = -1}), OptionError);
  EXPECT_THROW(AutoSampler({.gp_budget = -1}), OptionError);
  EXPECT_THROW(AutoSampler({.local_share = 1.5}), OptionError);
  EXPECT_THROW(AutoSampler({.local_share = -0.1}), OptionError);
  EXPECT_THROW(AutoSampler({.local_period = 0}), OptionError);
  EXPECT_THROW(AutoSampler({.local_stall = -1}), OptionError);
  EXPECT_THROW(AutoSampler({.local_tail = 2}), OptionError);
  try {
    validate(AutoSamplerOptions{.gp_trials = -1});
    FAIL();
  } catch (const OptionError& e) {
    EXPECT_EQ(e.key(), "gp_trials");
    EXPECT_STREQ(e.what(), "AutoSampler: gp_trials = -1, must be >= 0");
  }
}

TEST(AutoSampler, IsTheDefaultAndStoresItsChoicePerTrial) {
  auto study = Study::create({.log_level = LogLevel::Silent});  // no sampler given
  study.optimize(two_floats, {.n_trials = 3});
  const auto c = choices(study);
  ASSERT_EQ(c.size(), 3u);
  // optimize's n_trials (3) is the budget: at most gp_budget, so the GP proposes it all.
  EXPECT_EQ(c, (std::vector<std::string>{"random", "gp", "gp"}));
}

TEST(AutoSampler, SwitchesAsTheStudyGrowsAndLogsEachChange) {
  std::vector<std::string> debug;
  auto study = Study::create({.sampler = AutoSampler::make({.seed = 3, .gp_trials = 4}),
                              .log_level = LogLevel::Debug,
                              .logger = [&](LogLevel level, const std::string& m) {
                                if (level == LogLevel::Debug && m.starts_with("AutoSampler"))
                                  debug.push_back(m);
                              }});
  for (int i = 0; i < 6; ++i) {  // ask/tell: no budget known
    auto t = study.ask();
    study.tell(t, two_floats(t));
  }
  EXPECT_EQ(choices(study),
            (std::vector<std::string>{"random", "gp", "gp", "gp", after_gp(), after_gp()}));
  ASSERT_EQ(debug.size(), 3u);
  EXPECT_EQ(debug[0].rfind("AutoSampler: trial 0 uses \"random\": no complete trial", 0), 0u)
      << debug[0];
  EXPECT_EQ(debug[1].rfind("AutoSampler: trial 1 uses \"gp\" (was \"random\")", 0), 0u) << debug[1];
  EXPECT_NE(debug[2].find("trial 4 uses \"" + after_gp() + "\" (was \"gp\")"), std::string::npos)
      << debug[2];

  // The space becomes conditional: TPE from then on.
  for (int i = 0; i < 3; ++i) {
    auto t = study.ask();
    double v = two_floats(t);
    if (t.suggest_categorical("branch", {"a", "b"}) == "a") v += t.suggest_float("z", 0, 1);
    study.tell(t, v);
  }
  const auto c = choices(study);
  EXPECT_EQ(c[6], after_gp());  // asked before a trial with the new parameter was complete
  EXPECT_EQ(c[7], "tpe");
  EXPECT_EQ(c[8], "tpe");
}

TEST(AutoSampler, MultiObjectiveAndConstrainedStudiesGetTheGpThenTpe) {
  // Two objectives: the GP (log EHVI) for gp_trials (3 here, no budget), then MOTPE.
  auto mo =
      Study::create({.directions = {Direction::Minimize, Direction::Minimize},
                     .sampler = AutoSampler::make({.seed = 1, .gp_trials = 3, .gp_budget = 0}),
                     .log_level = LogLevel::Silent});
  auto two = [](Trial& t) {
    const double x = t.suggest_float("x", 0, 1), y = t.suggest_float("y", 0, 1);
    return std::vector<double>{x + y, 2 - x - y};
  };
  mo.optimize(two, {.n_trials = 5});
  EXPECT_EQ(choices(mo), (std::vector<std::string>{"random", "gp", "gp", "tpe", "tpe"}));
  EXPECT_EQ(mo.trials({TrialState::Complete}).size(), 5u);

  // Four objectives: beyond the GP's log EHVI, so TPE from the first complete trial on.
  auto four = Study::create({.directions = std::vector<Direction>(4, Direction::Minimize),
                             .sampler = AutoSampler::make({.seed = 1}),
                             .log_level = LogLevel::Silent});
  four.optimize(
      [](Trial& t) {
        const double x = t.suggest_float("x", 0, 1), y = t.suggest_float("y", 0, 1);
        return std::vector<double>{x, y, 1 - x, 1 - y};
      },
      {.n_trials = 3});
  EXPECT_EQ(choices(four), (std::vector<std::string>{"random", "tpe", "tpe"}));

  // Constraints: the GP (log constrained EI) for the whole small budget, no trust-region turn.
  auto constrained =
      Study::create({.sampler = AutoSampler::make({.seed = 1}), .log_level = LogLevel::Silent});
  constrained.optimize(
      [](Trial& t) {
        const double x = t.suggest_float("x", 0, 1), y = t.suggest_float("y", 0, 1);
        t.set_constraints({x - 0.5});
        return x + y;
      },
      {.n_trials = 12});
  const auto c = choices(constrained);
  EXPECT_EQ(c[0], "random");
  for (size_t i = 1; i < c.size(); ++i) EXPECT_EQ(c[i], "gp") << i;
  EXPECT_TRUE(constrained.best_trial().feasible());
}

TEST(AutoSampler, CategoricalStudiesGetTpe) {
  auto categorical =
      Study::create({.sampler = AutoSampler::make({.seed = 1}), .log_level = LogLevel::Silent});
  categorical.optimize(
      [](Trial& t) {
        const auto a = t.suggest_categorical("a", {"p", "q", "r"});
        const auto b = t.suggest_categorical("b", {"p", "q"});
        return t.suggest_float("x", 0, 1) + (a == b ? 0.0 : 1.0);
      },
      {.n_trials = 3});
  EXPECT_EQ(choices(categorical), (std::vector<std::string>{"random", "tpe", "tpe"}));
}

TEST(AutoSampler, EnqueuedTrialGetsItsChoiceAtAsk) {
  auto study =
      Study::create({.sampler = AutoSampler::make({.seed = 2}), .log_level = LogLevel::Silent});
  study.optimize(two_floats, {.n_trials = 2});
  study.enqueue_trial({{"x", 0.5}});  // y is left to the sampler
  auto t = study.ask();
  EXPECT_DOUBLE_EQ(t.suggest_float("x", -3, 3), 0.5);
  const double y = t.suggest_float("y", -3, 3);
  EXPECT_GE(y, -3);
  study.tell(t, 1.0);
  EXPECT_EQ(choices(study).back(), "gp");
}

TEST(AutoSampler, WorkersShareThePhaseAndKeepEachTrialsDelegate) {
  // Two workers, each with its own AutoSampler, on one storage: the GP phase (4 trials) counts
  // every trial of the study, the other worker's running ones included.
  auto storage = make_in_memory_storage();
  auto a = Study::create({.name = "w",
                          .storage_backend = storage,
                          .sampler = AutoSampler::make({.seed = 5, .gp_trials = 4}),
                          .log_level = LogLevel::Silent});
  auto b = Study::create({.name = "w",
                          .storage_backend = storage,
                          .sampler = AutoSampler::make({.seed = 5, .gp_trials = 4}),
                          .load_if_exists = true,
                          .log_level = LogLevel::Silent});
  auto t0 = a.ask();
  a.tell(t0, two_floats(t0));  // trial 0: random; the space is now known
  auto t1 = a.ask();           // gp (1 trial so far)
  auto t2 = b.ask();           // gp (2 so far, one of them running on the other worker)
  auto t3 = b.ask();           // gp
  auto t4 = a.ask();           // 4 trials so far, 3 of them running: past the GP phase
  // t1 was asked in the GP phase: its parameters still come from the GP's draws, whoever moved
  // the study on since.
  for (Trial* t : {&t1, &t2, &t3, &t4}) (t == &t2 || t == &t3 ? b : a).tell(*t, two_floats(*t));
  EXPECT_EQ(choices(a), (std::vector<std::string>{"random", "gp", "gp", "gp", after_gp()}));

  AutoSampler probe({.seed = 5, .gp_trials = 4});
  StudyView view(storage, a.id(), a.directions());
  view.refresh();
  auto running = a.ask();
  view.refresh();
  const auto traits = probe.observe(view);
  EXPECT_EQ(traits.n_trials, 6);
  EXPECT_EQ(traits.n_complete, 5);
  EXPECT_EQ(traits.n_running, 1);
  EXPECT_EQ(traits.n_numeric, 2);
  EXPECT_FALSE(traits.conditional);
  a.tell(running, 0.0);
  view.refresh();
  EXPECT_EQ(probe.observe(view).n_running, 0);  // incremental: the running trial was re-read
  EXPECT_EQ(probe.observe(view).n_complete, 6);
}

TEST(AutoSampler, RegistryBuildsItWithOptions) {
  auto s = make_sampler("auto", {{"seed", 1}, {"gp_trials", 7}, {"n_trials", 50}});
  auto* a = dynamic_cast<AutoSampler*>(s.get());
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->options().gp_trials, 7);
  EXPECT_EQ(a->options().n_trials, 50);
  EXPECT_THROW(make_sampler("auto", {{"gp_trials", -2}}), OptionError);
  auto local =
      make_sampler("auto", {{"local_share", 0.25}, {"local_period", 3}, {"local_stall", 0}});
  const auto& o = dynamic_cast<AutoSampler&>(*local).options();
  EXPECT_EQ(o.local_share, 0.25);
  EXPECT_EQ(o.local_period, 3);
  EXPECT_EQ(o.local_stall, 0.0);
  EXPECT_THROW(make_sampler("auto", {{"local_share", 2}}), OptionError);
}
