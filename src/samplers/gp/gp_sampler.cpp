#include "parzen/gp_sampler.hpp"

#include <LBFGSB.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <set>

#include <fmt/format.h>

#include "math/seed.hpp"
#include "math/sobol.hpp"
#include "parzen/error.hpp"
#include "parzen/multi_objective.hpp"
#include "parzen/search_space.hpp"
#include "registry/option_check.hpp"
#include "samplers/gp/gp.hpp"

namespace parzen {

using internal::check_option;

void validate(const GpSamplerOptions& o) {
  check_option(o.n_startup_trials >= 1, "GpSampler", "n_startup_trials", o.n_startup_trials,
               "must be >= 1");
  check_option(o.n_candidates >= 1, "GpSampler", "n_candidates", o.n_candidates, "must be >= 1");
  check_option(o.n_polish >= 1, "GpSampler", "n_polish", o.n_polish, "must be >= 1");
  check_option(o.ucb_beta >= 0 && std::isfinite(o.ucb_beta), "GpSampler", "ucb_beta", o.ucb_beta,
               "must be >= 0 and finite");
}

namespace {

// Hyperparameters are fitted on at most this many points (the best quarter and a random sample
// of the rest); the posterior always uses every point.
constexpr Eigen::Index kMaxFitPoints = 256;
// Past kMaxFitPoints trials the fit is repeated once the history has grown by this fraction;
// between fits the Cholesky factor is extended instead of recomputed.
constexpr double kRefitGrowth = 0.03;

// How each parameter of the space maps to coordinates of [0, 1]^D.
struct Encoding {
  enum class Kind { Continuous, Discrete, Categorical };
  struct Slot {
    std::string name;
    Distribution distribution;
    Kind kind = Kind::Continuous;
    Eigen::Index offset = 0, width = 1;  // categorical: one coordinate per choice
    bool log = false;
    double lo = 0, hi = 1;  // the modelled interval (in log space for log parameters)
    double step = 0;        // discrete: the spacing of the values
    double low = 0, high = 0;
  };
  std::vector<Slot> slots;
  Eigen::Index dimension = 0;

  explicit Encoding(const SearchSpace& space) {
    for (const auto& [name, d] : space) {
      Slot s{name, d};
      s.offset = dimension;
      if (const auto* c = std::get_if<CategoricalDistribution>(&d)) {
        s.kind = Kind::Categorical;
        s.width = static_cast<Eigen::Index>(c->choices.size());
      } else if (const auto* f = std::get_if<FloatDistribution>(&d)) {
        s.kind = f->step ? Kind::Discrete : Kind::Continuous;
        s.step = f->step.value_or(0.0);
        s.log = f->log;
        s.low = f->low;
        s.high = f->high;
        // A stepped float's values sit at the centres of equal cells, like an integer's.
        s.lo = f->step ? f->low - *f->step / 2 : f->low;
        s.hi = f->step ? f->high + *f->step / 2 : f->high;
      } else {
        const auto& i = std::get<IntDistribution>(d);
        s.kind = Kind::Discrete;
        s.step = static_cast<double>(i.step);
        s.log = i.log;
        s.low = static_cast<double>(i.low);
        s.high = static_cast<double>(i.high);
        s.lo = s.low - s.step / 2;  // each admissible value owns a cell of width step
        s.hi = s.high + s.step / 2;
      }
      if (s.log) s.lo = std::log(std::max(s.lo, 1e-300)), s.hi = std::log(s.hi);
      dimension += s.width;
      slots.push_back(std::move(s));
    }
  }

  static double coordinate(const Slot& s, double value) {
    const double t = s.log ? std::log(value) : value;
    return s.hi > s.lo ? std::clamp((t - s.lo) / (s.hi - s.lo), 0.0, 1.0) : 0.5;
  }

  // The parameter value (internal form) a coordinate stands for.
  static double value(const Slot& s, double coordinate) {
    double v = s.lo + std::clamp(coordinate, 0.0, 1.0) * (s.hi - s.lo);
    if (s.log) v = std::exp(v);
    // On the decimal grid, and the bounds exactly (not exp(log(0.01)) = 0.010000000000000004).
    return nearest_admissible(s.distribution, v);
  }

  Eigen::VectorXd encode(const std::map<std::string, double>& internal) const {
    Eigen::VectorXd x = Eigen::VectorXd::Zero(dimension);
    for (const auto& s : slots) {
      const double v = internal.at(s.name);
      if (s.kind == Kind::Categorical)
        x[s.offset + static_cast<Eigen::Index>(v)] = 1.0;
      else
        x[s.offset] = coordinate(s, v);
    }
    return x;
  }

  std::map<std::string, double> decode(const Eigen::VectorXd& x) const {
    std::map<std::string, double> out;
    for (const auto& s : slots) {
      if (s.kind == Kind::Categorical) {
        Eigen::Index best = 0;
        x.segment(s.offset, s.width).maxCoeff(&best);
        out[s.name] = static_cast<double>(best);
      } else {
        out[s.name] = value(s, x[s.offset]);
      }
    }
    return out;
  }

