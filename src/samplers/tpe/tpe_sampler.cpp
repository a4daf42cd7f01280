// The TPE sampler: incremental bookkeeping of the history, the good/bad split, and the
// candidate selection. The estimators themselves are in parzen_estimator.cpp.

#include "parzen/tpe_sampler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "math/seed.hpp"
#include "parzen/error.hpp"
#include "registry/option_check.hpp"
#include "samplers/tpe/constrained_split.hpp"
#include "samplers/tpe/multi_objective_split.hpp"
#include "samplers/tpe/parzen_estimator.hpp"

namespace parzen {

using internal::check_option;

void validate(const TpeSamplerOptions& o) {
  check_option(o.n_startup_trials >= 0, "TpeSampler", "n_startup_trials", o.n_startup_trials,
               "must be >= 0");
  check_option(o.n_ei_candidates >= 1, "TpeSampler", "n_ei_candidates", o.n_ei_candidates,
               "must be >= 1");
  check_option(o.prior_weight > 0 && std::isfinite(o.prior_weight), "TpeSampler", "prior_weight",
               o.prior_weight, "must be > 0 and finite");
  check_option(!o.group || o.multivariate, "TpeSampler", "group", o.group,
               "needs multivariate = true");
  const auto m = static_cast<int>(o.constraints_method);
  check_option(m >= 0 && m <= static_cast<int>(TpeConstraintsMethod::CTpe), "TpeSampler",
               "constraints_method", m, "must be Auto, Optuna or CTpe");
}

using tpe::Axis;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

namespace internal {

struct TpeState {
  explicit TpeState(uint64_t s) : seed(s), random(RandomSamplerOptions{s}) {}

  // Draws come from an engine seeded per trial (math::trial_seed), not from one kept here.
  uint64_t seed;
  RandomSampler random;

  // A finished (complete or pruned) trial, ranked by (step_key, loss, number): complete trials
  // (step_key -inf) before pruned ones, pruned ones by how far they got.
  struct Obs {
    int64_t number;
    double step_key;
    double loss;
    double violation;  // sum of positive constraint values; NaN: the trial has none
  };
  std::vector<Obs> obs;
  // Several objectives (MOTPE): each observation's losses, n_objectives per observation.
  size_t n_objectives = 0;
  std::vector<double> losses;
  std::vector<uint32_t> ranked;     // obs indices, best first
  std::vector<uint32_t> by_number;  // obs indices by trial number
  std::vector<char> ingested;       // per trial number
  size_t scan_from = 0;             // every trial below it is finished and ingested
  bool constraints_enabled = false;
  // Each observation's constraint values (empty: none), for c-TPE; the longest such list.
  std::vector<std::vector<double>> obs_constraints;
  size_t n_constraints = 0;

  // Per parameter name, one entry per observation.
  struct Column {
    std::vector<double> raw;  // internal value; NaN when the trial lacks it
    // Kernel-space values of numerical observations, linear and log (NaN: absent, categorical,
    // or not positive), so that the hot loops need no branches or logs.
    std::vector<double> linear, logged;
    std::vector<int32_t> choice_set;  // categorical observations: their choices; -1 otherwise
    std::vector<uint32_t> by_value;   // obs having it, by raw value
    std::vector<uint32_t> by_number;  // obs having it, by trial number
    std::optional<Distribution> distribution;  // the latest one
    bool consistent = true;                    // the same distribution in every trial
  };
  std::map<std::string, Column> columns;
  std::vector<std::vector<ParamValue>> choice_sets;

  IntersectionSearchSpace intersection{/*include_pruned=*/true};  // fed by ingest
  std::vector<std::set<std::string>> groups;  // parameters that always occur together

  // Per ask.
  std::vector<const FrozenTrial*> running;
  std::vector<char> below;
  std::vector<double> below_weight;  // several objectives: the kernel weight of each below obs
  size_t split_for = std::numeric_limits<size_t>::max();
  std::vector<tpe::CtpeSplit> ctpe;  // c-TPE's splits, [0] the objective's; empty: not c-TPE
  std::vector<double> scratch_weight;
  // The default rank weights of rank_weights_n observations (the same for every parameter of a
  // trial that every observation has): computed once, not per parameter.
  std::vector<double> rank_weights;
  size_t rank_weights_n = std::numeric_limits<size_t>::max();

  bool less(uint32_t a, uint32_t b) const {
    const Obs &x = obs[a], &y = obs[b];
    if (x.step_key != y.step_key) return x.step_key < y.step_key;
    if (x.loss != y.loss) return x.loss < y.loss;
    return x.number < y.number;
  }

  int32_t choice_set_id(const std::vector<ParamValue>& choices) {
    for (size_t i = 0; i < choice_sets.size(); ++i)
      if (choice_sets[i] == choices) return static_cast<int32_t>(i);
    choice_sets.push_back(choices);
    return static_cast<int32_t>(choice_sets.size() - 1);
  }

