#include "parzen/multi_objective.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <set>
#include <string>

#include "parzen/error.hpp"
#include "parzen/study.hpp"

using namespace parzen;
using namespace parzen::multi_objective;

namespace {

const std::vector<Direction> kMinMin = {Direction::Minimize, Direction::Minimize};
const std::vector<Direction> kMinMax = {Direction::Minimize, Direction::Maximize};

FrozenTrial complete(std::vector<double> values, std::vector<double> constraints = {}) {
  FrozenTrial t;
  t.state = TrialState::Complete;
  t.values = std::move(values);
  t.constraints = std::move(constraints);
  return t;
}

// The volume the points dominate below `ref` (all minimised), by cutting space into the cells
// of the grid every point's coordinates draw and adding the cells some point dominates: slow,
// exact, and independent of the sweep and of WFG.
double grid_hypervolume(const std::vector<std::vector<double>>& points,
                        const std::vector<double>& ref) {
  const size_t d = ref.size();
  std::vector<std::vector<double>> cuts(d);
  for (size_t i = 0; i < d; ++i) {
    std::set<double> c = {ref[i]};
    for (const auto& p : points)
      if (p[i] < ref[i]) c.insert(p[i]);
    cuts[i].assign(c.begin(), c.end());
  }
  double volume = 0;
  std::vector<size_t> cell(d, 0);
  std::function<void(size_t)> walk = [&](size_t dim) {
    if (dim == d) {
      double v = 1;
      std::vector<double> low(d);
      for (size_t i = 0; i < d; ++i) {
        low[i] = cuts[i][cell[i]];
        v *= cuts[i][cell[i] + 1] - low[i];
      }
      const bool covered = std::any_of(points.begin(), points.end(), [&](const auto& p) {
        for (size_t i = 0; i < d; ++i)
          if (p[i] > low[i]) return false;
        return true;
      });
      if (covered) volume += v;
      return;
    }
    for (cell[dim] = 0; cell[dim] + 1 < cuts[dim].size(); ++cell[dim]) walk(dim + 1);
  };
  walk(0);
  return volume;
}

}  // namespace

TEST(MultiObjective, DominanceFollowsTheDirections) {
  EXPECT_TRUE(dominates({1, 2}, {2, 2}, kMinMin));
  EXPECT_FALSE(dominates({2, 2}, {2, 2}, kMinMin));  // equal: neither dominates
  EXPECT_FALSE(dominates({1, 3}, {2, 2}, kMinMin));  // a trade-off
  // Maximising the second objective: (1, 3) beats (2, 2) in both.
  EXPECT_TRUE(dominates({1, 3}, {2, 2}, kMinMax));
  EXPECT_EQ(oriented({1, 3}, kMinMax), (std::vector<double>{1, -3}));
  EXPECT_THROW(dominates({1}, {2, 2}, kMinMin), InvalidArgument);
}

TEST(MultiObjective, ConstrainedDominancePutsFeasibilityFirst) {
  const auto good = complete({5, 5}, {-1});
  const auto bad = complete({0, 0}, {2});
  const auto worse = complete({0, 0}, {1, 2});  // violation 3
  EXPECT_TRUE(constrained_dominates(good, bad, kMinMin));
  EXPECT_FALSE(constrained_dominates(bad, good, kMinMin));
  EXPECT_TRUE(constrained_dominates(bad, worse, kMinMin));  // smaller total violation
  // A trial without constraint values loses to one with them, whatever the values (Optuna 3.1's
  // _constrained_dominates; it used to count as feasible here: try-out 21 finding 2).
  EXPECT_FALSE(constrained_dominates(complete({1, 1}), complete({2, 2}, {0}), kMinMin));
  EXPECT_TRUE(constrained_dominates(complete({2, 2}, {0}), complete({1, 1}), kMinMin));
  EXPECT_FALSE(constrained_dominates(complete({1, 3}), complete({2, 2}), kMinMin));
}