  // Moves x to where a trial proposed from it lands: integers and stepped floats rounded,
  // categoricals one-hot. The model is always evaluated at landed points.
  void land(Eigen::VectorXd& x) const {
    for (const auto& s : slots) {
      if (s.kind == Kind::Categorical) {
        Eigen::Index best = 0;
        x.segment(s.offset, s.width).maxCoeff(&best);
        x.segment(s.offset, s.width).setZero();
        x[s.offset + best] = 1.0;
      } else if (s.kind == Kind::Discrete) {
        x[s.offset] = coordinate(s, value(s, x[s.offset]));
      } else {
        x[s.offset] = std::clamp(x[s.offset], 0.0, 1.0);
      }
    }
  }

  bool has_discrete() const {
    return std::any_of(slots.begin(), slots.end(),
                       [](const Slot& s) { return s.kind != Kind::Continuous; });
  }
};

// Points of the scrambled Sobol sequence in [0, 1]^dim, or uniform random points where dim
// exceeds the sequence's table (one-hot codings of very large categoricals).
class QuasiRandom {
 public:
  QuasiRandom(Eigen::Index dim, uint64_t seed, std::mt19937_64& rng) : dim_(dim), rng_(rng) {
    if (dim <= static_cast<Eigen::Index>(math::ScrambledSobol::max_dimension()))
      sobol_.emplace(static_cast<unsigned>(dim), true, seed);
  }
  Eigen::VectorXd point(uint64_t index) {
    Eigen::VectorXd x(dim_);
    if (sobol_) {
      const auto u = sobol_->point(index);
      for (Eigen::Index i = 0; i < dim_; ++i) x[i] = u[static_cast<size_t>(i)];
    } else {
      std::uniform_real_distribution<double> unit(0.0, 1.0);
      for (auto& v : x) v = unit(rng_);
    }
    return x;
  }

 private:
  Eigen::Index dim_;
  std::mt19937_64& rng_;
  std::optional<math::ScrambledSobol> sobol_;
};

// The trial's parameters of `space` in internal form; nullopt if it lacks one.
std::optional<std::map<std::string, double>> internal_params(const FrozenTrial& t,
                                                             const SearchSpace& space) {
  std::map<std::string, double> out;
  for (const auto& [name, d] : space) {
    auto it = t.params.find(name);
    if (it == t.params.end() || t.distributions.at(name) != d) return std::nullopt;
    out[name] = to_internal(d, it->second, name);
  }
  return out;
}

gp::AcquisitionKind kind_of(GpAcquisition a) {
  switch (a) {
    case GpAcquisition::EI:
      return gp::AcquisitionKind::EI;
    case GpAcquisition::UCB:
      return gp::AcquisitionKind::UCB;
    case GpAcquisition::PI:
      return gp::AcquisitionKind::PI;
    default:
      return gp::AcquisitionKind::LogEI;
  }
}

// The acquisition the sampler maximises, over the fitted models:
//  - one objective: `acq` (log EI by default) of the objective's model;
//  - several objectives: log EHVI over `boxes`, the non-dominated region of the feasible trials'
//    modelled values, with one independent model per objective;
//  - with constraints, plus log P(feasible) = sum over constraints of log Phi((t_c - mu_c) /
//    sigma_c), t_c the constraint's threshold 0 in its model's scale (log constrained EI /
//    EHVI, as Optuna 4's GPSampler with constraints_func). With no feasible trial yet,
//    `objective_term` is false and log P(feasible) alone is maximised.
struct Scorer {
  std::vector<const gp::GaussianProcess*> objectives;
  gp::Acquisition acq;  // one objective
  gp::Boxes boxes;      // several objectives
  bool objective_term = true;
  std::vector<const gp::GaussianProcess*> constraints;
  std::vector<gp::Acquisition> feasibility;  // log PI below each threshold

  // The acquisition at every row of xs.
  Eigen::VectorXd values(const Eigen::MatrixXd& xs) const {
    Eigen::VectorXd out = Eigen::VectorXd::Zero(xs.rows());
    Eigen::VectorXd mean, var;
    if (objective_term && objectives.size() == 1) {
      objectives[0]->predict(xs, mean, var);
      for (Eigen::Index i = 0; i < xs.rows(); ++i) out[i] = acq.value(mean[i], std::sqrt(var[i]));
    } else if (objective_term) {
      const auto m = static_cast<Eigen::Index>(objectives.size());
      Eigen::MatrixXd means(xs.rows(), m), sds(xs.rows(), m);
      for (Eigen::Index k = 0; k < m; ++k) {
        objectives[static_cast<size_t>(k)]->predict(xs, mean, var);
        means.col(k) = mean;
        sds.col(k) = var.cwiseSqrt();
      }
      for (Eigen::Index i = 0; i < xs.rows(); ++i)
        out[i] = gp::log_ehvi(boxes, means.row(i).transpose(), sds.row(i).transpose());
    }
    for (size_t c = 0; c < constraints.size(); ++c) {
      constraints[c]->predict(xs, mean, var);
      for (Eigen::Index i = 0; i < xs.rows(); ++i)
        out[i] += feasibility[c].value(mean[i], std::sqrt(var[i]));
    }
    return out;
  }

