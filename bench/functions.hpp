#pragma once
// The test functions of the quality benchmark. bench/optuna_quality.py defines the same ones
// for Optuna; tests/bench/functions_test.cpp checks these at their known optima.

#include <cmath>
#include <string>
#include <vector>

#include "parzen/study.hpp"

namespace bench {

struct Problem {
  std::string name;
  double optimum;  // the global minimum
  double (*objective)(parzen::Trial&);
};

inline std::vector<double> floats(parzen::Trial& t, int d, double low, double high) {
  std::vector<double> x(static_cast<size_t>(d));
  for (int i = 0; i < d; ++i)
    x[static_cast<size_t>(i)] = t.suggest_float("x" + std::to_string(i), low, high);
  return x;
}

inline double branin(double x, double y) {
  const double b = 5.1 / (4 * M_PI * M_PI), c = 5 / M_PI, r = y - b * x * x + c * x - 6;
  return r * r + 10 * (1 - 1 / (8 * M_PI)) * std::cos(x) + 10;
}

inline double hartmann6(const std::vector<double>& x) {
  static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  static const double A[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                 {0.05, 10, 17, 0.1, 8, 14},
                                 {3, 3.5, 1.7, 10, 17, 8},
                                 {17, 8, 0.05, 10, 0.1, 14}};
  static const double P[4][6] = {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
                                 {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
                                 {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
                                 {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
  double s = 0;
  for (int i = 0; i < 4; ++i) {
    double inner = 0;
    for (int j = 0; j < 6; ++j)
      inner +=
          A[i][j] * (x[static_cast<size_t>(j)] - P[i][j]) * (x[static_cast<size_t>(j)] - P[i][j]);
    s -= alpha[i] * std::exp(-inner);
  }
  return s;
}

inline double rosenbrock(const std::vector<double>& x) {
  double s = 0;
  for (size_t i = 0; i + 1 < x.size(); ++i)
    s += 100 * (x[i + 1] - x[i] * x[i]) * (x[i + 1] - x[i] * x[i]) + (1 - x[i]) * (1 - x[i]);
  return s;
}

inline double ackley(const std::vector<double>& x) {
  double sq = 0, cs = 0;
  for (double v : x) sq += v * v, cs += std::cos(2 * M_PI * v);
  const double d = static_cast<double>(x.size());
  return -20 * std::exp(-0.2 * std::sqrt(sq / d)) - std::exp(cs / d) + 20 + M_E;
}

// Ackley's optimum moved off the centre of the box (methods that try the centre first solve the
// plain one by luck): the minimum 0 is at x = kAckleyShift.
inline const std::vector<double> kAckleyShift = {12.3,  -7.9, 20.1, -15.4, 3.3,
                                                 -24.6, 9.8,  -2.7, 17.5,  -11.2};
inline double ackley_shifted(const std::vector<double>& x) {
  std::vector<double> z(x.size());
  for (size_t i = 0; i < x.size(); ++i) z[i] = x[i] - kAckleyShift[i];
  return ackley(z);
}

inline double levy(const std::vector<double>& x) {
  std::vector<double> w;
  for (double v : x) w.push_back(1 + (v - 1) / 4);
  const size_t d = w.size();
  double s = std::pow(std::sin(M_PI * w[0]), 2);
  for (size_t i = 0; i + 1 < d; ++i)
    s += (w[i] - 1) * (w[i] - 1) * (1 + 10 * std::pow(std::sin(M_PI * w[i] + 1), 2));
  s += (w[d - 1] - 1) * (w[d - 1] - 1) * (1 + std::pow(std::sin(2 * M_PI * w[d - 1]), 2));
  return s;
}

inline double styblinski_tang(const std::vector<double>& x) {
  double s = 0;
  for (double v : x) s += v * v * v * v - 16 * v * v + 5 * v;
  return s / 2;
}

// Integer, log-scaled, categorical and conditional parameters; minimum 0 (model "a", x = 1,
// n = 7, lr = 1e-3, y = 3).
inline double mixed(parzen::Trial& t) {
  const auto model = t.suggest_categorical("model", {"a", "b", "c"});
  const double x = t.suggest_float("x", -5, 5);
  const auto n = t.suggest_int("n", 1, 20);
  const double lr = t.suggest_float("lr", 1e-5, 1, {.log = true});
  double v = (x - 1) * (x - 1) + (static_cast<double>(n) - 7) * (static_cast<double>(n) - 7) / 10 +
             (std::log10(lr) + 3) * (std::log10(lr) + 3);
  if (model == "a") {
    const double y = t.suggest_float("y", 0, 10);
    v += (y - 3) * (y - 3);
  } else if (model == "b") {
    const auto k = t.suggest_int("k", 1, 64, {.log = true});
    v += 1 + std::abs(std::log2(static_cast<double>(k)) - 3);
  } else {
    v += 2;
  }
  return v;
}

inline std::vector<Problem> problems() {
  return {
      {"branin", 0.397887357729738,
       [](parzen::Trial& t) {
         return branin(t.suggest_float("x", -5, 10), t.suggest_float("y", 0, 15));
       }},
      {"hartmann6", -3.322368011415515,
       [](parzen::Trial& t) { return hartmann6(floats(t, 6, 0, 1)); }},
      {"rosenbrock5", 0.0, [](parzen::Trial& t) { return rosenbrock(floats(t, 5, -5, 10)); }},
      {"ackley10", 0.0, [](parzen::Trial& t) { return ackley(floats(t, 10, -32.768, 32.768)); }},
      {"ackley10_shifted", 0.0,
       [](parzen::Trial& t) { return ackley_shifted(floats(t, 10, -32.768, 32.768)); }},
      {"levy10", 0.0, [](parzen::Trial& t) { return levy(floats(t, 10, -10, 10)); }},
      {"styblinski_tang8", -39.16616570377142 * 8,
       [](parzen::Trial& t) { return styblinski_tang(floats(t, 8, -5, 5)); }},
      {"mixed", 0.0, mixed},
  };
}

}  // namespace bench
