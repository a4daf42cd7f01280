#pragma once
// The multi-objective and constrained test problems of bench_mo_quality, as defined in the
// literature; bench/optuna_mo_quality.py defines the same ones (same parameter names x0, x1, ...,
// same ranges, same order of constraints) for Optuna, and bench_mo_quality --check compares the
// two at random points. Every objective is minimised; a constraint is satisfied when <= 0.
//
//   ZDT1, ZDT2, ZDT3 (n = 30, x in [0, 1]): Zitzler, Deb and Thiele, "Comparison of
//     multiobjective evolutionary algorithms: empirical results", Evolutionary Computation 2000.
//   DTLZ2 (3 objectives, n = 12, k = 10): Deb, Thiele, Laumanns and Zitzler, "Scalable test
//     problems for evolutionary multiobjective optimization", 2005.
//   WFG4 (2 objectives, k = 4 position, l = 20 distance parameters, z_i in [0, 2i]): Huband,
//     Hingston, Barone and While, "A review of multiobjective test problems and a scalable test
//     problem toolkit", IEEE TEC 2006 (s_multi(30, 10, 0.35), r_sum, concave shape, S_m = 2m).
//   BNH, SRN, CONSTR: Deb, "Multi-objective optimization using evolutionary algorithms", 2001
//     (Binh and Korn; Srinivas and Deb; the CONSTR problem of Deb et al. 2002).
//   C2-DTLZ2 (3 objectives, r = 0.4): Jain and Deb, "An evolutionary many-objective optimization
//     algorithm using reference-point based nondominated sorting approach, part II", IEEE TEC 2014.
//   Gardner 1 and 2 (one objective, one constraint, x in [0, 6]^2): Gardner, Kusner, Xu,
//     Weinberger and Cunningham, "Bayesian optimization with inequality constraints", ICML 2014.

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "parzen/study.hpp"

namespace bench::mo {

struct Problem {
  std::string name;
  std::vector<double> reference;  // hypervolume reference point
  bool constrained;
  // {objectives..., constraints...} of the parameter values.
  std::vector<double> (*evaluate)(const std::vector<double>& x);
  size_t n_params;
  double low, high;  // every parameter's range, except where `ranges` says otherwise
  std::vector<std::pair<double, double>> ranges{};
};

inline std::pair<double, double> range_of(const Problem& p, size_t i) {
  return p.ranges.empty() ? std::pair{p.low, p.high} : p.ranges[i];
}

inline std::vector<double> suggest(parzen::Trial& t, const Problem& p) {
  std::vector<double> x(p.n_params);
  for (size_t i = 0; i < p.n_params; ++i) {
    const auto [low, high] = range_of(p, i);
    x[i] = t.suggest_float("x" + std::to_string(i), low, high);
  }
  return x;
}

inline double zdt_g(const std::vector<double>& x) {
  double s = 0;
  for (size_t i = 1; i < x.size(); ++i) s += x[i];
  return 1 + 9 * s / static_cast<double>(x.size() - 1);
}

inline std::vector<double> zdt1(const std::vector<double>& x) {
  const double g = zdt_g(x);
  return {x[0], g * (1 - std::sqrt(x[0] / g))};
}

inline std::vector<double> zdt2(const std::vector<double>& x) {
  const double g = zdt_g(x);
  return {x[0], g * (1 - (x[0] / g) * (x[0] / g))};
}

inline std::vector<double> zdt3(const std::vector<double>& x) {
  const double g = zdt_g(x);
  return {x[0], g * (1 - std::sqrt(x[0] / g) - x[0] / g * std::sin(10 * M_PI * x[0]))};
}

// DTLZ2's objectives for m objectives.
inline std::vector<double> dtlz2_objectives(const std::vector<double>& x, size_t m) {
  double g = 0;
  for (size_t i = m - 1; i < x.size(); ++i) g += (x[i] - 0.5) * (x[i] - 0.5);
  std::vector<double> f(m, 1 + g);
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j + 1 < m - i; ++j) f[i] *= std::cos(x[j] * M_PI / 2);
    if (i > 0) f[i] *= std::sin(x[m - 1 - i] * M_PI / 2);
  }
  return f;
}

inline std::vector<double> dtlz2(const std::vector<double>& x) { return dtlz2_objectives(x, 3); }

inline double s_multi(double y, double a, double b, double c) {
  const double t = std::abs(y - c) / (2 * (std::floor(c - y) + c));
  return (1 + std::cos((4 * a + 2) * M_PI * (0.5 - t)) + 4 * b * t * t) / (b + 2);
}

// WFG4 with 2 objectives, k = 4, l = 20 (x_i in [0, 2 (i + 1)]).
inline std::vector<double> wfg4(const std::vector<double>& z) {
  constexpr size_t k = 4;
  std::vector<double> y(z.size());
  for (size_t i = 0; i < z.size(); ++i)
    y[i] = std::clamp(
        s_multi(std::clamp(z[i] / (2.0 * static_cast<double>(i + 1)), 0.0, 1.0), 30, 10, 0.35), 0.0,
        1.0);
  double t1 = 0, t2 = 0;  // r_sum with unit weights: the means of the position and distance parts
  for (size_t i = 0; i < k; ++i) t1 += y[i];
  for (size_t i = k; i < y.size(); ++i) t2 += y[i];
  t1 /= static_cast<double>(k);
  t2 /= static_cast<double>(y.size() - k);
  // x_1 = max(t_M, A_1)(t_1 - 0.5) + 0.5 with A_1 = 1 is t_1; x_M = t_M.
  const double x1 = t1, xm = t2;
  return {xm + 2 * std::sin(x1 * M_PI / 2), xm + 4 * std::cos(x1 * M_PI / 2)};
}