  double value(const Eigen::VectorXd& x) const { return values(x.transpose())[0]; }

  // The acquisition at x and its gradient in x.
  double value(const Eigen::VectorXd& x, Eigen::VectorXd& grad) const {
    grad = Eigen::VectorXd::Zero(x.size());
    double total = 0;
    const auto add = [&](const gp::GaussianProcess& model, const gp::Acquisition& a) {
      double mu = 0, var = 0, d_mean = 0, d_sd = 0;
      Eigen::VectorXd dmu, dvar;
      model.predict_with_gradient(x, mu, var, dmu, dvar);
      const double sd = std::sqrt(var);
      total += a.value(mu, sd, d_mean, d_sd);
      grad += d_mean * dmu;
      if (sd > 1e-12) grad += d_sd / (2 * sd) * dvar;
    };
    if (objective_term && objectives.size() == 1) {
      add(*objectives[0], acq);
    } else if (objective_term) {
      const auto m = static_cast<Eigen::Index>(objectives.size());
      Eigen::VectorXd mean(m), sd(m);
      std::vector<Eigen::VectorXd> dmu(static_cast<size_t>(m)), dvar(static_cast<size_t>(m));
      for (Eigen::Index k = 0; k < m; ++k) {
        double mu = 0, var = 0;
        objectives[static_cast<size_t>(k)]->predict_with_gradient(
            x, mu, var, dmu[static_cast<size_t>(k)], dvar[static_cast<size_t>(k)]);
        mean[k] = mu;
        sd[k] = std::sqrt(var);
      }
      Eigen::VectorXd d_mean, d_sd;
      total += gp::log_ehvi(boxes, mean, sd, d_mean, d_sd);
      for (Eigen::Index k = 0; k < m; ++k) {
        grad += d_mean[k] * dmu[static_cast<size_t>(k)];
        if (sd[k] > 1e-12) grad += d_sd[k] / (2 * sd[k]) * dvar[static_cast<size_t>(k)];
      }
    }
    for (size_t c = 0; c < constraints.size(); ++c) add(*constraints[c], feasibility[c]);
    return total;
  }
};

}  // namespace

namespace internal {

// One modelled output's fit and cached model (an objective or a constraint).
struct GpModelCache {
  std::optional<gp::Hyperparameters> last_fit{};  // warm start
  int64_t n_fits = 0;
  Eigen::Index n_at_fit = 0;
  // The model of the complete trials at the last ask, reused (extended) while the
  // hyperparameters stay.
  std::optional<SearchSpace> cached_space{};
  std::vector<int64_t> cached_numbers{};
  std::optional<gp::GaussianProcess> cached_model{};
};

struct GpState {
  explicit GpState(uint64_t s) : seed(s), random(RandomSamplerOptions{s}) {}
  // Draws come from engines seeded per study and trial (math/seed.hpp), not from one kept here.
  uint64_t seed;
  RandomSampler random;
  IntersectionSearchSpace intersection{};
  // Objectives first (one per direction), then one per constraint.
  std::vector<GpModelCache> caches{};
};

}  // namespace internal

namespace {

// A complete trial, encoded: its point, its values oriented for minimisation, its constraint
// values (empty unless it has the study's number of them, all finite) and its feasibility.
struct Observation {
  Eigen::VectorXd x;
  std::vector<double> losses;
  std::vector<double> constraints;
  bool feasible = true;
  double violation = 0;  // the sum of the positive constraint values
};

// The study's trials in the space, encoded.
struct History {
  std::map<int64_t, Observation> complete;  // by number
  std::vector<Eigen::VectorXd> pending;     // running trials
  std::vector<Eigen::VectorXd> evaluated;   // every complete or running trial, landed
  size_t n_constraints = 0;                 // the most constraint values a complete trial has
};

History read_history(const StudyView& view, const FrozenTrial& trial, const SearchSpace& space,
                     const Encoding& enc) {
  const auto& directions = view.directions();
  History h;
  for (const FrozenTrial& t : view.trials())
    if (t.state == TrialState::Complete && t.number != trial.number)
      h.n_constraints = std::max(h.n_constraints, t.constraints.size());
  for (const FrozenTrial& t : view.trials()) {
    if (t.number == trial.number) continue;
    if (t.state != TrialState::Complete && t.state != TrialState::Running) continue;
    auto p = internal_params(t, space);
    if (!p) continue;
    Eigen::VectorXd x = enc.encode(*p);
    h.evaluated.push_back(x);
    if (t.state == TrialState::Complete && t.values.size() == directions.size() &&
        std::all_of(t.values.begin(), t.values.end(), [](double v) { return std::isfinite(v); })) {
      Observation o{std::move(x), {}, {}, true, 0.0};
      for (size_t k = 0; k < directions.size(); ++k)
        o.losses.push_back(directions[k] == Direction::Maximize ? -t.values[k] : t.values[k]);
      if (h.n_constraints > 0) {
        // A trial without the study's constraint values counts as infeasible.
        const bool usable = t.constraints.size() == h.n_constraints &&
                            std::all_of(t.constraints.begin(), t.constraints.end(),
                                        [](double c) { return std::isfinite(c); });
        if (usable) o.constraints = t.constraints;
        o.feasible = usable && t.feasible();
        for (double c : t.constraints)
          if (c > 0) o.violation += c;
        if (!usable) o.violation = std::numeric_limits<double>::infinity();
      }
      h.complete.emplace(t.number, std::move(o));
    } else if (t.state == TrialState::Running) {
      h.pending.push_back(std::move(x));
    }
  }
  return h;
}

// Whether a landed point is worth an evaluation: on a noise-free objective, not one already
// evaluated or running (an evaluation there could only return the same value).
class Novelty {
 public:
  Novelty(const History& history, bool noisy) : history_(history), noisy_(noisy) {}
  bool operator()(const Eigen::VectorXd& x) const {
    if (noisy_) return true;
    // Continuous coordinates of one value can differ in the last bits after an encode/decode
    // round trip; discrete and categorical ones are exact.
    return std::none_of(
        history_.evaluated.begin(), history_.evaluated.end(),
        [&](const Eigen::VectorXd& e) { return (e - x).cwiseAbs().maxCoeff() < 1e-9; });
  }

