#pragma once
// `parzen importance STUDY`: the parameters ranked by importance (parzen/importance.hpp), as a
// table with bars or as JSON.

#include <cstdint>
#include <string>
#include <vector>

namespace parzen::cli {

struct ImportanceArgs {
  std::string storage{};
  std::string study{};
  std::string evaluator = "ped-anova";  // ped-anova or fanova
  std::string objective{};              // an index (0, 1, ...) or a metric name; empty: 0
  std::vector<std::string> params{};    // empty: every parameter all complete trials have
  double baseline_quantile = 0.1;       // PED-ANOVA
  bool global = false;                  // PED-ANOVA: compare with the whole search space
  int n_trees = 64;                     // fANOVA
  int max_depth = 64;                   // fANOVA
  uint64_t seed = 0;                    // fANOVA
  bool json = false;
};
int cmd_importance(const ImportanceArgs& args);

}  // namespace parzen::cli
