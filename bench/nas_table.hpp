#pragma once
// The NAS example's precomputed table (examples/nas/table.csv, written by
// examples/nas/make_table.py): every architecture of the MLP space x 3 seeds, with the mean
// 3-fold CV accuracy on scikit-learn's digits and the training time. A study looks an
// architecture up instead of training it, so search strategies compare in seconds
// (NAS-Bench-101's idea). A lookup of an architecture the table lacks is an error, never a
// silent default: a sampler proposing outside the space, or a space that drifted from the
// table's, shows up at once.

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "parzen/parzen.hpp"

namespace nas {

// The space, as make_table.py enumerates it.
inline const std::vector<int64_t> kWidths = {8, 16, 32};
inline const std::vector<std::string> kActivations = {"relu", "tanh", "logistic"};
inline const std::vector<double> kLearningRates = {0.003, 0.03};
inline constexpr int64_t kMaxDepth = 3;

struct Architecture {
  std::vector<int64_t> widths;  // one per layer: depth = widths.size()
  std::string activation;
  double learning_rate_init = 0;
  auto operator<=>(const Architecture&) const = default;
};

inline std::string to_string(const Architecture& a) {
  std::string w;
  for (int64_t x : a.widths) w += (w.empty() ? "" : "x") + std::to_string(x);
  return fmt::format("{} {} lr={}", w, a.activation, a.learning_rate_init);
}

struct Entry {
  std::vector<double> accuracy;       // one per seed
  std::vector<double> train_seconds;  // one per seed
  double mean_accuracy() const {
    double s = 0;
    for (double a : accuracy) s += a;
    return s / static_cast<double>(accuracy.size());
  }
};

class Table {
 public:
  // Reads the CSV; throws std::runtime_error naming the file and line of a malformed row, an
  // architecture outside the space, a seed given twice or an architecture with a seed missing.
  explicit Table(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(fmt::format("{}: cannot open the NAS table", path));
    std::string line;
    std::getline(in, line);
    const std::string header =
        "depth,width_1,width_2,width_3,activation,learning_rate_init,seed,accuracy,train_seconds";
    if (line != header)
      throw std::runtime_error(fmt::format("{}:1: header '{}', expected '{}'", path, line, header));
    std::map<Architecture, std::map<int64_t, std::pair<double, double>>> rows;
    for (int number = 2; std::getline(in, line); ++number) {
      if (line.empty()) continue;
      const auto where = [&] { return fmt::format("{}:{}", path, number); };
      std::vector<std::string> f;
      std::stringstream ss(line);
      for (std::string cell; std::getline(ss, cell, ',');) f.push_back(cell);
      if (line.back() == ',') f.emplace_back();
      if (f.size() != 9)
        throw std::runtime_error(fmt::format("{}: {} fields, expected 9", where(), f.size()));
      try {
        Architecture a;
        const int64_t depth = std::stoll(f[0]);
        if (depth < 1 || depth > kMaxDepth)
          throw std::runtime_error(fmt::format("depth {} outside 1..{}", depth, kMaxDepth));
        for (int64_t k = 0; k < kMaxDepth; ++k) {
          const std::string& cell = f[static_cast<size_t>(1 + k)];
          if (k < depth) {
            a.widths.push_back(std::stoll(cell));
            if (std::find(kWidths.begin(), kWidths.end(), a.widths.back()) == kWidths.end())
              throw std::runtime_error(fmt::format("width_{} = {} not in the space", k + 1, cell));
          } else if (!cell.empty()) {
            throw std::runtime_error(
                fmt::format("width_{} given for depth {} (must be empty)", k + 1, depth));
          }
        }
        a.activation = f[4];
        if (std::find(kActivations.begin(), kActivations.end(), a.activation) == kActivations.end())
          throw std::runtime_error(fmt::format("activation '{}' not in the space", f[4]));
        a.learning_rate_init = std::stod(f[5]);
        if (std::find(kLearningRates.begin(), kLearningRates.end(), a.learning_rate_init) ==
            kLearningRates.end())
          throw std::runtime_error(fmt::format("learning_rate_init {} not in the space", f[5]));
        const int64_t seed = std::stoll(f[6]);
        if (!rows[a].emplace(seed, std::pair{std::stod(f[7]), std::stod(f[8])}).second)
          throw std::runtime_error(fmt::format("{} seed {} given twice", to_string(a), seed));
      } catch (const std::logic_error& e) {  // std::stoll / std::stod
        throw std::runtime_error(fmt::format("{}: not a number in '{}'", where(), line));
      } catch (const std::runtime_error& e) {
        throw std::runtime_error(fmt::format("{}: {}", where(), e.what()));
      }
    }
    size_t seeds = 0;
    for (const auto& [a, by_seed] : rows) {
      if (seeds == 0) seeds = by_seed.size();
      if (by_seed.size() != seeds)
        throw std::runtime_error(fmt::format("{}: {} has {} seeds, others {}", path, to_string(a),
                                             by_seed.size(), seeds));
      Entry e;
      for (const auto& [seed, v] : by_seed) {
        e.accuracy.push_back(v.first);
        e.train_seconds.push_back(v.second);
      }
      entries_.emplace(a, std::move(e));
    }
    if (entries_.empty()) throw std::runtime_error(fmt::format("{}: no rows", path));
  }

  // Throws std::out_of_range naming the architecture when the table lacks it.
  const Entry& at(const Architecture& a) const {
    const auto it = entries_.find(a);
    if (it == entries_.end())
      throw std::out_of_range(fmt::format("architecture {} is not in the NAS table ({} entries)",
                                          to_string(a), entries_.size()));
    return it->second;
  }
  size_t size() const { return entries_.size(); }
  const std::map<Architecture, Entry>& entries() const { return entries_; }

  // The mean accuracy an architecture needs to be in the table's top `fraction` (at least one
  // architecture): the value of the ceil(fraction * size)-th best.
  double top_threshold(double fraction) const {
    std::vector<double> v;
    for (const auto& [a, e] : entries_) v.push_back(e.mean_accuracy());
    std::sort(v.begin(), v.end(), std::greater<>());
    const auto k = static_cast<size_t>(std::ceil(fraction * static_cast<double>(v.size())));
    return v[std::max<size_t>(k, 1) - 1];
  }

 private:
  std::map<Architecture, Entry> entries_;
};

// The architecture a trial suggests, with the names and choices of the live experiment
// (examples/nas/experiment.toml and train.py): depth, width_1 .. width_<depth>, activation,
// learning_rate_init.
inline Architecture suggest(parzen::Trial& t) {
  Architecture a;
  const int64_t depth = t.suggest_int("depth", 1, kMaxDepth);
  for (int64_t k = 1; k <= depth; ++k)
    a.widths.push_back(t.suggest_categorical(fmt::format("width_{}", k), kWidths));
  a.activation = t.suggest_categorical("activation", kActivations);
  a.learning_rate_init = t.suggest_categorical("learning_rate_init", kLearningRates);
  return a;
}

}  // namespace nas
