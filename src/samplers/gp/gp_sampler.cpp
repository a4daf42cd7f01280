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

// The acquisition at every row of xs.
Eigen::VectorXd acquisition_values(const gp::GaussianProcess& model, const gp::Acquisition& acq,
                                   const Eigen::MatrixXd& xs) {
  Eigen::VectorXd mean, var;
  model.predict(xs, mean, var);
  Eigen::VectorXd out(xs.rows());
  for (Eigen::Index i = 0; i < xs.rows(); ++i) out[i] = acq.value(mean[i], std::sqrt(var[i]));
  return out;
}

double acquisition_value(const gp::GaussianProcess& model, const gp::Acquisition& acq,
                         const Eigen::VectorXd& x) {
  return acquisition_values(model, acq, x.transpose())[0];
}

}  // namespace

namespace internal {

struct GpState {
  explicit GpState(uint64_t s) : seed(s), random(RandomSamplerOptions{s}) {}
  // Draws come from engines seeded per study and trial (math/seed.hpp), not from one kept here.
  uint64_t seed;
  RandomSampler random;
  IntersectionSearchSpace intersection{};
  std::optional<gp::Hyperparameters> last_fit{};  // warm start
  int64_t n_fits = 0;
  Eigen::Index n_at_fit = 0;
  // The model of the complete trials at the last ask, reused (extended) while the
  // hyperparameters stay.
  std::optional<SearchSpace> cached_space{};
  std::vector<int64_t> cached_numbers{};
  std::optional<gp::GaussianProcess> cached_model{};
};

}  // namespace internal

namespace {

// The study's trials in the space, encoded.
struct History {
  std::map<int64_t, std::pair<Eigen::VectorXd, double>> complete;  // by number: x, loss
  std::vector<Eigen::VectorXd> pending;                            // running trials
  std::vector<Eigen::VectorXd> evaluated;  // every complete or running trial, landed
};

History read_history(const StudyView& view, const FrozenTrial& trial, const SearchSpace& space,
                     const Encoding& enc) {
  const double sign = view.directions()[0] == Direction::Maximize ? -1.0 : 1.0;
  History h;
  for (const FrozenTrial& t : view.trials()) {
    if (t.number == trial.number) continue;
    if (t.state != TrialState::Complete && t.state != TrialState::Running) continue;
    auto p = internal_params(t, space);
    if (!p) continue;
    Eigen::VectorXd x = enc.encode(*p);
    h.evaluated.push_back(x);
    if (t.state == TrialState::Complete && t.values.size() == 1 && std::isfinite(t.values[0]))
      h.complete.emplace(t.number, std::pair{std::move(x), sign * t.values[0]});
    else if (t.state == TrialState::Running)
      h.pending.push_back(std::move(x));
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
  Eigen::MatrixXd x;  // n x D, the rows in model order
  Eigen::VectorXd y;  // warped or standardised losses
  std::optional<gp::GaussianProcess> gp;
};

// Fits (or reuses and extends) the model. Hyperparameters are refitted at every ask while the
// history is small, then once it has grown by kRefitGrowth, on a subset past kMaxFitPoints; the
// previous fit is the warm start.
Model fit_model(internal::GpState& s, const GpSamplerOptions& options, const SearchSpace& space,
                const History& history, std::mt19937_64& rng) {
  // Model order: the cached model's trials first (so its factor can be extended), then the rest.
  std::vector<int64_t> order;
  const bool same_space = s.cached_space && *s.cached_space == space && s.cached_model;
  if (same_space) {
    for (int64_t number : s.cached_numbers) {
      if (!history.complete.count(number)) {
        order.clear();
        break;
      }
      order.push_back(number);
    }
  }
  const size_t reused = order.size();
  const std::set<int64_t> cached(order.begin(), order.end());
  for (const auto& [number, xy] : history.complete)
    if (!cached.count(number)) order.push_back(number);

  const auto n = static_cast<Eigen::Index>(order.size());
  const Eigen::Index dim = history.complete.begin()->second.first.size();
  Model m;
  m.x.resize(n, dim);
  m.y.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto& [xi, yi] = history.complete.at(order[static_cast<size_t>(i)]);
    m.x.row(i) = xi;
    m.y[i] = yi;
  }
  m.y = options.warp_outputs ? gp::warp_outputs(m.y) : gp::standardise(m.y);

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
  return m;
}

gp::Acquisition make_acquisition(const GpSamplerOptions& options, const Model& m) {
  gp::Acquisition acq;
  acq.kind = kind_of(options.acquisition);
  acq.beta = options.ucb_beta;
  acq.best = options.noisy_objective ? m.gp->training_means().minCoeff() : m.y.minCoeff();
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
Eigen::MatrixXd candidates(const Encoding& enc, const Model& m, int64_t n_sweep,
                           uint64_t sobol_seed, int64_t number, std::mt19937_64& rng) {
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
                    [&](auto a, auto b) { return m.y[a] < m.y[b]; });
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
std::vector<Scored> polish(const Encoding& enc, const gp::GaussianProcess& model,
                           const gp::Acquisition& acq, const std::vector<Scored>& ranked,
                           int64_t n_polish) {
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
      double mu = 0, var = 0, d_mean = 0, d_sd = 0;
      Eigen::VectorXd dmu, dvar;
      model.predict_with_gradient(full, mu, var, dmu, dvar);
      const double sd = std::sqrt(var);
      const double a = acq.value(mu, sd, d_mean, d_sd);
      grad.resize(nf);
      for (Eigen::Index i = 0; i < nf; ++i) {
        const auto q = free[static_cast<size_t>(i)];
        grad[i] = -(d_mean * dmu[q] + (sd > 1e-12 ? d_sd * dvar[q] / (2 * sd) : 0.0));
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
    out.push_back({polished, acquisition_value(model, acq, polished)});
  }
  return out;
}

// Local search over the discrete coordinates from `best`: one step of each integer or stepped
// float, every other choice of each categorical, to novel points, while the acquisition improves.
Scored local_search(const Encoding& enc, const gp::GaussianProcess& model,
                    const gp::Acquisition& acq, const Novelty& novel, Scored best) {
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
    const Eigen::VectorXd nv = acquisition_values(model, acq, nm);
    Eigen::Index arg = 0;
    if (nv.maxCoeff(&arg) <= best.value) break;
    best = {nm.row(arg).transpose(), nv[arg]};
  }
  return best;
}

// The point to propose: the best novel one among the candidates and polished points, improved
// by the local search; a random novel point when every one of them was evaluated already.
Eigen::VectorXd choose(const Encoding& enc, const gp::GaussianProcess& model,
                       const gp::Acquisition& acq, const Novelty& novel, std::vector<Scored> pool,
                       std::mt19937_64& rng) {
  std::stable_sort(pool.begin(), pool.end(),
                   [](const Scored& a, const Scored& b) { return a.value > b.value; });
  const auto first_novel =
      std::find_if(pool.begin(), pool.end(), [&](const Scored& c) { return novel(c.x); });
  if (first_novel != pool.end()) return local_search(enc, model, acq, novel, *first_novel).x;
  if (auto x = random_novel_point(enc, novel, rng)) return *x;
  return pool.front().x;  // every point tried has been evaluated: the space is (nearly) spent
}

}  // namespace

