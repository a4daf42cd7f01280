// fANOVA (Hutter, Hoos and Leyton-Brown, ICML 2014) over a random forest, as Optuna 3.1's
// FanovaImportanceEvaluator: scikit-learn's RandomForestRegressor (bootstrap samples, every
// feature considered at each split, mean squared error, thresholds at midpoints) and the
// marginal variance of each tree's prediction over its leaf partition.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include "importance/importance_internal.hpp"
#include "math/seed.hpp"
#include "parzen/error.hpp"

namespace parzen::importance {
namespace {

constexpr double kFeatureThreshold = 1e-7;  // scikit-learn's: closer values count as equal
constexpr double kEpsilon = 2.220446049250313e-16;

// A leaf of a fitted tree: its prediction and its box in the encoded space.
struct Leaf {
  double value;
  std::vector<double> lo, hi;
};

struct Encoded {
  std::vector<std::vector<double>> x;           // [column][sample]
  std::vector<double> lo, hi;                   // bounds per column
  std::vector<std::vector<size_t>> columns_of;  // per parameter: its columns
};

// Numerical parameters: one column, the internal value in [low, high]. Categorical: one 0/1
// column per choice in [0, 1] (Optuna's _SearchSpaceTransform without log or step transform).
Encoded encode(const Data& data) {
  Encoded e;
  const size_t n = data.values.size();
  for (size_t p = 0; p < data.names.size(); ++p) {
    std::vector<size_t> cols;
    if (const auto* c = std::get_if<CategoricalDistribution>(&data.distributions[p])) {
      for (size_t choice = 0; choice < c->choices.size(); ++choice) {
        cols.push_back(e.x.size());
        std::vector<double> col(n);
        for (size_t k = 0; k < n; ++k)
          col[k] = static_cast<size_t>(data.columns[p][k]) == choice ? 1.0 : 0.0;
        e.x.push_back(std::move(col));
        e.lo.push_back(0);
        e.hi.push_back(1);
      }
    } else {
      cols.push_back(e.x.size());
      e.x.push_back(data.columns[p]);
      if (const auto* f = std::get_if<FloatDistribution>(&data.distributions[p])) {
        e.lo.push_back(f->low);
        e.hi.push_back(f->high);
      } else {
        const auto& i = std::get<IntDistribution>(data.distributions[p]);
        e.lo.push_back(static_cast<double>(i.low));
        e.hi.push_back(static_cast<double>(i.high));
      }
    }
    e.columns_of.push_back(std::move(cols));
  }
  return e;
}

// One regression tree fitted like scikit-learn's DecisionTreeRegressor(splitter="best",
// max_features=None) on bootstrap weights. Samples are kept sorted per feature and partitioned
// stably at each split, so a tree costs O(samples x features x depth).
class TreeBuilder {
 public:
  TreeBuilder(const Encoded& e, const std::vector<double>& y,
              const std::vector<std::vector<uint32_t>>& presorted, int max_depth,
              std::mt19937_64& rng)
      : e_(e), y_(y), max_depth_(max_depth), rng_(rng) {
    n_features_ = e.x.size();
    w_.assign(y.size(), 0.0);
    const size_t n = y.size();
    std::uniform_int_distribution<size_t> draw(0, n - 1);
    for (size_t k = 0; k < n; ++k) w_[draw(rng_)] += 1;
    order_.resize(n_features_);
    for (size_t f = 0; f < n_features_; ++f) {
      order_[f].reserve(n);
      for (uint32_t s : presorted[f])
        if (w_[s] > 0) order_[f].push_back(s);
    }
    m_ = order_.empty() ? 0 : order_[0].size();
    left_.assign(n, 0);
    buffer_.resize(m_);
    features_.resize(n_features_);
    std::iota(features_.begin(), features_.end(), size_t{0});
  }

  std::vector<Leaf> build() {
    std::vector<Leaf> leaves;
    if (n_features_ == 0 || m_ == 0) return leaves;
    build(0, m_, 0, e_.lo, e_.hi, leaves);
    return leaves;
  }