 private:
  const History& history_;
  bool noisy_;
};

// A uniformly random landed point that is novel, if one turns up in a few tries.
std::optional<Eigen::VectorXd> random_novel_point(const Encoding& enc, const Novelty& novel,
                                                  std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int attempt = 0; attempt < 256; ++attempt) {
    Eigen::VectorXd x(enc.dimension);
    for (auto& v : x) v = unit(rng);
    enc.land(x);
    if (novel(x)) return x;
  }
  return std::nullopt;
}

// Start-up: the scrambled Sobol point of the trial's number (so workers anywhere spread the
// first trials without coordination), or a random point where that one was evaluated already
// (small discrete spaces).
Eigen::VectorXd startup_point(const Encoding& enc, uint64_t sobol_seed, int64_t number,
                              const Novelty& novel, std::mt19937_64& rng) {
  Eigen::VectorXd x =
      QuasiRandom(enc.dimension, sobol_seed, rng).point(static_cast<uint64_t>(number));
  enc.land(x);
  if (novel(x)) return x;
  return random_novel_point(enc, novel, rng).value_or(x);
}

// The model of the complete trials, with its training data.
struct Model {
  Eigen::MatrixXd x;             // n x D, the rows in model order
  Eigen::VectorXd y;             // warped or standardised losses
  std::vector<int64_t> numbers;  // the trial of each row
  std::optional<gp::GaussianProcess> gp;
};

// One modelled output: by trial number, the point and the value.
using Column = std::map<int64_t, std::pair<Eigen::VectorXd, double>>;

// Fits (or reuses and extends) the model. Hyperparameters are refitted at every ask while the
// history is small, then once it has grown by kRefitGrowth, on a subset past kMaxFitPoints; the
// previous fit is the warm start. The outputs are clipped to the outlier fences (gp::clip_outliers,
// widened to `keep`), then Yeo-Johnson-warped (`warp`) or standardised.
Model fit_model(internal::GpModelCache& s, const GpSamplerOptions& options,
                const SearchSpace& space, const Column& history_complete, bool warp,
                std::mt19937_64& rng, std::optional<double> keep = std::nullopt) {
  // Model order: the cached model's trials first (so its factor can be extended), then the rest.
  std::vector<int64_t> order;
  const bool same_space = s.cached_space && *s.cached_space == space && s.cached_model;
  if (same_space) {
    for (int64_t number : s.cached_numbers) {
      if (!history_complete.count(number)) {
        order.clear();
        break;
      }
      order.push_back(number);
    }
  }
  const size_t reused = order.size();
  const std::set<int64_t> cached(order.begin(), order.end());
  for (const auto& [number, xy] : history_complete)
    if (!cached.count(number)) order.push_back(number);

  const auto n = static_cast<Eigen::Index>(order.size());
  const Eigen::Index dim = history_complete.begin()->second.first.size();
  Model m;
  m.x.resize(n, dim);
  m.y.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto& [xi, yi] = history_complete.at(order[static_cast<size_t>(i)]);
    m.x.row(i) = xi;
    m.y[i] = yi;
  }
  m.y = gp::clip_outliers(m.y, keep);
  m.y = warp ? gp::warp_outputs(m.y) : gp::standardise(m.y);