  void ingest(const FrozenTrial& t, const std::vector<double>& signs) {
    const double sign = signs[0];
    Obs o{t.number, -kInf, 0.0, kNaN};
    if (t.state == TrialState::Complete) {
      o.loss = sign * t.values.at(0);
      if (n_objectives > 1)
        for (size_t k = 0; k < n_objectives; ++k) losses.push_back(signs[k] * t.values.at(k));
    } else if (!t.intermediate_values.empty()) {
      const auto& [step, value] = *t.intermediate_values.rbegin();
      o.step_key = -static_cast<double>(step);
      o.loss = std::isnan(value) ? kInf : sign * value;
    } else {
      o.step_key = 1;
    }
    if (!t.constraints.empty()) {
      constraints_enabled = true;
      o.violation = 0;
      for (double c : t.constraints) o.violation += std::max(c, 0.0);
    }
    obs_constraints.push_back(t.constraints);
    n_constraints = std::max(n_constraints, t.constraints.size());
    const auto j = static_cast<uint32_t>(obs.size());
    obs.push_back(o);
    ranked.insert(std::upper_bound(ranked.begin(), ranked.end(), j,
                                   [this](uint32_t a, uint32_t b) { return less(a, b); }),
                  j);
    auto by_num = [this](uint32_t a, uint32_t b) { return obs[a].number < obs[b].number; };
    by_number.insert(std::upper_bound(by_number.begin(), by_number.end(), j, by_num), j);

    for (auto& [name, col] : columns) {
      col.raw.push_back(kNaN);
      col.linear.push_back(kNaN);
      col.logged.push_back(kNaN);
      col.choice_set.push_back(-1);
    }
    for (const auto& [name, value] : t.params) {
      const Distribution& d = t.distributions.at(name);
      auto [it, fresh] = columns.try_emplace(name);
      Column& col = it->second;
      if (fresh) {
        col.raw.assign(obs.size(), kNaN);
        col.linear.assign(obs.size(), kNaN);
        col.logged.assign(obs.size(), kNaN);
        col.choice_set.assign(obs.size(), -1);
      }
      if (col.distribution && !(*col.distribution == d)) col.consistent = false;
      col.distribution = d;
      col.raw[j] = parzen::to_internal(d, value, name);
      if (const auto* c = std::get_if<CategoricalDistribution>(&d)) {
        col.choice_set[j] = choice_set_id(c->choices);
      } else {
        col.linear[j] = col.raw[j];
        if (col.raw[j] > 0) col.logged[j] = std::log(col.raw[j]);
      }
      col.by_value.insert(
          std::upper_bound(col.by_value.begin(), col.by_value.end(), j,
                           [&col](uint32_t a, uint32_t b) { return col.raw[a] < col.raw[b]; }),
          j);
      col.by_number.insert(std::upper_bound(col.by_number.begin(), col.by_number.end(), j, by_num),
                           j);
    }

    intersection.add(t.distributions);

    // Refine the groups: each splits into the part the trial has and the part it lacks.
    std::set<std::string> present;
    for (const auto& [name, v] : t.params) present.insert(name);
    std::vector<std::set<std::string>> refined;
    std::set<std::string> covered;
    for (const auto& g : groups) {
      std::set<std::string> in, out;
      for (const auto& name : g) (present.count(name) ? in : out).insert(name);
      covered.insert(g.begin(), g.end());
      if (!in.empty()) refined.push_back(std::move(in));
      if (!out.empty()) refined.push_back(std::move(out));
    }
    std::set<std::string> rest;
    for (const auto& name : present)
      if (!covered.count(name)) rest.insert(name);
    if (!rest.empty()) refined.push_back(std::move(rest));
    groups = std::move(refined);
  }
};

}  // namespace internal

// ---------------------------------------------------------------------------------------------

int64_t TpeSampler::default_gamma(int64_t n) {
  return std::min<int64_t>(static_cast<int64_t>(std::ceil(0.1 * static_cast<double>(n))), 25);
}

std::vector<double> TpeSampler::default_weights(int64_t n) {
  if (n <= 0) return {};
  std::vector<double> w(static_cast<size_t>(n), 1.0);
  if (n < 25) return w;
  // The oldest n - 25 fade linearly from 1/n up to 1 (numpy.linspace(1/n, 1, n - 25)).
  const int64_t ramp = n - 25;
  const double start = 1.0 / static_cast<double>(n);
  for (int64_t i = 0; i < ramp; ++i)
    w[static_cast<size_t>(i)] =
        ramp == 1 ? start
                  : start + (1.0 - start) * static_cast<double>(i) / static_cast<double>(ramp - 1);
  return w;
}

TpeSampler::TpeSampler(TpeSamplerOptions options) : options_(std::move(options)) {
  validate(options_);
  if (!options_.gamma) options_.gamma = default_gamma;
  // options_.weights stays empty for the default: weights_for() then skips the validation.
  state_ =
      std::make_unique<internal::TpeState>(options_.seed ? *options_.seed : math::entropy_seed());
}

TpeSampler::~TpeSampler() = default;

void TpeSampler::check_objectives(size_t n_objectives) const {
  if (n_objectives > 1 && options_.constraints_method == TpeConstraintsMethod::CTpe)
    throw OptionError("constraints_method",
                      fmt::format("TpeSampler: constraints_method = \"ctpe\" models one objective "
                                  "and the study has {}; use \"auto\" or \"optuna\" (Optuna's "
                                  "rule) for several objectives",
                                  n_objectives));
}

namespace {

struct Sync {
  // Brings the state up to date with the view; remembers running trials for the constant liar.
  static void run(internal::TpeState& s, const StudyView& view, int64_t current,
                  const TpeSamplerOptions& o) {
    const bool constant_liar = o.constant_liar;
    // A sampler serves one study (Sampler::bind), so the number of objectives never changes.
    // (constraints_method = "ctpe" with several is refused before: check_objectives.)
    const size_t n_objectives = view.directions().size();
    s.n_objectives = n_objectives;
    // Several objectives: as Optuna, only complete trials count (pruned ones have no vector of
    // values) and running ones are not lied about.
    const bool multi = n_objectives > 1;
    std::vector<double> signs;
    for (Direction d : view.directions()) signs.push_back(d == Direction::Maximize ? -1.0 : 1.0);
    const auto& trials = view.trials();
    if (s.ingested.size() < trials.size()) s.ingested.resize(trials.size(), 0);
    s.running.clear();
    bool prefix_finished = true;
    for (size_t i = s.scan_from; i < trials.size(); ++i) {
      const FrozenTrial& t = trials[i];
      if ((t.state == TrialState::Complete || (t.state == TrialState::Pruned && !multi)) &&
          !s.ingested[i]) {
        s.ingest(t, signs);
        s.ingested[i] = 1;
      }
      if (is_finished(t.state)) {
        if (prefix_finished) s.scan_from = i + 1;
      } else {
        prefix_finished = false;
        if (constant_liar && !multi && t.state == TrialState::Running && t.number != current)
          s.running.push_back(&t);
      }
    }
  }
};

}  // namespace

// The total constraint violation of observation j; infinite for a trial without constraints
// (Optuna: such a trial ranks after every one that has them).
static double violation_of(const internal::TpeState& s, uint32_t j) {
  return std::isnan(s.obs[j].violation) ? kInf : s.obs[j].violation;
}

// Several objectives (Optuna 3.1's rule, see multi_objective_split.hpp). With constraints, as in
// Optuna: when more than n_below trials are feasible, the below set is chosen among the feasible
// ones only; otherwise it is every feasible trial and the least violating infeasible ones (ties
// by trial number), and the infeasible ones get the weight 1e-12.
static void split_multi_objective(internal::TpeState& s, size_t n_below) {
  s.below_weight.assign(s.obs.size(), 0.0);
  const size_t m = s.n_objectives;
  auto loss_point = [&](uint32_t j) {
    return std::vector<double>(s.losses.begin() + static_cast<std::ptrdiff_t>(j * m),
                               s.losses.begin() + static_cast<std::ptrdiff_t>((j + 1) * m));
  };
  std::vector<uint32_t> pool;  // candidates, by trial number
  if (s.constraints_enabled) {
    for (uint32_t j : s.by_number)
      if (violation_of(s, j) == 0) pool.push_back(j);
    if (pool.size() <= n_below) {
      std::vector<uint32_t> order = s.by_number;
      std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        return violation_of(s, a) < violation_of(s, b);
      });
      tpe::LossPoints feasible;
      for (size_t i = 0; i < n_below; ++i) {
        s.below[order[i]] = 1;
        s.below_weight[order[i]] = 1e-12;
      }
      for (uint32_t j : pool) feasible.push_back(loss_point(j));
      const std::vector<double> w = tpe::below_weights(feasible);
      for (size_t i = 0; i < pool.size(); ++i) s.below_weight[pool[i]] = w[i];
      return;
    }
  } else {
    pool = s.by_number;
  }
  tpe::LossPoints points;
  points.reserve(pool.size());
  for (uint32_t j : pool) points.push_back(loss_point(j));
  tpe::LossPoints below_points;
  std::vector<uint32_t> below;
  for (size_t i : tpe::select_below(points, n_below)) {
    below.push_back(pool[i]);
    below_points.push_back(points[i]);
  }
  const std::vector<double> w = tpe::below_weights(below_points);
  for (size_t i = 0; i < below.size(); ++i) {
    s.below[below[i]] = 1;
    s.below_weight[below[i]] = w[i];
  }
}

