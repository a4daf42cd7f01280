// A complete trial without constraint values in a study whose other trials have them (try-out
// finding 2 of session 21): it counts as infeasible with an infinite violation, as Optuna 3.1's
// TPE (violation = inf) and NSGA-II (_constrained_dominates: dominated by any trial with
// constraint values) treat it; it used to count as feasible, and could be the best trial.
// Unconstrained studies are unchanged.

#include <gtest/gtest.h>

#include <cmath>

#include "parzen/error.hpp"
#include "parzen/multi_objective.hpp"
#include "parzen/study.hpp"

namespace {

using parzen::Direction;
using parzen::FrozenTrial;
namespace mo = parzen::multi_objective;

// Tells a trial with value(s) `values`, and constraints `constraints` when not empty.
void tell(parzen::Study& study, const std::vector<double>& values,
          const std::vector<double>& constraints) {
  auto t = study.ask();
  t.suggest_float("x", 0, 1);
  if (!constraints.empty()) t.set_constraints(constraints);
  study.tell(t, values);
}

parzen::Study silent_study(std::vector<Direction> directions) {
  return parzen::Study::create(
      {.directions = std::move(directions), .log_level = parzen::LogLevel::Silent});
}

TEST(MissingConstraints, ATrialWithoutThemIsNotTheBestOfAConstrainedStudy) {
  auto study = silent_study({Direction::Minimize});
  tell(study, {5.0}, {-1.0});  // feasible
  tell(study, {1.0}, {});      // no constraint values: the lowest value, but infeasible
  tell(study, {0.5}, {2.0});   // infeasible
  EXPECT_EQ(study.best_trial().number, 0);
  EXPECT_EQ(study.best_value(), 5.0);

  auto none_feasible = silent_study({Direction::Minimize});
  tell(none_feasible, {1.0}, {});
  tell(none_feasible, {2.0}, {3.0});
  try {
    none_feasible.best_trial();
    FAIL() << "no trial is feasible";
  } catch (const parzen::NotFound& e) {
    EXPECT_NE(std::string(e.what()).find("have no constraint values"), std::string::npos)
        << e.what();
  }
}

TEST(MissingConstraints, ATrialWithoutThemIsNotOnTheFeasibleParetoFront) {
  auto study = silent_study({Direction::Minimize, Direction::Minimize});
  tell(study, {1.0, 1.0}, {0.0});
  tell(study, {0.0, 0.0}, {});  // dominates trial 0, but has no constraint values
  const auto front = study.best_trials();
  ASSERT_EQ(front.size(), 1u);
  EXPECT_EQ(front[0].number, 0);
}

TEST(MissingConstraints, UnconstrainedStudiesAreUnchanged) {
  auto study = silent_study({Direction::Minimize});
  tell(study, {2.0}, {});
  tell(study, {1.0}, {});
  EXPECT_EQ(study.best_trial().number, 1);
  auto mo_study = silent_study({Direction::Minimize, Direction::Minimize});
  tell(mo_study, {1.0, 0.0}, {});
  tell(mo_study, {0.0, 1.0}, {});
  EXPECT_EQ(mo_study.best_trials().size(), 2u);
}

FrozenTrial complete(int64_t number, std::vector<double> values, std::vector<double> constraints) {
  FrozenTrial t;
  t.number = number;
  t.state = parzen::TrialState::Complete;
  t.values = std::move(values);
  t.constraints = std::move(constraints);
  return t;
}

TEST(MissingConstraints, ConstrainedDominationAndRanksAsOptuna31) {
  const std::vector<Direction> min2 = {Direction::Minimize, Direction::Minimize};
  const FrozenTrial with_bad = complete(0, {5, 5}, {100.0});  // badly infeasible
  const FrozenTrial without = complete(1, {0, 0}, {});
  const FrozenTrial other_without = complete(2, {1, 1}, {});
  // Optuna 3.1's _constrained_dominates: with constraint values beats without, whatever they are.
  EXPECT_TRUE(mo::constrained_dominates(with_bad, without, min2));
  EXPECT_FALSE(mo::constrained_dominates(without, with_bad, min2));
  // Neither has constraint values: plain domination.
  EXPECT_TRUE(mo::constrained_dominates(without, other_without, min2));
  EXPECT_EQ(mo::violation_in(without, true), std::numeric_limits<double>::infinity());
  EXPECT_EQ(mo::violation_in(without, false), 0.0);
  EXPECT_FALSE(mo::feasible_in(without, true));
  EXPECT_TRUE(mo::feasible_in(without, false));
  // Ranks: the feasible trial, then the infeasible one by violation, then those without.
  const FrozenTrial feasible = complete(3, {9, 9}, {-1.0});
  const auto rank =
      mo::constrained_non_dominated_ranks({&without, &with_bad, &feasible, &other_without}, min2);
  EXPECT_EQ(rank, (std::vector<size_t>{2, 1, 0, 2}));
  // Without any constraint values the ranks are the plain ones.
  EXPECT_EQ(mo::constrained_non_dominated_ranks({&without, &other_without}, min2),
            (std::vector<size_t>{0, 1}));
}

}  // namespace