inline std::vector<double> bnh(const std::vector<double>& x) {
  return {4 * x[0] * x[0] + 4 * x[1] * x[1], (x[0] - 5) * (x[0] - 5) + (x[1] - 5) * (x[1] - 5),
          (x[0] - 5) * (x[0] - 5) + x[1] * x[1] - 25,
          7.7 - (x[0] - 8) * (x[0] - 8) - (x[1] + 3) * (x[1] + 3)};
}

inline std::vector<double> srn(const std::vector<double>& x) {
  return {2 + (x[0] - 2) * (x[0] - 2) + (x[1] - 1) * (x[1] - 1), 9 * x[0] - (x[1] - 1) * (x[1] - 1),
          x[0] * x[0] + x[1] * x[1] - 225, x[0] - 3 * x[1] + 10};
}

inline std::vector<double> constr(const std::vector<double>& x) {
  return {x[0], (1 + x[1]) / x[0], 6 - x[1] - 9 * x[0], 1 + x[1] - 9 * x[0]};
}

inline std::vector<double> c2_dtlz2(const std::vector<double>& x) {
  constexpr double r = 0.4;
  std::vector<double> f = dtlz2_objectives(x, 3);
  double c = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < 3; ++i) {
    double v = (f[i] - 1) * (f[i] - 1) - r * r;
    for (size_t j = 0; j < 3; ++j)
      if (j != i) v += f[j] * f[j];
    c = std::min(c, v);
  }
  double centre = -r * r;
  for (size_t i = 0; i < 3; ++i)
    centre += (f[i] - 1 / std::sqrt(3.0)) * (f[i] - 1 / std::sqrt(3.0));
  f.push_back(std::min(c, centre));
  return f;
}

inline const std::vector<Problem>& problems() {
  static const std::vector<Problem> all = [] {
    std::vector<std::pair<double, double>> wfg_ranges;
    for (size_t i = 0; i < 24; ++i) wfg_ranges.emplace_back(0, 2.0 * static_cast<double>(i + 1));
    return std::vector<Problem>{
        {"zdt1", {11, 11}, false, zdt1, 30, 0, 1},
        {"zdt2", {11, 11}, false, zdt2, 30, 0, 1},
        {"zdt3", {11, 11}, false, zdt3, 30, 0, 1},
        {"dtlz2", {1.1, 1.1, 1.1}, false, dtlz2, 12, 0, 1},
        {"wfg4", {3.3, 5.5}, false, wfg4, 24, 0, 0, wfg_ranges},
        {"bnh", {140, 50}, true, bnh, 2, 0, 0, {{0, 5}, {0, 3}}},
        {"srn", {250, 50}, true, srn, 2, -20, 20},
        {"constr", {1.1, 10}, true, constr, 2, 0, 0, {{0.1, 1}, {0, 5}}},
        {"c2_dtlz2", {1.1, 1.1, 1.1}, true, c2_dtlz2, 12, 0, 1},
    };
  }();
  return all;
}

inline size_t n_objectives(const Problem& p) { return p.reference.size(); }

// Suggests p's parameters, sets its constraints (if any), returns its objective values.
inline std::vector<double> run_trial(parzen::Trial& t, const Problem& p) {
  std::vector<double> out = p.evaluate(suggest(t, p));
  const size_t m = n_objectives(p);
  if (out.size() > m) {
    t.set_constraints(std::vector<double>(out.begin() + static_cast<std::ptrdiff_t>(m), out.end()));
    out.resize(m);
  }
  return out;
}

// Constrained single-objective problems (Gardner et al. 2014), [0, 6]^2, one constraint.
struct ConstrainedProblem {
  std::string name;
  double optimum;                                                 // the constrained minimum
  std::vector<double> (*evaluate)(const std::vector<double>& x);  // {objective, constraint}
};

inline std::vector<double> gardner1(const std::vector<double>& x) {
  return {std::cos(2 * x[0]) * std::cos(x[1]) + std::sin(x[0]),
          std::cos(x[0]) * std::cos(x[1]) - std::sin(x[0]) * std::sin(x[1]) - 0.5};
}

inline std::vector<double> gardner2(const std::vector<double>& x) {
  return {std::sin(x[0]) + x[1], std::sin(x[0]) * std::sin(x[1]) + 0.95};
}

inline const std::vector<ConstrainedProblem>& constrained_problems() {
  // Gardner 1: -2 at (3 pi / 2, 0) (cos(2x) cos(y) >= -1, sin(x) >= -1); Gardner 2: at
  // x = 3 pi / 2, y = asin(0.95) (checked with SLSQP from 200 starts).
  static const std::vector<ConstrainedProblem> problems = {
      {"gardner1", -2.0, gardner1},
      {"gardner2", std::asin(0.95) - 1, gardner2},
  };
  return problems;
}

}  // namespace bench::mo