  const gp::HyperparameterPrior prior;
  const bool have_fit = s.last_fit && s.last_fit->log_lengthscales.size() == dim &&
                        s.last_fit->additive == options.additive_kernel;
  const bool refit = !have_fit || !same_space || n <= kMaxFitPoints ||
                     static_cast<double>(n) >= static_cast<double>(s.n_at_fit) * (1 + kRefitGrowth);
  if (refit) {
    gp::Hyperparameters start;
    if (have_fit) {
      start = *s.last_fit;
    } else {
      start.log_lengthscales = Eigen::VectorXd::Constant(dim, prior.log_lengthscale_mean);
      start.additive = options.additive_kernel;
      start.log_additive_variance = prior.log_additive_mean;
    }
    Eigen::MatrixXd fx = m.x;
    Eigen::VectorXd fy = m.y;
    if (n > kMaxFitPoints) {
      std::vector<Eigen::Index> idx(static_cast<size_t>(n));
      std::iota(idx.begin(), idx.end(), 0);
      std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return m.y[a] < m.y[b]; });
      const auto n_best = kMaxFitPoints / 4;
      std::shuffle(idx.begin() + n_best, idx.end(), rng);
      fx.resize(kMaxFitPoints, dim);
      fy.resize(kMaxFitPoints);
      for (Eigen::Index i = 0; i < kMaxFitPoints; ++i) {
        fx.row(i) = m.x.row(idx[static_cast<size_t>(i)]);
        fy[i] = m.y[idx[static_cast<size_t>(i)]];
      }
    }
    // A cold start also tries the prior's means; so does every tenth fit, in case the warm start
    // sits in a poor local optimum.
    const bool cold = !have_fit || s.n_fits % 10 == 0;
    s.last_fit = gp::fit_hyperparameters(fx, fy, start, prior, cold, cold ? 200 : 20);
    ++s.n_fits;
    s.n_at_fit = n;
  }

  if (!refit && same_space && reused > 0 &&
      s.cached_model->size() == static_cast<Eigen::Index>(reused)) {
    m.gp = std::move(s.cached_model);
    m.gp->extend(m.x.bottomRows(n - static_cast<Eigen::Index>(reused)), m.y);
  } else {
    m.gp.emplace(m.x, m.y, *s.last_fit);
  }
  s.cached_space = space;
  s.cached_numbers = order;
  s.cached_model = m.gp;
  m.numbers = std::move(order);
  return m;
}

// The single-objective acquisition; the incumbent is the best feasible trial's value (its
// posterior mean with noisy_objective). nullopt when no trial is feasible.
std::optional<gp::Acquisition> make_acquisition(const GpSamplerOptions& options, const Model& m,
                                                const std::vector<bool>& feasible) {
  gp::Acquisition acq;
  acq.kind = kind_of(options.acquisition);
  acq.beta = options.ucb_beta;
  const Eigen::VectorXd values = options.noisy_objective ? m.gp->training_means() : m.y;
  double best = std::numeric_limits<double>::infinity();
  for (Eigen::Index i = 0; i < values.size(); ++i)
    if (feasible[static_cast<size_t>(i)]) best = std::min(best, values[i]);
  if (!std::isfinite(best)) return std::nullopt;
  acq.best = best;
  return acq;
}

// Running trials as fantasies at the worst value seen (a pessimistic constant liar): the model
// then expects no improvement near them, so concurrent asks look elsewhere.
void add_fantasies(Model& m, const std::vector<Eigen::VectorXd>& pending) {
  if (pending.empty()) return;
  const Eigen::Index n = m.x.rows();
  Eigen::MatrixXd xp(static_cast<Eigen::Index>(pending.size()), m.x.cols());
  for (size_t i = 0; i < pending.size(); ++i) xp.row(static_cast<Eigen::Index>(i)) = pending[i];
  Eigen::VectorXd yf(n + xp.rows());
  yf.head(n) = m.y;
  yf.tail(xp.rows()).setConstant(m.y.maxCoeff());
  m.gp->extend(xp, yf);
}