// The good/bad split, recomputed when observations were added.
static void split(internal::TpeState& s, const TpeSamplerOptions& o) {
  if (s.split_for == s.obs.size()) return;
  s.split_for = s.obs.size();
  const auto n = static_cast<int64_t>(s.obs.size());
  const auto n_below = static_cast<size_t>(std::clamp<int64_t>(o.gamma(n), 0, n));
  s.below.assign(s.obs.size(), 0);
  s.ctpe.clear();
  if (s.n_objectives > 1) return split_multi_objective(s, n_below);
  // Auto: c-TPE for independent sampling only; with multivariate, Optuna's rule measured better
  // (docs/benchmarks.md, Gardner 2).
  const bool ctpe = o.constraints_method == TpeConstraintsMethod::CTpe ||
                    (o.constraints_method == TpeConstraintsMethod::Auto && !o.multivariate);
  if (s.constraints_enabled && ctpe) {
    s.ctpe = tpe::ctpe_splits(s.ranked, s.obs_constraints, s.n_constraints, n_below);
    for (size_t j = 0; j < s.obs.size(); ++j) s.below[j] = s.ctpe[0].side[j] == 1;
    return;
  }
  if (!s.constraints_enabled) {
    for (size_t i = 0; i < n_below; ++i) s.below[s.ranked[i]] = 1;
    return;
  }
  // Feasible trials first, by loss; if there are too few, the least violating infeasible ones.
  auto violation = [&](uint32_t j) { return violation_of(s, j); };
  size_t taken = 0;
  for (uint32_t j : s.ranked)
    if (taken < n_below && violation(j) == 0) s.below[j] = 1, ++taken;
  if (taken < n_below) {
    std::vector<uint32_t> infeasible;
    for (uint32_t j : s.by_number)
      if (violation(j) > 0) infeasible.push_back(j);
    std::stable_sort(infeasible.begin(), infeasible.end(),
                     [&](uint32_t a, uint32_t b) { return violation(a) < violation(b); });
    for (size_t i = 0; i < infeasible.size() && taken < n_below; ++i)
      s.below[infeasible[i]] = 1, ++taken;
  }
}