 private:
  void build(size_t begin, size_t end, int depth, std::vector<double> lo, std::vector<double> hi,
             std::vector<Leaf>& leaves) {
    const auto& idx = order_[0];
    double w = 0, sum = 0, sq = 0;
    for (size_t i = begin; i < end; ++i) {
      const uint32_t s = idx[i];
      w += w_[s];
      sum += w_[s] * y_[s];
      sq += w_[s] * y_[s] * y_[s];
    }
    const double mean = sum / w;
    const double impurity = sq / w - mean * mean;
    const size_t count = end - begin;
    bool leaf = depth >= max_depth_ || count < 2 || impurity <= kEpsilon;
    size_t best_feature = 0, best_pos = 0;
    double best_threshold = 0;
    if (!leaf) {
      double best_proxy = -std::numeric_limits<double>::infinity();
      bool found = false;
      // Features in random order, as scikit-learn draws them: among equally good splits the
      // first drawn wins.
      for (size_t j = n_features_; j > 0; --j) {
        std::uniform_int_distribution<size_t> pick(0, j - 1);
        std::swap(features_[j - 1], features_[pick(rng_)]);
      }
      for (size_t f : features_) {
        const auto& o = order_[f];
        const auto& xf = e_.x[f];
        if (xf[o[end - 1]] <= xf[o[begin]] + kFeatureThreshold) continue;  // constant here
        double wl = 0, sl = 0;
        for (size_t i = begin; i + 1 < end; ++i) {
          const uint32_t s = o[i];
          wl += w_[s];
          sl += w_[s] * y_[s];
          const double a = xf[s], b = xf[o[i + 1]];
          if (b <= a + kFeatureThreshold) continue;
          const double wr = w - wl, sr = sum - sl;
          const double proxy = sl * sl / wl + sr * sr / wr;
          if (proxy > best_proxy) {
            best_proxy = proxy;
            best_feature = f;
            best_pos = i + 1;
            double t = a / 2 + b / 2;
            if (t == b || !std::isfinite(t)) t = a;
            best_threshold = t;
            found = true;
          }
        }
      }
      leaf = !found;
    }
    if (leaf) {
      leaves.push_back(Leaf{mean, std::move(lo), std::move(hi)});
      return;
    }
    // Mark the left samples, then partition every feature's order stably.
    const auto& ob = order_[best_feature];
    for (size_t i = begin; i < end; ++i) left_[ob[i]] = i < best_pos;
    for (size_t f = 0; f < n_features_; ++f) {
      if (f == best_feature) continue;
      auto& o = order_[f];
      size_t l = begin, r = 0;
      for (size_t i = begin; i < end; ++i) {
        if (left_[o[i]])
          o[l++] = o[i];
        else
          buffer_[r++] = o[i];
      }
      std::copy(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(r),
                o.begin() + static_cast<std::ptrdiff_t>(l));
    }
    std::vector<double> left_hi = hi, right_lo = lo;
    left_hi[best_feature] = best_threshold;
    right_lo[best_feature] = best_threshold;
    build(begin, best_pos, depth + 1, lo, std::move(left_hi), leaves);
    build(best_pos, end, depth + 1, std::move(right_lo), std::move(hi), leaves);
  }

  const Encoded& e_;
  const std::vector<double>& y_;
  int max_depth_;
  std::mt19937_64& rng_;
  size_t n_features_ = 0, m_ = 0;
  std::vector<double> w_;
  std::vector<std::vector<uint32_t>> order_;
  std::vector<char> left_;
  std::vector<uint32_t> buffer_;
  std::vector<size_t> features_;
};

double volume(const Leaf& l) {
  double v = 1;
  for (size_t c = 0; c < l.lo.size(); ++c) v *= l.hi[c] - l.lo[c];
  return v;
}

double weighted_variance(const std::vector<double>& values, const std::vector<double>& weights) {
  double w = 0, s = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    w += weights[i];
    s += weights[i] * values[i];
  }
  if (!(w > 0)) return 0;
  const double mean = s / w;
  double v = 0;
  for (size_t i = 0; i < values.size(); ++i)
    v += weights[i] * (values[i] - mean) * (values[i] - mean);
  return std::max(0.0, v / w);
}

// The variance of the tree's prediction as a function of the parameter's columns alone, the
// other columns marginalised out (averaged over their ranges): the prediction is constant on the
// cells between the tree's split values of those columns; a leaf covers a block of cells and
// adds its value there weighted by its volume over the other columns.
double marginal_variance(const std::vector<Leaf>& leaves, const std::vector<size_t>& cols,
                         const Encoded& e) {
  // Cell edges per column: the bounds and every split value the tree uses on it.
  std::vector<std::vector<double>> edges(cols.size());
  for (size_t j = 0; j < cols.size(); ++j) {
    const size_t c = cols[j];
    auto& ed = edges[j];
    for (const auto& l : leaves) {
      ed.push_back(l.lo[c]);
      ed.push_back(l.hi[c]);
    }
    ed.push_back(e.lo[c]);
    ed.push_back(e.hi[c]);
    std::sort(ed.begin(), ed.end());
    ed.erase(std::unique(ed.begin(), ed.end()), ed.end());
  }
  size_t n_cells = 1;
  std::vector<size_t> stride(cols.size());
  for (size_t j = cols.size(); j-- > 0;) {
    stride[j] = n_cells;
    n_cells *= edges[j].size() - 1;
    if (n_cells > (size_t{1} << 24))
      throw InvalidArgument(
          "fANOVA: a categorical parameter with this many choices makes too many cells to "
          "marginalise over; use the ped-anova evaluator");
  }
  std::vector<double> num(n_cells, 0.0), den(n_cells, 0.0);
  std::vector<size_t> first(cols.size()), last(cols.size()), at(cols.size());
  for (const auto& l : leaves) {
    double width = 1;
    for (size_t j = 0; j < cols.size(); ++j) {
      const size_t c = cols[j];
      const auto& ed = edges[j];
      first[j] = static_cast<size_t>(std::lower_bound(ed.begin(), ed.end(), l.lo[c]) - ed.begin());
      last[j] = static_cast<size_t>(std::lower_bound(ed.begin(), ed.end(), l.hi[c]) - ed.begin());
      width *= l.hi[c] - l.lo[c];
    }
    if (!(width > 0)) continue;
    const double u = volume(l) / width;
    // Every cell of the block first..last (exclusive) in each column.
    at = first;
    while (true) {
      size_t cell = 0;
      for (size_t j = 0; j < cols.size(); ++j) cell += at[j] * stride[j];
      num[cell] += l.value * u;
      den[cell] += u;
      size_t j = cols.size();
      while (j-- > 0) {
        if (++at[j] < last[j]) break;
        at[j] = first[j];
      }
      if (j == static_cast<size_t>(-1)) break;
    }
  }
  std::vector<double> values, weights;
  values.reserve(n_cells);
  weights.reserve(n_cells);
  for (size_t cell = 0; cell < n_cells; ++cell) {
    if (!(den[cell] > 0)) continue;
    double size = 1;
    size_t rest = cell;
    for (size_t j = 0; j < cols.size(); ++j) {
      const size_t k = rest / stride[j];
      rest %= stride[j];
      size *= edges[j][k + 1] - edges[j][k];
    }
    values.push_back(num[cell] / den[cell]);
    weights.push_back(den[cell] * size);
  }
  return weighted_variance(values, weights);
}

}  // namespace