TEST(MultiObjective, ParetoFrontAndRanks) {
  // Hand-worked: (1,4) (2,2) (4,1) are the front; (3,3) is behind (2,2); (4,4) behind (3,3).
  const std::vector<std::vector<double>> points = {{1, 4}, {3, 3}, {2, 2}, {4, 4}, {4, 1}, {2, 2}};
  EXPECT_EQ(pareto_front(points, kMinMin), (std::vector<size_t>{0, 2, 4, 5}));
  EXPECT_EQ(non_dominated_ranks(points, kMinMin), (std::vector<size_t>{0, 1, 0, 2, 0, 0}));
  // Maximising both reverses the order: (4,4) alone is the front.
  const std::vector<Direction> max_max = {Direction::Maximize, Direction::Maximize};
  EXPECT_EQ(pareto_front(points, max_max), (std::vector<size_t>{3}));
  EXPECT_EQ(non_dominated_ranks(points, max_max)[3], 0u);
  EXPECT_EQ(non_dominated_ranks(points, max_max)[1], 1u);
  EXPECT_TRUE(pareto_front({}, kMinMin).empty());
}

TEST(MultiObjective, HypervolumeInTwoDimensionsByHand) {
  // Reference (5, 5); points (1,4) (2,2) (4,1): 4x1 + 3x2 (above y=2 .. below 4 handled by the
  // sweep) -> areas: [1,5]x[4,5] = 4, [2,5]x[2,4] = 6, [4,5]x[1,2] = 1: total 11.
  EXPECT_DOUBLE_EQ(hypervolume({{1, 4}, {2, 2}, {4, 1}}, {5, 5}, kMinMin), 11.0);
  // A dominated point and a point outside the reference add nothing.
  EXPECT_DOUBLE_EQ(hypervolume({{1, 4}, {2, 2}, {4, 1}, {3, 3}, {6, 0}}, {5, 5}, kMinMin), 11.0);
  // Maximising the second objective: reference (5, -5) oriented to (5, 5).
  EXPECT_DOUBLE_EQ(hypervolume({{1, -4}, {2, -2}, {4, -1}}, {5, -5}, kMinMax), 11.0);
  EXPECT_DOUBLE_EQ(hypervolume({}, {5, 5}, kMinMin), 0.0);
  EXPECT_DOUBLE_EQ(hypervolume({{2}, {3}}, {5}, {Direction::Minimize}), 3.0);
}

TEST(MultiObjective, HypervolumeMatchesTheGridComputation) {
  std::mt19937_64 rng(13);
  std::uniform_int_distribution<int> coordinate(0, 9);
  for (size_t d : {2u, 3u, 4u}) {
    const std::vector<Direction> directions(d, Direction::Minimize);
    for (int round = 0; round < 20; ++round) {
      std::vector<std::vector<double>> points(3 + static_cast<size_t>(round) % 7);
      for (auto& p : points) {
        p.resize(d);
        for (auto& x : p) x = coordinate(rng);  // ties and duplicates on purpose
      }
      const std::vector<double> ref(d, 10.0);
      EXPECT_DOUBLE_EQ(hypervolume(points, ref, directions), grid_hypervolume(points, ref))
          << "d = " << d << ", round " << round;
    }
  }
}

namespace {

using Points = std::vector<std::vector<double>>;

// Random points with integer coordinates in [0, hi]: many ties and duplicates, and with hi above
// the reference's 10, points on and beyond the reference.
Points integer_points(std::mt19937_64& rng, size_t n, size_t d, int hi) {
  std::uniform_int_distribution<int> coordinate(0, hi);
  Points points(n, std::vector<double>(d));
  for (auto& p : points)
    for (auto& x : p) x = coordinate(rng);
  return points;
}

// Points on the sphere's positive orthant (all mutually non-dominated), scaled to [0, 1].
Points sphere_points(std::mt19937_64& rng, size_t n, size_t d) {
  std::normal_distribution<double> normal;
  Points points(n, std::vector<double>(d));
  for (auto& p : points) {
    double norm = 0;
    for (auto& x : p) {
      x = std::abs(normal(rng));
      norm += x * x;
    }
    for (auto& x : p) x /= std::sqrt(norm);
  }
  return points;
}

// The oriented points' reference cells (grid_hypervolume) after flipping maximised objectives.
double brute_force(const Points& points, const std::vector<double>& reference,
                   const std::vector<Direction>& directions) {
  Points o;
  for (const auto& p : points) o.push_back(oriented(p, directions));
  return grid_hypervolume(o, oriented(reference, directions));
}

// Ranks by peeling: the front of what is left, again and again (quadratic per front).
template <class Dominates>
std::vector<size_t> peeled_ranks(size_t n, Dominates dominates_fn) {
  std::vector<size_t> rank(n, SIZE_MAX);
  size_t assigned = 0;
  for (size_t r = 0; assigned < n; ++r) {
    std::vector<size_t> front;
    for (size_t i = 0; i < n; ++i) {
      if (rank[i] != SIZE_MAX) continue;
      bool dominated = false;
      for (size_t j = 0; j < n && !dominated; ++j)
        dominated = j != i && rank[j] == SIZE_MAX && dominates_fn(j, i);
      if (!dominated) front.push_back(i);
    }
    for (size_t i : front) rank[i] = r;
    assigned += front.size();
  }
  return rank;
}

void expect_relative(double actual, double expected, const std::string& what) {
  EXPECT_NEAR(actual, expected, 1e-12 * std::max(1.0, std::abs(expected))) << what;
}

}  // namespace