namespace {

// Maps a column's categorical observations onto the indices of `d`'s choices (-1: absent).
std::vector<std::vector<int>> remap_choices(const internal::TpeState& s,
                                            const CategoricalDistribution& d) {
  // Through a hash of d's choices: a scan of them for every observed choice made each suggest
  // O(choices^2) (issue 20 finding 6). The last equal choice wins, as the scan had it.
  std::unordered_map<ParamValue, int> index;
  index.reserve(d.choices.size());
  for (size_t i = 0; i < d.choices.size(); ++i) index[d.choices[i]] = static_cast<int>(i);
  std::vector<std::vector<int>> map(s.choice_sets.size());
  for (size_t c = 0; c < s.choice_sets.size(); ++c)
    for (const auto& v : s.choice_sets[c]) {
      const auto it = index.find(v);
      map[c].push_back(it == index.end() ? -1 : it->second);
    }
  return map;
}

// The kernel-space value of observation j on `axis`, or NaN.
double obs_value(const internal::TpeState::Column& col, size_t j, const Axis& axis,
                 const std::vector<std::vector<int>>& remap) {
  const double raw = col.raw[j];
  if (std::isnan(raw)) return kNaN;
  if (axis.categorical) {
    if (col.choice_set[j] < 0) return kNaN;
    const int idx = remap[static_cast<size_t>(col.choice_set[j])][static_cast<size_t>(raw)];
    return idx < 0 ? kNaN : static_cast<double>(idx);
  }
  return col.choice_set[j] >= 0 ? kNaN : axis.to_kernel(raw);
}

// The kernel-space value of a running trial's parameter, or NaN.
double trial_value(const FrozenTrial& t, const std::string& name, const Axis& axis) {
  auto p = t.params.find(name);
  if (p == t.params.end()) return kNaN;
  try {
    if (axis.categorical) return parzen::to_internal(axis.distribution, p->second, name);
    if (std::holds_alternative<CategoricalDistribution>(t.distributions.at(name))) return kNaN;
    return axis.to_kernel(parzen::to_internal(t.distributions.at(name), p->second, name));
  } catch (const InvalidArgument&) {
    return kNaN;
  }
}

// Rank-based weights, oldest first, for n observations.
std::vector<double> weights_for(const TpeSamplerOptions& o, size_t n) {
  if (!o.weights) return TpeSampler::default_weights(static_cast<int64_t>(n));
  std::vector<double> w = o.weights(static_cast<int64_t>(n));
  if (w.size() < n)
    throw InvalidArgument(fmt::format(
        "TpeSampler: the weights function returned {} weights for {} observations", w.size(), n));
  for (size_t i = 0; i < n; ++i)
    if (!(w[i] >= 0) || !std::isfinite(w[i]))
      throw InvalidArgument(fmt::format(
          "TpeSampler: the weights function returned {} (weights must be finite and >= 0)", w[i]));
  w.resize(n);
  return w;
}

// The weight of the r-th oldest of n observations, without materialising the default weights.
class RankWeights {
 public:
  // `cache` (optional) keeps the default weights of the last n asked for.
  RankWeights(const TpeSamplerOptions& o, size_t n, internal::TpeState* cache = nullptr) : n_(n) {
    if (o.weights) {
      custom_ = weights_for(o, n);
    } else if (cache && n >= 25) {
      if (cache->rank_weights_n != n) {
        cache->rank_weights.resize(n);
        for (size_t r = 0; r < n; ++r) cache->rank_weights[r] = default_weight(r);
        cache->rank_weights_n = n;
      }
      cached_ = cache->rank_weights.data();
    }
  }
  double operator()(size_t r) const {
    if (!custom_.empty()) return custom_[r];
    if (cached_) return cached_[r];
    return default_weight(r);
  }