std::vector<double> fanova(const Data& data, const ImportanceOptions& options) {
  const Encoded e = encode(data);
  const size_t n = data.values.size();
  std::vector<std::vector<uint32_t>> presorted(e.x.size());
  for (size_t c = 0; c < e.x.size(); ++c) {
    auto& o = presorted[c];
    o.resize(n);
    std::iota(o.begin(), o.end(), 0u);
    std::stable_sort(o.begin(), o.end(),
                     [&](uint32_t a, uint32_t b) { return e.x[c][a] < e.x[c][b]; });
  }
  const size_t n_params = data.names.size();
  const auto n_trees = static_cast<size_t>(options.n_trees);
  // Per tree: each parameter's fraction of the tree's variance; empty for a constant tree. The
  // trees are independent (each has its own seeded engine), so they are grown on several
  // threads and summed in tree order: the result does not depend on the thread count.
  std::vector<std::vector<double>> fractions(n_trees);
  std::atomic<size_t> next{0};
  std::mutex failure_mutex;
  std::exception_ptr failure;
  auto work = [&] {
    try {
      for (size_t t; (t = next.fetch_add(1)) < n_trees;) {
        std::mt19937_64 rng(math::splitmix64(options.seed * 0x9e3779b97f4a7c15ULL + t));
        TreeBuilder builder(e, data.values, presorted, options.max_depth, rng);
        const std::vector<Leaf> leaves = builder.build();
        std::vector<double> values, weights;
        for (const auto& l : leaves) {
          values.push_back(l.value);
          weights.push_back(volume(l));
        }
        const double total = weighted_variance(values, weights);
        if (!(total > 0)) continue;  // a constant tree says nothing (Optuna skips it too)
        fractions[t].resize(n_params);
        for (size_t p = 0; p < n_params; ++p)
          fractions[t][p] = marginal_variance(leaves, e.columns_of[p], e) / total;
      }
    } catch (...) {
      const std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
      next = n_trees;
    }
  };
  const size_t n_threads =
      std::min<size_t>({std::max(1u, std::thread::hardware_concurrency()), 8, n_trees});
  std::vector<std::thread> threads;
  for (size_t i = 1; i < n_threads; ++i) threads.emplace_back(work);
  work();
  for (auto& th : threads) th.join();
  if (failure) std::rethrow_exception(failure);
  std::vector<double> fraction_sum(n_params, 0.0);
  size_t counted = 0;
  for (const auto& f : fractions) {
    if (f.empty()) continue;
    ++counted;
    for (size_t p = 0; p < n_params; ++p) fraction_sum[p] += f[p];
  }
  if (counted == 0)
    throw InvalidArgument(
        "fANOVA: every tree of the forest predicts a constant (the complete trials' values "
        "hardly vary), so no parameter explains any variance; use the ped-anova evaluator");
  for (double& f : fraction_sum) f /= static_cast<double>(counted);
  return fraction_sum;
}

}  // namespace parzen::importance