GpSampler::GpSampler(GpSamplerOptions options) : options_(options) {
  validate(options);
  state_ = std::make_unique<internal::GpState>(options.seed ? *options.seed : math::entropy_seed());
}

GpSampler::~GpSampler() = default;

SearchSpace GpSampler::infer_relative_space(const StudyView& view, const FrozenTrial& /*trial*/) {
  if (view.directions().size() != 1) return {};
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

  Model m = fit_model(s, options_, space, history, rng);
  const gp::Acquisition acq = make_acquisition(options_, m);
  add_fantasies(m, history.pending);

  const Eigen::MatrixXd cand =
      candidates(enc, m, options_.n_candidates, sobol_seed, trial.number, rng);
  const Eigen::VectorXd values = acquisition_values(*m.gp, acq, cand);
  std::vector<Scored> pool;
  pool.reserve(static_cast<size_t>(cand.rows()));
  for (Eigen::Index i = 0; i < cand.rows(); ++i)
    pool.push_back({cand.row(i).transpose(), values[i]});
  std::stable_sort(pool.begin(), pool.end(),
                   [](const Scored& a, const Scored& b) { return a.value > b.value; });
  for (Scored& p : polish(enc, *m.gp, acq, pool, options_.n_polish)) pool.push_back(std::move(p));
  return enc.decode(choose(enc, *m.gp, acq, novel, std::move(pool), rng));
}

double GpSampler::sample_independent(const StudyView& view, const FrozenTrial& trial,
                                     const std::string& name, const Distribution& distribution) {
  return state_->random.sample_independent(view, trial, name, distribution);
}

}  // namespace parzen