 private:
  double default_weight(size_t r) const {
    if (n_ < 25) return 1.0;
    const size_t ramp = n_ - 25;
    if (r >= ramp) return 1.0;
    const double start = 1.0 / static_cast<double>(n_);
    return ramp == 1
               ? start
               : start + (1.0 - start) * static_cast<double>(r) / static_cast<double>(ramp - 1);
  }

  size_t n_;
  std::vector<double> custom_;
  const double* cached_ = nullptr;
};

template <class Score, class Draw>
auto best_candidate(int64_t n_candidates, Draw&& draw, Score&& score) {
  auto best = draw();
  double best_score = score(best);
  for (int64_t i = 1; i < n_candidates; ++i) {
    auto c = draw();
    const double sc = score(c);
    if (sc > best_score) best = std::move(c), best_score = sc;
  }
  return best;
}

}  // namespace

namespace {

// c-TPE's score of a candidate: the sum over its splits of log r_k(x) (constrained_split.hpp).
template <class Estimator, class X>
double ctpe_score(const std::vector<Estimator>& l, const std::vector<Estimator>& g,
                  const std::vector<tpe::CtpeSplit>& splits, const X& x) {
  double score = 0;
  for (size_t k = 0; k < splits.size(); ++k)
    if (splits[k].gamma < 1)
      score += tpe::ctpe_log_ratio(l[k].log_pdf(x), g[k].log_pdf(x), splits[k].gamma);
  return score;
}

// n_ei_candidates draws from each split's l_k, the best by ctpe_score (the first on ties).
template <class Estimator>
auto ctpe_best(const std::vector<Estimator>& l, const std::vector<Estimator>& g,
               const std::vector<tpe::CtpeSplit>& splits, int64_t n_candidates,
               math::Mt19937_64& rng) {
  auto best = l[0].sample(rng);
  double best_score = ctpe_score(l, g, splits, best);
  for (size_t k = 0; k < l.size(); ++k)
    for (int64_t i = k == 0 ? 1 : 0; i < n_candidates; ++i) {
      auto c = l[k].sample(rng);
      const double sc = ctpe_score(l, g, splits, c);
      if (sc > best_score) best = std::move(c), best_score = sc;
    }
  return best;
}

// c-TPE's weights of n observations, oldest first: the weights option if set, else 1 each (the
// authors' code's default, "uniform"; it measured better on Gardner 1 and 2 than the age ramp).
std::vector<double> ctpe_weights(const TpeSamplerOptions& o, size_t n) {
  return o.weights ? weights_for(o, n) : std::vector<double>(n, 1.0);
}

// A kernel-space value with the trial number it came from.
struct Numbered {
  int64_t number;
  double value;
};

// The values of one side of a split, by trial number, with their weights (ctpe_weights); the
// running trials (constant liar) join the objective's bad side.
void ctpe_side(const internal::TpeState& s, const TpeSamplerOptions& o,
               const std::vector<std::pair<uint32_t, double>>& observed,
               const std::vector<Numbered>& running, const tpe::CtpeSplit& split, int8_t side,
               bool with_running, std::vector<double>& values, std::vector<double>& weights) {
  values.clear();
  auto r = running.begin();
  for (const auto& [j, v] : observed) {
    for (; with_running && r != running.end() && r->number < s.obs[j].number; ++r)
      values.push_back(r->value);
    if (split.side[j] == side) values.push_back(v);
  }
  for (; with_running && r != running.end(); ++r) values.push_back(r->value);
  weights = ctpe_weights(o, values.size());
}

// c-TPE for one parameter (sample_independent's body when s.ctpe is set).
double ctpe_independent(internal::TpeState& s, const TpeSamplerOptions& o, const std::string& name,
                        const Distribution& distribution, const tpe::EstimatorOptions& eo,
                        math::Mt19937_64& rng) {
  const Axis axis(distribution);
  std::vector<std::vector<int>> remap;
  if (axis.categorical) remap = remap_choices(s, std::get<CategoricalDistribution>(distribution));
  std::vector<std::pair<uint32_t, double>> observed;  // (observation, value), by trial number
  if (const auto col = s.columns.find(name); col != s.columns.end())
    for (uint32_t j : col->second.by_number)
      if (const double v = obs_value(col->second, j, axis, remap); !std::isnan(v))
        observed.emplace_back(j, v);
  std::vector<Numbered> running;
  for (const FrozenTrial* t : s.running)
    if (const double v = trial_value(*t, name, axis); !std::isnan(v))
      running.push_back({t->number, v});

  std::vector<double> values, weights;
  auto fit = [&](const tpe::CtpeSplit& split, int8_t side, bool with_running) {
    ctpe_side(s, o, observed, running, split, side, with_running, values, weights);
  };
  if (axis.categorical) {
    std::vector<tpe::CategoricalEstimator> l, g;
    for (size_t k = 0; k < s.ctpe.size(); ++k) {
      fit(s.ctpe[k], 1, false);
      l.emplace_back(axis.n_choices, values, weights, eo);
      fit(s.ctpe[k], 0, k == 0);
      g.emplace_back(axis.n_choices, values, weights, eo);
    }
    return ctpe_best(l, g, s.ctpe, o.n_ei_candidates, rng);
  }
  // Numerical estimators want their kernels sorted by value.
  auto numerical = [&] {
    std::vector<std::pair<double, double>> sorted;
    for (size_t i = 0; i < values.size(); ++i) sorted.emplace_back(values[i], weights[i]);
    std::sort(sorted.begin(), sorted.end());
    std::vector<double> mus, ws;
    for (const auto& [m, w] : sorted) mus.push_back(m), ws.push_back(w);
    return tpe::NumericalEstimator(axis, std::move(mus), std::move(ws), eo);
  };
  std::vector<tpe::NumericalEstimator> l, g;
  for (size_t k = 0; k < s.ctpe.size(); ++k) {
    fit(s.ctpe[k], 1, false);
    l.push_back(numerical());
    fit(s.ctpe[k], 0, k == 0);
    g.push_back(numerical());
  }
  const double best = ctpe_best(l, g, s.ctpe, o.n_ei_candidates, rng);
  return nearest_admissible(distribution, axis.to_internal(best));
}

}  // namespace