TEST(MultiObjective, HypervolumeMatchesBruteForceWithTiesDuplicatesAndOutsiders) {
  std::mt19937_64 rng(2024);
  for (size_t d = 2; d <= 5; ++d) {
    std::vector<Direction> directions(d, Direction::Minimize);
    directions[d - 1] = Direction::Maximize;  // mixed directions on every size
    std::vector<double> ref(d, 10.0);
    ref[d - 1] = -10.0;
    for (int round = 0; round < 25; ++round) {
      const size_t n = d <= 3 ? 2 + static_cast<size_t>(round) : 2 + static_cast<size_t>(round) % 8;
      Points points = integer_points(rng, n, d, 12);  // 11 and 12 lie beyond the reference
      for (auto& p : points) p[d - 1] = -p[d - 1];
      if (round % 3 == 0) points.push_back(points[0]);  // an exact duplicate
      expect_relative(hypervolume(points, ref, directions), brute_force(points, ref, directions),
                      fmt::format("d = {}, round {}", d, round));
    }
  }
}

TEST(MultiObjective, HypervolumeOfContinuousFrontsMatchesBruteForce) {
  std::mt19937_64 rng(7);
  for (size_t d = 2; d <= 5; ++d) {
    const std::vector<Direction> directions(d, Direction::Minimize);
    const std::vector<double> ref(d, 1.1);
    const size_t n = d == 2 ? 60 : d == 3 ? 30 : d == 4 ? 14 : 8;
    const Points points = sphere_points(rng, n, d);
    expect_relative(hypervolume(points, ref, directions), brute_force(points, ref, directions),
                    fmt::format("d = {}", d));
  }
}

TEST(MultiObjective, HypervolumeEdgeCasesAndErrors) {
  const std::vector<Direction> min3(3, Direction::Minimize);
  // A point on the reference in one objective adds nothing.
  EXPECT_EQ(hypervolume({{1, 1, 5}}, {5, 5, 5}, min3), 0.0);
  EXPECT_DOUBLE_EQ(hypervolume({{1, 1, 4}}, {5, 5, 5}, min3), 16.0);
  EXPECT_DOUBLE_EQ(hypervolume({{1, 1, 4}, {1, 1, 4}, {2, 2, 4.5}}, {5, 5, 5}, min3), 16.0);
  // A 1-objective front: the best point's distance to the reference.
  EXPECT_DOUBLE_EQ(hypervolume({{4}, {1}, {7}}, {5}, {Direction::Minimize}), 4.0);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_THROW(hypervolume({{1, nan, 1}}, {5, 5, 5}, min3), InvalidArgument);
  EXPECT_THROW(hypervolume({{1, 1, 1}}, {5, inf, 5}, min3), InvalidArgument);
  EXPECT_THROW(hypervolume({{1, 1, 1}}, {5, 5}, min3), InvalidArgument);
  EXPECT_THROW(hypervolume({{1, 1}}, {5, 5, 5}, min3), InvalidArgument);
  EXPECT_THROW(hypervolume({}, {}, {}), InvalidArgument);
  try {
    hypervolume({{1, 1, 1}, {1, nan, 1}}, {5, 5, 5}, min3);
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("point 1"), std::string::npos) << e.what();
  }
}

