#pragma once
// Helpers shared by the benchmark programs: running the Optuna side through Debian's
// /usr/bin/python3 and reading its JSON lines.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace bench {

// Runs a command (no user input reaches it) and returns the JSON objects it printed, one a line.
inline std::vector<nlohmann::json> run_json_lines(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run: " + command);
  std::vector<nlohmann::json> out;
  std::string line;
  char buf[4096];
  while (fgets(buf, sizeof buf, pipe)) {
    line += buf;
    if (line.empty() || line.back() != '\n') continue;
    if (line.front() == '{') out.push_back(nlohmann::json::parse(line));
    line.clear();
  }
  const int rc = pclose(pipe);
  if (rc != 0) throw std::runtime_error("failed (" + std::to_string(rc) + "): " + command);
  return out;
}

inline std::string bench_dir() { return PARZEN_BENCH_DIR; }

// The q-quantile with linear interpolation; an infinite neighbour (a run that never reached a
// target) makes the quantile that neighbour.
inline double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const auto hi = static_cast<size_t>(std::ceil(pos));
  if (std::isinf(v[lo]) || std::isinf(v[hi])) return v[hi];
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

// Two-sided Mann-Whitney U test, normal approximation with tie correction. Returns {U of a, p}.
inline std::pair<double, double> mann_whitney(const std::vector<double>& a,
                                              const std::vector<double>& b) {
  std::vector<std::pair<double, int>> all;
  for (double x : a) all.emplace_back(x, 0);
  for (double x : b) all.emplace_back(x, 1);
  std::sort(all.begin(), all.end());
  std::vector<double> rank(all.size());
  double tie_term = 0;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    const double r = (static_cast<double>(i) + static_cast<double>(j) + 1) / 2;  // 1-based average
    for (size_t k = i; k < j; ++k) rank[k] = r;
    const double t = static_cast<double>(j - i);
    tie_term += t * t * t - t;
    i = j;
  }
  double ra = 0;
  for (size_t i = 0; i < all.size(); ++i)
    if (all[i].second == 0) ra += rank[i];
  const double n1 = static_cast<double>(a.size()), n2 = static_cast<double>(b.size()), n = n1 + n2;
  const double u = ra - n1 * (n1 + 1) / 2;
  const double mean = n1 * n2 / 2;
  const double sd = std::sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))));
  const double z = sd > 0 ? (std::abs(u - mean) - 0.5) / sd : 0;
  return {u, std::erfc(std::max(z, 0.0) / std::sqrt(2.0))};
}

// Prints a Markdown table of median [interquartile range] per function (rows) and method
// (columns) and, when `a` and `b` are both given, a last column comparing them by a two-sided
// Mann-Whitney U test (p >= 0.05 is reported as a tie).
inline void print_regret_table(
    const std::vector<std::string>& functions, const std::vector<std::string>& methods,
    const std::map<std::string, std::map<std::string, std::vector<double>>>& regret,
    const std::string& a = "", const std::string& b = "", const std::string& title = "") {
  const bool compare = !a.empty() && !b.empty();
  fmt::print("| function |");
  for (const auto& m : methods) fmt::print(" {} |", m);
  fmt::print("{}\n|---|", compare ? " " + title + " |" : "");
  for (size_t i = 0; i < methods.size(); ++i) fmt::print("---:|");
  fmt::print("{}\n", compare ? "---|" : "");
  for (const auto& f : functions) {
    fmt::print("| {} |", f);
    for (const auto& m : methods) {
      const auto& v = regret.at(f).at(m);
      fmt::print(" {:.4g} [{:.3g}, {:.3g}] |", quantile(v, 0.5), quantile(v, 0.25),
                 quantile(v, 0.75));
    }
    if (compare) {
      const auto& va = regret.at(f).at(a);
      const auto& vb = regret.at(f).at(b);
      const auto [u, pvalue] = mann_whitney(va, vb);
      const bool better = quantile(va, 0.5) <= quantile(vb, 0.5);
      const char* verdict = pvalue >= 0.05 ? (better ? "lower median, tie (p >= 0.05)"
                                                     : "higher median, tie (p >= 0.05)")
                                           : (better ? "better (p < 0.05)" : "worse (p < 0.05)");
      fmt::print(" {} (U = {:.0f}, p = {:.3f}) |", verdict, u, pvalue);
    }
    fmt::print("\n");
  }
}

}  // namespace bench