double TpeSampler::sample_independent(const StudyView& view, const FrozenTrial& trial,
                                      const std::string& name, const Distribution& distribution) {
  internal::TpeState& s = *state_;
  Sync::run(s, view, trial.number, options_);
  if (static_cast<int64_t>(s.obs.size()) < options_.n_startup_trials)
    return s.random.sample_independent(view, trial, name, distribution);
  split(s, options_);
  math::Mt19937_64 rng(math::trial_seed(s.seed, view.study_name(), trial.number, name));

  const tpe::EstimatorOptions eo{options_.prior_weight, options_.consider_magic_clip,
                                 options_.consider_endpoints, options_.weight_by_bandwidth};
  if (!s.ctpe.empty()) return ctpe_independent(s, options_, name, distribution, eo, rng);
  const Axis axis(distribution);
  std::vector<std::vector<int>> remap;
  if (axis.categorical) remap = remap_choices(s, std::get<CategoricalDistribution>(distribution));

  // Observations with this parameter, by trial number, split in two; running trials (constant
  // liar) join the bad ones.
  std::vector<double> below_values;  // by number
  std::vector<std::pair<int64_t, double>> running;
  for (const FrozenTrial* t : s.running) {
    const double v = trial_value(*t, name, axis);
    if (!std::isnan(v)) running.emplace_back(t->number, v);
  }
  const auto col_it = s.columns.find(name);
  const internal::TpeState::Column* col = col_it == s.columns.end() ? nullptr : &col_it->second;
  const double* kernel_values =
      col ? (axis.log ? col->logged.data() : col->linear.data()) : nullptr;
  auto value = [&](uint32_t j) {
    return axis.categorical ? obs_value(*col, j, axis, remap) : kernel_values[j];
  };
  size_t n_above = running.size();
  below_values.reserve(32);
  const bool multi = s.n_objectives > 1;
  std::vector<double> below_weights;  // several objectives: hypervolume-contribution weights
  if (col)
    for (uint32_t j : col->by_number) {
      const double v = value(j);
      if (std::isnan(v)) continue;
      if (s.below[j]) {
        below_values.push_back(v);
        if (multi) below_weights.push_back(s.below_weight[j]);
      } else {
        ++n_above;
      }
    }
  const std::vector<double> w_below =
      multi ? std::move(below_weights) : weights_for(options_, below_values.size());
  const RankWeights w_above(options_, n_above, &s);

  // Weight of each bad observation by its age rank among the bad ones.
  s.scratch_weight.resize(s.obs.size());
  std::vector<double> running_weight(running.size());
  {
    size_t r = 0, q = 0;
    auto next_running = [&] {
      return q < running.size() ? running[q].first : std::numeric_limits<int64_t>::max();
    };
    if (col)
      for (uint32_t j : col->by_number) {
        if (s.below[j] || std::isnan(value(j))) continue;
        while (next_running() < s.obs[j].number) running_weight[q++] = w_above(r++);
        s.scratch_weight[j] = w_above(r++);
      }
    while (q < running.size()) running_weight[q++] = w_above(r++);
  }

  if (axis.categorical) {
    std::vector<double> above_values, above_weights;
    if (col)
      for (uint32_t j : col->by_number) {
        const double v = value(j);
        if (std::isnan(v) || s.below[j]) continue;
        above_values.push_back(v);
        above_weights.push_back(s.scratch_weight[j]);
      }
    for (size_t q = 0; q < running.size(); ++q) {
      above_values.push_back(running[q].second);
      above_weights.push_back(running_weight[q]);
    }
    const tpe::CategoricalEstimator l(axis.n_choices, below_values, w_below, eo);
    const tpe::CategoricalEstimator g(axis.n_choices, above_values, above_weights, eo);
    return best_candidate(
        options_.n_ei_candidates, [&] { return l.sample(rng); },
        [&](double c) { return l.log_pdf(c) - g.log_pdf(c); });
  }

  // Numerical: both estimators want their kernels sorted by value. (Each vector is allocated
  // once, with room for the prior kernel the estimator inserts.)
  std::vector<std::pair<double, double>> below_sorted;
  below_sorted.reserve(below_values.size());
  for (size_t i = 0; i < below_values.size(); ++i)
    below_sorted.emplace_back(below_values[i], w_below[i]);
  std::sort(below_sorted.begin(), below_sorted.end());
  std::vector<double> bm, bw;
  bm.reserve(below_sorted.size() + 1);
  bw.reserve(below_sorted.size() + 1);
  for (const auto& [m, w] : below_sorted) bm.push_back(m), bw.push_back(w);

  std::vector<std::pair<double, double>> running_sorted;
  for (size_t q = 0; q < running.size(); ++q)
    running_sorted.emplace_back(running[q].second, running_weight[q]);
  std::sort(running_sorted.begin(), running_sorted.end());
  std::vector<double> am, aw;
  am.reserve(n_above + 1);
  aw.reserve(n_above + 1);
  am.resize(n_above);
  aw.resize(n_above);
  size_t q = 0, out = 0;
  auto emit = [&](double m, double w) {
    am[out] = m;
    aw[out] = w;
    ++out;
  };
  if (col)
    for (uint32_t j : col->by_value) {
      const double v = kernel_values[j];
      if (s.below[j] || std::isnan(v)) continue;
      while (q < running_sorted.size() && running_sorted[q].first < v)
        emit(running_sorted[q].first, running_sorted[q].second), ++q;
      emit(v, s.scratch_weight[j]);
    }
  for (; q < running_sorted.size(); ++q) emit(running_sorted[q].first, running_sorted[q].second);

  const tpe::NumericalEstimator l(axis, std::move(bm), std::move(bw), eo);
  const tpe::NumericalEstimator g(axis, std::move(am), std::move(aw), eo);
  const double best = best_candidate(
      options_.n_ei_candidates, [&] { return l.sample(rng); },
      [&](double x) { return l.log_pdf(x) - g.log_pdf(x); });
  return nearest_admissible(distribution, axis.to_internal(best));
}