TEST(MultiObjective, ContributionsAreTheVolumeEachPointAloneAdds) {
  std::mt19937_64 rng(99);
  for (size_t d = 1; d <= 5; ++d) {
    std::vector<Direction> directions(d, Direction::Minimize);
    if (d > 1) directions[0] = Direction::Maximize;
    std::vector<double> ref(d, 10.0);
    if (d > 1) ref[0] = -10.0;
    for (int round = 0; round < 15; ++round) {
      Points points = round % 2 == 0
                          ? integer_points(rng, 3 + static_cast<size_t>(round) % 9, d, 11)
                          : sphere_points(rng, 3 + static_cast<size_t>(round) % 9, d);
      if (d > 1)
        for (auto& p : points) p[0] = -p[0];
      if (round % 4 == 1) points.push_back(points[1]);
      const double all = hypervolume(points, ref, directions);
      const auto contributions = hypervolume_contributions(points, ref, directions);
      ASSERT_EQ(contributions.size(), points.size());
      for (size_t i = 0; i < points.size(); ++i) {
        Points others = points;
        others.erase(others.begin() + static_cast<std::ptrdiff_t>(i));
        const double expected = all - hypervolume(others, ref, directions);
        EXPECT_NEAR(contributions[i], expected, 1e-9 * std::max(1.0, all))
            << "d = " << d << ", round " << round << ", point " << i;
        EXPECT_GE(contributions[i], 0.0);
      }
    }
  }
  // By hand: (1,4) (2,2) (4,1) with reference (5,5): 1x1, 2x2, 1x1; a copy zeroes both copies.
  EXPECT_EQ(hypervolume_contributions({{1, 4}, {2, 2}, {4, 1}}, {5, 5}, kMinMin),
            (std::vector<double>{1, 4, 1}));
  EXPECT_EQ(hypervolume_contributions({{1, 4}, {2, 2}, {4, 1}, {2, 2}, {6, 0}}, {5, 5}, kMinMin),
            (std::vector<double>{1, 0, 1, 0, 0}));
}

TEST(MultiObjective, NonDominatedRanksMatchPeeling) {
  std::mt19937_64 rng(5);
  for (size_t d = 2; d <= 4; ++d) {
    std::vector<Direction> directions(d, Direction::Minimize);
    directions[1] = Direction::Maximize;
    for (int round = 0; round < 30; ++round) {
      const size_t n = 1 + static_cast<size_t>(round) * 7;
      const Points points = integer_points(rng, n, d, round % 2 == 0 ? 4 : 1000);
      const auto expected = peeled_ranks(
          n, [&](size_t a, size_t b) { return dominates(points[a], points[b], directions); });
      EXPECT_EQ(non_dominated_ranks(points, directions), expected)
          << "d = " << d << ", round " << round;
      std::vector<size_t> front;
      for (size_t i = 0; i < n; ++i)
        if (expected[i] == 0) front.push_back(i);
      EXPECT_EQ(pareto_front(points, directions), front);
    }
  }
}

TEST(MultiObjective, ConstrainedRanksFollowConstrainedDomination) {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int> value(0, 5);
  std::uniform_int_distribution<int> constraint(-2, 2);
  for (int round = 0; round < 30; ++round) {
    std::vector<FrozenTrial> trials;
    for (int i = 0; i < 25; ++i) {
      std::vector<double> c;
      if (round % 3 != 0) c = {static_cast<double>(constraint(rng)), constraint(rng) * 0.5};
      trials.push_back(
          complete({static_cast<double>(value(rng)), static_cast<double>(value(rng))}, c));
    }
    std::vector<const FrozenTrial*> pointers;
    for (const auto& t : trials) pointers.push_back(&t);
    const auto expected = peeled_ranks(trials.size(), [&](size_t a, size_t b) {
      return constrained_dominates(trials[a], trials[b], kMinMax);
    });
    EXPECT_EQ(constrained_non_dominated_ranks(pointers, kMinMax), expected) << "round " << round;
  }
  // Feasible first, whatever the values; then by total violation.
  const auto a = complete({9, 9}, {0.0});
  const auto b = complete({0, 0}, {0.5, -3});
  const auto c = complete({0, 0}, {2});
  EXPECT_EQ(constrained_non_dominated_ranks({&c, &b, &a}, kMinMin), (std::vector<size_t>{2, 1, 0}));
  EXPECT_DOUBLE_EQ(total_violation(b), 0.5);
}

