#pragma once
// The C++ peer of the quality suites: dlib (Debian libdlib-dev) on a bench::BoxProblem, either
// find_min_global or its engine global_function_search seeded per run. Include only where dlib
// is linked (CMake: dlib_FOUND).

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <limits>
#include <string>
#include <vector>

#include <dlib/global_optimization.h>

#include "box_problems.hpp"

namespace bench {

inline dlib::matrix<double, 0, 1> column(const std::vector<double>& v) {
  dlib::matrix<double, 0, 1> m(static_cast<long>(v.size()));
  for (size_t i = 0; i < v.size(); ++i) m(static_cast<long>(i)) = v[i];
  return m;
}

inline double evaluate(const BoxProblem& p, const dlib::matrix<double, 0, 1>& m) {
  std::vector<double> x(static_cast<size_t>(m.size()));
  for (long i = 0; i < m.size(); ++i) x[static_cast<size_t>(i)] = m(i);
  return p.f(x);
}

// method "find_min_global", or "engine": the engine under find_min_global, seeded with `seed`
// (it maximises, so it is given -f). Returns the final regret after `trials` evaluations.
inline double run_dlib(const BoxProblem& p, const std::string& method, int64_t trials,
                       uint64_t seed) {
  if (method == "find_min_global") {
    const auto result = dlib::find_min_global(
        [&](const dlib::matrix<double, 0, 1>& m) { return evaluate(p, m); }, column(p.low),
        column(p.high), dlib::max_function_calls(static_cast<size_t>(trials)));
    return result.y - p.optimum;
  }
  dlib::global_function_search search(dlib::function_spec(column(p.low), column(p.high)));
  search.set_seed(static_cast<time_t>(seed));
  double best = std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < trials; ++i) {
    auto next = search.get_next_x();
    const double y = evaluate(p, next.x());
    best = std::min(best, y);
    next.set(-y);
  }
  return best - p.optimum;
}

}  // namespace bench