SearchSpace TpeSampler::infer_relative_space(const StudyView& view, const FrozenTrial& trial) {
  if (!options_.multivariate) return {};
  internal::TpeState& s = *state_;
  Sync::run(s, view, trial.number, options_);
  SearchSpace space;
  if (options_.group) {
    for (const auto& g : s.groups)
      for (const auto& name : g) {
        const auto& col = s.columns.at(name);
        if (col.consistent && col.distribution && !is_single(*col.distribution))
          space.emplace(name, *col.distribution);
      }
    return space;
  }
  return without_single_values(s.intersection.space());
}

std::map<std::string, double> TpeSampler::sample_relative(const StudyView& view,
                                                          const FrozenTrial& trial,
                                                          const SearchSpace& space) {
  internal::TpeState& s = *state_;
  Sync::run(s, view, trial.number, options_);
  if (space.empty() || static_cast<int64_t>(s.obs.size()) < options_.n_startup_trials) return {};
  split(s, options_);
  const tpe::EstimatorOptions eo{options_.prior_weight, options_.consider_magic_clip,
                                 options_.consider_endpoints, options_.weight_by_bandwidth};
  // A stream name no parameter has, so that relative and independent draws are unrelated.
  math::Mt19937_64 rng(math::trial_seed(s.seed, view.study_name(), trial.number, "\n relative"));

  auto sample_joint = [&](const std::vector<std::string>& names,
                          std::map<std::string, double>& out) {
    std::vector<Axis> axes;
    std::vector<const internal::TpeState::Column*> cols;
    std::vector<std::vector<std::vector<int>>> remaps;
    for (const auto& name : names) {
      axes.emplace_back(space.at(name));
      auto it = s.columns.find(name);
      cols.push_back(it == s.columns.end() ? nullptr : &it->second);
      remaps.push_back(axes.back().categorical ? remap_choices(s, std::get<CategoricalDistribution>(
                                                                      axes.back().distribution))
                                               : std::vector<std::vector<int>>{});
    }
    // Rows of observations that have every parameter of the group, in trial-number order.
    std::vector<std::vector<double>> below_rows, above_rows;
    std::vector<double> below_weights;  // several objectives: hypervolume-contribution weights
    std::vector<int64_t> above_numbers;
    // c-TPE: every row in trial-number order with its observation (-1: a running trial).
    std::vector<std::vector<double>> all_rows;
    std::vector<int64_t> row_obs;
    std::vector<double> row(names.size());
    auto running_it = s.running.begin();
    auto add_running_before = [&](int64_t number) {
      for (; running_it != s.running.end() && (*running_it)->number < number; ++running_it) {
        bool complete = true;
        for (size_t a = 0; a < names.size() && complete; ++a) {
          row[a] = trial_value(**running_it, names[a], axes[a]);
          complete = !std::isnan(row[a]);
        }
        if (complete) {
          above_rows.push_back(row);
          all_rows.push_back(row);
          row_obs.push_back(-1);
        }
      }
    };
    for (uint32_t j : s.by_number) {
      add_running_before(s.obs[j].number);
      bool complete = true;
      for (size_t a = 0; a < names.size() && complete; ++a) {
        row[a] = cols[a] ? obs_value(*cols[a], j, axes[a], remaps[a]) : kNaN;
        complete = !std::isnan(row[a]);
      }
      if (!complete) continue;
      if (!s.ctpe.empty()) {
        all_rows.push_back(row);
        row_obs.push_back(j);
        continue;
      }
      (s.below[j] ? below_rows : above_rows).push_back(row);
      if (s.below[j]) below_weights.push_back(s.below_weight.empty() ? 0.0 : s.below_weight[j]);
    }
    add_running_before(std::numeric_limits<int64_t>::max());

    if (!s.ctpe.empty()) {
      // c-TPE: one (l, g) pair per split over the same rows; the running ones (constant liar)
      // join the objective's bad side.
      std::vector<std::vector<double>> good, bad;
      std::vector<tpe::MultivariateEstimator> l, g;
      l.reserve(s.ctpe.size());
      g.reserve(s.ctpe.size());
      for (size_t k = 0; k < s.ctpe.size(); ++k) {
        good.clear();
        bad.clear();
        for (size_t r = 0; r < row_obs.size(); ++r) {
          const int8_t side =
              row_obs[r] < 0 ? (k == 0 ? 0 : -1) : s.ctpe[k].side[static_cast<size_t>(row_obs[r])];
          if (side >= 0) (side == 1 ? good : bad).push_back(all_rows[r]);
        }
        l.emplace_back(axes, good, ctpe_weights(options_, good.size()), eo);
        g.emplace_back(axes, bad, ctpe_weights(options_, bad.size()), eo);
      }
      const auto best = ctpe_best(l, g, s.ctpe, options_.n_ei_candidates, rng);
      for (size_t a = 0; a < names.size(); ++a)
        out[names[a]] = nearest_admissible(axes[a].distribution, axes[a].to_internal(best[a]));
      return;
    }
    if (s.n_objectives <= 1) below_weights = weights_for(options_, below_rows.size());
    const tpe::MultivariateEstimator l(axes, below_rows, below_weights, eo);
    const tpe::MultivariateEstimator g(axes, above_rows, weights_for(options_, above_rows.size()),
                                       eo);
    const auto best = best_candidate(
        options_.n_ei_candidates, [&] { return l.sample(rng); },
        [&](const std::vector<double>& x) { return l.log_pdf(x) - g.log_pdf(x); });
    for (size_t a = 0; a < names.size(); ++a)
      out[names[a]] = nearest_admissible(axes[a].distribution, axes[a].to_internal(best[a]));
  };

  std::map<std::string, double> out;
  if (options_.group) {
    for (const auto& g : s.groups) {
      std::vector<std::string> names;
      for (const auto& name : g)
        if (space.count(name)) names.push_back(name);
      if (!names.empty()) sample_joint(names, out);
    }
  } else {
    std::vector<std::string> names;
    for (const auto& [name, d] : space) names.push_back(name);
    sample_joint(names, out);
  }
  return out;
}

}  // namespace parzen