TEST(MultiObjective, CrowdingDistance) {
  const double inf = std::numeric_limits<double>::infinity();
  // Objective 0 range 4, objective 1 range 4: the middle points get (2/4 + 2/4) and so on.
  const Points points = {{0, 4}, {1, 3}, {2, 1}, {4, 0}};
  const auto d = crowding_distance(points, kMinMin);
  EXPECT_EQ(d[0], inf);
  EXPECT_EQ(d[3], inf);
  EXPECT_DOUBLE_EQ(d[1], 2.0 / 4 + 3.0 / 4);
  EXPECT_DOUBLE_EQ(d[2], 3.0 / 4 + 3.0 / 4);
  // Direction does not matter for distances; fewer than 3 points are all boundary points.
  EXPECT_EQ(crowding_distance(points, kMinMax), d);
  EXPECT_EQ(crowding_distance({{1, 1}, {2, 2}}, kMinMin), (std::vector<double>{inf, inf}));
  // An objective with one value adds nothing.
  const auto flat = crowding_distance({{0, 1}, {1, 1}, {3, 1}}, kMinMin);
  EXPECT_DOUBLE_EQ(flat[1], 1.0);
}

TEST(MultiObjective, DefaultReferencePointIsTenPercentBeyondTheWorst) {
  const auto ref = default_reference_point(
      {{1, -2, 0}, {10, -20, 0}}, {Direction::Minimize, Direction::Minimize, Direction::Maximize});
  ASSERT_EQ(ref.size(), 3u);
  EXPECT_DOUBLE_EQ(ref[0], 11.0);    // worst 10 -> 11
  EXPECT_DOUBLE_EQ(ref[1], -1.8);    // worst -2 -> -1.8
  EXPECT_DOUBLE_EQ(ref[2], -1e-12);  // maximised, worst 0 -> just below 0
  // Every point is strictly inside, so every point counts.
  EXPECT_GT(hypervolume({{1, -2, 0}}, ref,
                        {Direction::Minimize, Direction::Minimize, Direction::Maximize}),
            0.0);
  EXPECT_THROW(default_reference_point({}, kMinMin), InvalidArgument);
  EXPECT_THROW(default_reference_point({{1, std::numeric_limits<double>::infinity()}}, kMinMin),
               InvalidArgument);
}

TEST(MultiObjective, BestTrialsAreTheFeasibleParetoFront) {
  auto study = Study::create({.directions = kMinMin,
                              .sampler = RandomSampler::make({.seed = 1}),
                              .log_level = LogLevel::Silent});
  const auto tell = [&](std::vector<double> values, std::vector<double> constraints) {
    auto t = study.ask();
    t.set_constraints(constraints);
    study.tell(t, values);
  };
  tell({0, 0}, {1});      // 0: dominates everything but violates its constraint
  tell({1, 3}, {0});      // 1: feasible, on the front
  tell({3, 1}, {-2});     // 2: feasible, on the front
  tell({2, 4}, {-1});     // 3: dominated by 1
  tell({0.5, 5}, {0.1});  // 4: infeasible
  std::set<int64_t> front;
  for (const auto& t : study.best_trials()) {
    EXPECT_TRUE(t.feasible());
    front.insert(t.number);
  }
  EXPECT_EQ(front, (std::set<int64_t>{1, 2}));
}

TEST(MultiObjective, LargeTwoObjectiveSetsAgreeWithTheThreeObjectiveSweep) {
  // Above a few thousand points the 2-D sweep sorts by radix: check it against the 3-D sweep of
  // the same points with a flat third objective, on negative values, ties and duplicates.
  std::mt19937_64 rng(17);
  std::uniform_int_distribution<int> coarse(-50, 50);
  std::normal_distribution<double> fine;
  for (int round = 0; round < 4; ++round) {
    Points points2, points3;
    for (int i = 0; i < 6000; ++i) {
      const double x = round % 2 == 0 ? coarse(rng) : fine(rng);
      const double y = round % 2 == 0 ? coarse(rng) : -x + 0.3 * fine(rng);
      points2.push_back({x, y});
      points3.push_back({x, y, 0.0});
    }
    points2.push_back(points2[10]);
    points3.push_back(points3[10]);
    const double two = hypervolume(points2, {40, 40}, kMinMin);
    const double three =
        hypervolume(points3, {40, 40, 1}, std::vector<Direction>(3, Direction::Minimize));
    expect_relative(two, three, fmt::format("round {}", round));
    EXPECT_GT(two, 0.0);
  }
}
