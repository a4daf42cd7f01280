#include "parzen/multi_objective.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>
#include <set>

#include "parzen/error.hpp"

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
  EXPECT_TRUE(constrained_dominates(complete({1, 1}), complete({2, 2}, {0}), kMinMin));
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