// Candidates: a scrambled Sobol sweep (a stretch of the sequence of its own per trial), the
// best trials and points around them, all landed.
// `ranking` orders the model's rows, lowest best.
Eigen::MatrixXd candidates(const Encoding& enc, const Model& m, const Eigen::VectorXd& ranking,
                           int64_t n_sweep, uint64_t sobol_seed, int64_t number,
                           std::mt19937_64& rng) {
  const Eigen::Index dim = enc.dimension;
  const Eigen::Index n = m.x.rows();
  const Eigen::Index n_best = std::min<Eigen::Index>(5, n);
  constexpr Eigen::Index kPerturbations = 32;
  Eigen::MatrixXd cand(n_sweep + n_best * (1 + 2 * kPerturbations), dim);
  const uint64_t first = static_cast<uint64_t>(number) * static_cast<uint64_t>(n_sweep);
  Eigen::Index row = 0;
  QuasiRandom sweep(dim, sobol_seed, rng);
  for (int64_t i = 0; i < n_sweep; ++i)
    cand.row(row++) = sweep.point(first + static_cast<uint64_t>(i));
  std::vector<Eigen::Index> by_value(static_cast<size_t>(n));
  std::iota(by_value.begin(), by_value.end(), 0);
  std::partial_sort(by_value.begin(), by_value.begin() + n_best, by_value.end(),
                    [&](auto a, auto b) { return ranking[a] < ranking[b]; });
  std::normal_distribution<double> noise(0.0, 1.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<Eigen::Index> coordinate(0, dim - 1);
  for (Eigen::Index k = 0; k < n_best; ++k) {
    const Eigen::VectorXd centre = m.x.row(by_value[static_cast<size_t>(k)]).transpose();
    cand.row(row++) = centre;
    for (Eigen::Index j = 0; j < kPerturbations; ++j) {
      // Scales from 0.2 down to 0.01 of the box: coarse and fine neighbourhoods.
      const double scale = 0.2 * std::pow(0.05, static_cast<double>(j) / (kPerturbations - 1));
      Eigen::VectorXd c = centre;
      for (Eigen::Index q = 0; q < dim; ++q) c[q] += scale * noise(rng);
      cand.row(row++) = c;
    }
    // Sparse moves: one or two coordinates anywhere in their range, the others kept. In more
    // than a few dimensions these find what changing a single parameter would give.
    for (Eigen::Index j = 0; j < kPerturbations; ++j) {
      Eigen::VectorXd c = centre;
      for (Eigen::Index q = 0; q <= j % 2; ++q) c[coordinate(rng)] = unit(rng);
      cand.row(row++) = c;
    }
  }
  for (Eigen::Index i = 0; i < cand.rows(); ++i) {
    Eigen::VectorXd c = cand.row(i).transpose();
    enc.land(c);
    cand.row(i) = c.transpose();
  }
  return cand;
}

struct Scored {
  Eigen::VectorXd x;
  double value;
};

// Polishes the best distinct starts by L-BFGS-B over the non-categorical coordinates and
// returns the landed results.
std::vector<Scored> polish(const Encoding& enc, const Scorer& scorer,
                           const std::vector<Scored>& ranked, int64_t n_polish) {
  std::vector<Eigen::Index> free;
  for (const auto& slot : enc.slots)
    if (slot.kind != Encoding::Kind::Categorical) free.push_back(slot.offset);
  if (free.empty()) return {};
  const auto nf = static_cast<Eigen::Index>(free.size());
  LBFGSpp::LBFGSBParam<double> param;
  param.epsilon = 1e-6;
  param.max_iterations = 50;
  LBFGSpp::LBFGSBSolver<double> solver(param);
  const Eigen::VectorXd lb = Eigen::VectorXd::Zero(nf), ub = Eigen::VectorXd::Ones(nf);
  std::vector<Eigen::VectorXd> starts;
  for (const Scored& c : ranked) {
    if (static_cast<int64_t>(starts.size()) >= n_polish || !std::isfinite(c.value)) break;
    if (std::any_of(starts.begin(), starts.end(),
                    [&](const Eigen::VectorXd& o) { return (o - c.x).norm() < 1e-6; }))
      continue;
    starts.push_back(c.x);
  }
  std::vector<Scored> out;
  for (const Eigen::VectorXd& start : starts) {
    Eigen::VectorXd full = start;
    auto objective = [&](const Eigen::VectorXd& z, Eigen::VectorXd& grad) {
      for (Eigen::Index i = 0; i < nf; ++i) full[free[static_cast<size_t>(i)]] = z[i];
      Eigen::VectorXd g;
      const double a = scorer.value(full, g);
      grad.resize(nf);
      for (Eigen::Index i = 0; i < nf; ++i) {
        const double gi = g[free[static_cast<size_t>(i)]];
        grad[i] = std::isfinite(gi) ? -gi : 0.0;
      }
      return std::isfinite(a) ? -a : 1e300;
    };
    Eigen::VectorXd z(nf);
    for (Eigen::Index i = 0; i < nf; ++i) z[i] = start[free[static_cast<size_t>(i)]];
    double fz = 0;
    try {
      solver.minimize(objective, z, fz, lb, ub);
    } catch (const std::exception&) {
      // A failed line search leaves z at its last point: still worth landing and scoring.
    }
    Eigen::VectorXd polished = start;
    for (Eigen::Index i = 0; i < nf; ++i)
      polished[free[static_cast<size_t>(i)]] = std::clamp(z[i], 0.0, 1.0);
    enc.land(polished);
    out.push_back({polished, scorer.value(polished)});
  }
  return out;
}

// Local search over the discrete coordinates from `best`: one step of each integer or stepped
// float, every other choice of each categorical, to novel points, while the acquisition improves.
Scored local_search(const Encoding& enc, const Scorer& scorer, const Novelty& novel, Scored best) {
  if (!enc.has_discrete()) return best;
  for (int round = 0; round < 4 * static_cast<int>(enc.slots.size()); ++round) {
    std::vector<Eigen::VectorXd> neighbours;
    auto consider = [&](Eigen::VectorXd nb) {
      if (novel(nb)) neighbours.push_back(std::move(nb));
    };
    for (const auto& slot : enc.slots) {
      if (slot.kind == Encoding::Kind::Categorical) {
        for (Eigen::Index c = 0; c < slot.width; ++c) {
          if (best.x[slot.offset + c] == 1.0) continue;
          Eigen::VectorXd nb = best.x;
          nb.segment(slot.offset, slot.width).setZero();
          nb[slot.offset + c] = 1.0;
          consider(std::move(nb));
        }
      } else if (slot.kind == Encoding::Kind::Discrete) {
        const double v = Encoding::value(slot, best.x[slot.offset]);
        for (double nv : {v - slot.step, v + slot.step}) {
          if (nv < slot.low - 1e-12 || nv > slot.high + 1e-12) continue;
          Eigen::VectorXd nb = best.x;
          nb[slot.offset] = Encoding::coordinate(slot, nv);
          consider(std::move(nb));
        }
      }
    }
    if (neighbours.empty()) break;
    Eigen::MatrixXd nm(static_cast<Eigen::Index>(neighbours.size()), enc.dimension);
    for (size_t i = 0; i < neighbours.size(); ++i)
      nm.row(static_cast<Eigen::Index>(i)) = neighbours[i];
    const Eigen::VectorXd nv = scorer.values(nm);
    Eigen::Index arg = 0;
    if (nv.maxCoeff(&arg) <= best.value) break;
    best = {nm.row(arg).transpose(), nv[arg]};
  }
  return best;
}

// The point to propose: the best novel one among the candidates and polished points, improved
// by the local search; a random novel point when every one of them was evaluated already.
Eigen::VectorXd choose(const Encoding& enc, const Scorer& scorer, const Novelty& novel,
                       std::vector<Scored> pool, std::mt19937_64& rng) {
  std::stable_sort(pool.begin(), pool.end(),
                   [](const Scored& a, const Scored& b) { return a.value > b.value; });
  const auto first_novel =
      std::find_if(pool.begin(), pool.end(), [&](const Scored& c) { return novel(c.x); });
  if (first_novel != pool.end()) return local_search(enc, scorer, novel, *first_novel).x;
  if (auto x = random_novel_point(enc, novel, rng)) return *x;
  return pool.front().x;  // every point tried has been evaluated: the space is (nearly) spent
}

// Where `threshold` lands in the model of `raw` (fit_model with keep = threshold, no warping).
double standardised_threshold(const Eigen::VectorXd& raw, double threshold) {
  return gp::standardised_value(gp::clip_outliers(raw, threshold), threshold);
}

}  // namespace

void GpSampler::check_directions(size_t n_directions) {
  if (n_directions > kGpMaxObjectives)
    throw InvalidArgument(
        fmt::format("GpSampler: {} objectives; its log EHVI handles at most {} (use the \"tpe\" or "
                    "\"nsga2\" sampler for more)",
                    n_directions, kGpMaxObjectives));
}

GpSampler::GpSampler(GpSamplerOptions options) : options_(options) {
  validate(options);
  state_ = std::make_unique<internal::GpState>(options.seed ? *options.seed : math::entropy_seed());
}

GpSampler::~GpSampler() = default;

SearchSpace GpSampler::infer_relative_space(const StudyView& view, const FrozenTrial& /*trial*/) {
  check_directions(view.directions().size());
  return without_single_values(state_->intersection.calculate(view));
}

std::map<std::string, double> GpSampler::sample_relative(const StudyView& view,
                                                         const FrozenTrial& trial,
                                                         const SearchSpace& space) {
  if (space.empty()) return {};
  internal::GpState& s = *state_;
  const Encoding enc(space);
  std::mt19937_64 rng(math::trial_seed(s.seed, view.study_name(), trial.number, "gp"));
  const uint64_t sobol_seed = math::study_seed(s.seed, view.study_name());
  const History history = read_history(view, trial, space, enc);
  const Novelty novel(history, options_.noisy_objective);
  if (static_cast<int64_t>(history.complete.size()) < options_.n_startup_trials)
    return enc.decode(startup_point(enc, sobol_seed, trial.number, novel, rng));

  const size_t n_objectives = view.directions().size();
  const size_t n_outputs = n_objectives + history.n_constraints;
  if (s.caches.size() < n_outputs) s.caches.resize(n_outputs);
  // One model per objective (warped outputs only with one objective: several objectives keep
  // their standardised scale, which the hypervolume measures), one per constraint.
  std::vector<Model> objectives;
  for (size_t k = 0; k < n_objectives; ++k) {
    Column column;
    for (const auto& [number, o] : history.complete)
      column.emplace(number, std::pair{o.x, o.losses[k]});
    objectives.push_back(fit_model(s.caches[k], options_, space, column,
                                   n_objectives == 1 && options_.warp_outputs, rng));
  }
  const Model& first = objectives.front();
  const auto n = static_cast<Eigen::Index>(first.numbers.size());
  std::vector<bool> feasible(static_cast<size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i)
    feasible[static_cast<size_t>(i)] =
        history.complete.at(first.numbers[static_cast<size_t>(i)]).feasible;
  const bool any_feasible = std::find(feasible.begin(), feasible.end(), true) != feasible.end();

  Scorer scorer;
  scorer.objective_term = any_feasible;
  // The rows' order for the candidates' neighbourhoods: feasible ones first (by loss, or by
  // non-domination rank with a random tie-break), then by violation.
  Eigen::VectorXd ranking(n);
  if (n_objectives == 1) {
    if (auto acq = make_acquisition(options_, first, feasible)) scorer.acq = *acq;
    for (Eigen::Index i = 0; i < n; ++i) ranking[i] = first.y[i];
  } else {
    // The feasible rows' modelled values, the front's boxes below Optuna 4's reference point
    // (per objective: the worst modelled value w, max(1.1 w, 0.9 w), just beyond).
    std::vector<std::map<int64_t, Eigen::Index>> row_of(n_objectives);
    for (size_t k = 0; k < n_objectives; ++k)
      for (size_t i = 0; i < objectives[k].numbers.size(); ++i)
        row_of[k][objectives[k].numbers[i]] = static_cast<Eigen::Index>(i);
    const auto m = static_cast<Eigen::Index>(n_objectives);
    Eigen::MatrixXd y(n, m);
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index k = 0; k < m; ++k) {
        const auto& model = objectives[static_cast<size_t>(k)];
        y(i, k) = model.y[row_of[static_cast<size_t>(k)].at(first.numbers[static_cast<size_t>(i)])];
      }
    Eigen::VectorXd reference(m);
    for (Eigen::Index k = 0; k < m; ++k) {
      const double w = y.col(k).maxCoeff();
      reference[k] =
          std::nextafter(std::max(1.1 * w, 0.9 * w), std::numeric_limits<double>::infinity());
    }
    std::vector<Eigen::Index> rows;
    std::vector<std::vector<double>> points;
    for (Eigen::Index i = 0; i < n; ++i)
      if (feasible[static_cast<size_t>(i)]) {
        rows.push_back(i);
        points.emplace_back(static_cast<size_t>(m));
        for (Eigen::Index k = 0; k < m; ++k) points.back()[static_cast<size_t>(k)] = y(i, k);
      }
    Eigen::MatrixXd front(static_cast<Eigen::Index>(rows.size()), m);
    for (size_t r = 0; r < rows.size(); ++r)
      front.row(static_cast<Eigen::Index>(r)) = y.row(rows[r]);
    scorer.boxes = gp::non_dominated_boxes(front, reference);
    ranking.setConstant(1e6);
    if (!points.empty()) {
      const auto ranks = multi_objective::non_dominated_ranks(
          points, std::vector<Direction>(n_objectives, Direction::Minimize));
      std::uniform_real_distribution<double> jitter(0.0, 0.5);
      for (size_t r = 0; r < rows.size(); ++r)
        ranking[rows[r]] = static_cast<double>(ranks[r]) + jitter(rng);
    }
  }
  for (Eigen::Index i = 0; i < n; ++i)
    if (!feasible[static_cast<size_t>(i)])
      ranking[i] =
          2e6 +
          std::min(history.complete.at(first.numbers[static_cast<size_t>(i)]).violation, 1e300);

  std::vector<Model> constraint_models;
  for (size_t c = 0; c < history.n_constraints; ++c) {
    Column column;
    for (const auto& [number, o] : history.complete)
      if (!o.constraints.empty()) column.emplace(number, std::pair{o.x, o.constraints[c]});
    if (column.empty()) continue;
    Eigen::VectorXd raw(static_cast<Eigen::Index>(column.size()));
    Eigen::Index i = 0;
    for (const auto& [number, xv] : column) raw[i++] = xv.second;
    constraint_models.push_back(
        fit_model(s.caches[n_objectives + c], options_, space, column, false, rng, 0.0));
    gp::Acquisition below;
    below.kind = gp::AcquisitionKind::PI;
    below.best = standardised_threshold(raw, 0.0);
    scorer.feasibility.push_back(below);
  }

  for (Model& model : objectives) add_fantasies(model, history.pending);
  for (Model& model : constraint_models) add_fantasies(model, history.pending);
  for (const Model& model : objectives) scorer.objectives.push_back(&*model.gp);
  for (const Model& model : constraint_models) scorer.constraints.push_back(&*model.gp);

  const Eigen::MatrixXd cand =
      candidates(enc, first, ranking, options_.n_candidates, sobol_seed, trial.number, rng);
  const Eigen::VectorXd values = scorer.values(cand);
  std::vector<Scored> pool;
  pool.reserve(static_cast<size_t>(cand.rows()));
  for (Eigen::Index i = 0; i < cand.rows(); ++i)
    pool.push_back({cand.row(i).transpose(), values[i]});
  std::stable_sort(pool.begin(), pool.end(),
                   [](const Scored& a, const Scored& b) { return a.value > b.value; });
  for (Scored& p : polish(enc, scorer, pool, options_.n_polish)) pool.push_back(std::move(p));
  return enc.decode(choose(enc, scorer, novel, std::move(pool), rng));
}

double GpSampler::sample_independent(const StudyView& view, const FrozenTrial& trial,
                                     const std::string& name, const Distribution& distribution) {
  return state_->random.sample_independent(view, trial, name, distribution);
}

}  // namespace parzen
