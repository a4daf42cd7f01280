#include "parzen/gp_sampler.hpp"

#include <LBFGSB.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <numeric>
#include <random>
#include <set>

#include <fmt/format.h>

#include "math/sobol.hpp"
#include "parzen/error.hpp"
#include "parzen/search_space.hpp"
#include "samplers/gp/gp.hpp"

namespace parzen {

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
    if (s.kind == Kind::Discrete) v = s.low + std::round((v - s.low) / s.step) * s.step;
    return std::clamp(v, s.low, s.high);
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

struct GpSampler::State {
  explicit State(uint64_t s) : seed(s), rng(s), random(RandomSamplerOptions{s}) {}
  std::mutex mu;
  uint64_t seed;
  std::mt19937_64 rng;
  RandomSampler random;
  std::optional<gp::Hyperparameters> last_fit{};  // warm start
  int64_t n_fits = 0;
  Eigen::Index n_at_fit = 0;
  // The model of the complete trials at the last ask, reused (extended) while the
  // hyperparameters stay.
  std::optional<SearchSpace> cached_space{};
  std::vector<int64_t> cached_numbers{};
  std::optional<gp::GaussianProcess> cached_model{};
};

GpSampler::GpSampler(GpSamplerOptions options) : options_(options) {
  validate(options);
  state_ = std::make_unique<State>(options.seed ? *options.seed : std::random_device{}());
}

GpSampler::~GpSampler() = default;

SearchSpace GpSampler::infer_relative_space(const StudyView& view, const FrozenTrial& /*trial*/) {
  if (view.directions().size() != 1) return {};
  SearchSpace space;
  for (const auto& [name, d] : intersection_search_space(view))
    if (!is_single(d)) space.emplace(name, d);
  return space;
}

std::map<std::string, double> GpSampler::sample_relative(const StudyView& view,
                                                         const FrozenTrial& trial,
                                                         const SearchSpace& space) {
  if (space.empty()) return {};
  State& s = *state_;
  std::lock_guard lock(s.mu);
  const Encoding enc(space);
  const Eigen::Index dim = enc.dimension;

  // The complete trials (by number) and the running ones.
  const double sign = view.directions()[0] == Direction::Maximize ? -1.0 : 1.0;
  std::map<int64_t, std::pair<Eigen::VectorXd, double>> complete;
  std::vector<Eigen::VectorXd> pending;
  for (const FrozenTrial& t : view.trials()) {
    if (t.number == trial.number) continue;
    if (t.state != TrialState::Complete && t.state != TrialState::Running) continue;
    auto p = internal_params(t, space);
    if (!p) continue;
    if (t.state == TrialState::Complete && t.values.size() == 1 && std::isfinite(t.values[0]))
      complete.emplace(t.number, std::pair{enc.encode(*p), sign * t.values[0]});
    else if (t.state == TrialState::Running)
      pending.push_back(enc.encode(*p));
  }

  if (static_cast<int64_t>(complete.size()) < options_.n_startup_trials) {
    // Start-up: a scrambled Sobol sequence indexed by trial number spreads the first trials.
    return enc.decode(QuasiRandom(dim, s.seed, s.rng).point(static_cast<uint64_t>(trial.number)));
  }

  // Model order: the cached model's trials first (so its factor can be extended), then the rest.
  std::vector<int64_t> order;
  const bool same_space = s.cached_space && *s.cached_space == space && s.cached_model;
  if (same_space) {
    for (int64_t number : s.cached_numbers) {
      if (!complete.count(number)) {
        order.clear();
        break;
      }
      order.push_back(number);
    }
  }
  const size_t reused = order.size();
  const std::set<int64_t> cached(order.begin(), order.end());
  for (const auto& [number, xy] : complete)
    if (!cached.count(number)) order.push_back(number);

  const auto n = static_cast<Eigen::Index>(order.size());
  Eigen::MatrixXd x(n, dim);
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto& [xi, yi] = complete.at(order[static_cast<size_t>(i)]);
    x.row(i) = xi;
    y[i] = yi;
  }
  y = options_.warp_outputs ? gp::warp_outputs(y) : gp::standardise(y);

  // Hyperparameters: refitted at every ask while the history is small, then once it has grown by
  // kRefitGrowth; fitted on a subset past kMaxFitPoints.
  const gp::HyperparameterPrior prior;
  const bool have_fit = s.last_fit && s.last_fit->log_lengthscales.size() == dim &&
                        s.last_fit->additive == options_.additive_kernel;
  const bool refit = !have_fit || !same_space || n <= kMaxFitPoints ||
                     static_cast<double>(n) >= static_cast<double>(s.n_at_fit) * (1 + kRefitGrowth);
  if (refit) {
    gp::Hyperparameters start;
    if (have_fit) {
      start = *s.last_fit;
    } else {
      start.log_lengthscales = Eigen::VectorXd::Constant(dim, prior.log_lengthscale_mean);
      start.additive = options_.additive_kernel;
      start.log_additive_variance = prior.log_additive_mean;
    }
    Eigen::MatrixXd fx = x;
    Eigen::VectorXd fy = y;
    if (n > kMaxFitPoints) {
      std::vector<Eigen::Index> idx(static_cast<size_t>(n));
      std::iota(idx.begin(), idx.end(), 0);
      std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return y[a] < y[b]; });
      const auto n_best = kMaxFitPoints / 4;
      std::shuffle(idx.begin() + n_best, idx.end(), s.rng);
      fx.resize(kMaxFitPoints, dim);
      fy.resize(kMaxFitPoints);
      for (Eigen::Index i = 0; i < kMaxFitPoints; ++i) {
        fx.row(i) = x.row(idx[static_cast<size_t>(i)]);
        fy[i] = y[idx[static_cast<size_t>(i)]];
      }
    }
    // A cold start also tries the prior's means; so does every tenth fit, in case the warm start
    // sits in a poor local optimum.
    const bool cold = !have_fit || s.n_fits % 10 == 0;
    s.last_fit = gp::fit_hyperparameters(fx, fy, start, prior, cold, cold ? 200 : 20);
    ++s.n_fits;
    s.n_at_fit = n;
  }
  const gp::Hyperparameters& h = *s.last_fit;

  std::optional<gp::GaussianProcess> model;
  if (!refit && same_space && reused > 0 &&
      s.cached_model->size() == static_cast<Eigen::Index>(reused)) {
    model = std::move(s.cached_model);
    model->extend(x.bottomRows(n - static_cast<Eigen::Index>(reused)), y);
  } else {
    model.emplace(x, y, h);
  }
  s.cached_space = space;
  s.cached_numbers = order;
  s.cached_model = model;

  gp::Acquisition acq;
  acq.kind = kind_of(options_.acquisition);
  acq.beta = options_.ucb_beta;
  acq.best = y.minCoeff();
  if (options_.noisy_objective) acq.best = model->training_means().minCoeff();

  // Running trials as fantasies at the worst value seen (a pessimistic constant liar): the model
  // then expects no improvement near them, so concurrent asks look elsewhere.
  if (!pending.empty()) {
    Eigen::MatrixXd xp(static_cast<Eigen::Index>(pending.size()), dim);
    for (size_t i = 0; i < pending.size(); ++i) xp.row(static_cast<Eigen::Index>(i)) = pending[i];
    Eigen::VectorXd yf(n + xp.rows());
    yf.head(n) = y;
    yf.tail(xp.rows()).setConstant(y.maxCoeff());
    model->extend(xp, yf);
  }

  // 1. Candidates: a scrambled Sobol sweep, the best trials and points around them, all landed.
  const auto n_sweep = options_.n_candidates;
  const Eigen::Index n_best = std::min<Eigen::Index>(5, n);
  constexpr Eigen::Index kPerturbations = 32;
  Eigen::MatrixXd cand(n_sweep + n_best * (1 + 2 * kPerturbations), dim);
  const uint64_t first = static_cast<uint64_t>(trial.number) * static_cast<uint64_t>(n_sweep);
  Eigen::Index row = 0;
  QuasiRandom sweep(dim, s.seed, s.rng);
  for (int64_t i = 0; i < n_sweep; ++i)
    cand.row(row++) = sweep.point(first + static_cast<uint64_t>(i));
  std::vector<Eigen::Index> by_value(static_cast<size_t>(n));
  std::iota(by_value.begin(), by_value.end(), 0);
  std::partial_sort(by_value.begin(), by_value.begin() + n_best, by_value.end(),
                    [&](auto a, auto b) { return y[a] < y[b]; });
  std::normal_distribution<double> noise(0.0, 1.0);
  for (Eigen::Index k = 0; k < n_best; ++k) {
    const Eigen::VectorXd centre = x.row(by_value[static_cast<size_t>(k)]).transpose();
    cand.row(row++) = centre;
    for (Eigen::Index j = 0; j < kPerturbations; ++j) {
      // Scales from 0.2 down to 0.01 of the box: coarse and fine neighbourhoods.
      const double scale = 0.2 * std::pow(0.05, static_cast<double>(j) / (kPerturbations - 1));
      Eigen::VectorXd c = centre;
      for (Eigen::Index m = 0; m < dim; ++m) c[m] += scale * noise(s.rng);
      cand.row(row++) = c;
    }
    // Sparse moves: one or two coordinates anywhere in their range, the others kept. In more
    // than a few dimensions these find what changing a single parameter would give.
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::uniform_int_distribution<Eigen::Index> coordinate(0, dim - 1);
    for (Eigen::Index j = 0; j < kPerturbations; ++j) {
      Eigen::VectorXd c = centre;
      for (Eigen::Index q = 0; q <= j % 2; ++q) c[coordinate(s.rng)] = unit(s.rng);
      cand.row(row++) = c;
    }
  }
  for (Eigen::Index i = 0; i < cand.rows(); ++i) {
    Eigen::VectorXd c = cand.row(i).transpose();
    enc.land(c);
    cand.row(i) = c.transpose();
  }
  const Eigen::VectorXd values = acquisition_values(*model, acq, cand);

  // 2. Polish the best distinct starts by L-BFGS-B over the non-categorical coordinates.
  std::vector<Eigen::Index> ranked(static_cast<size_t>(cand.rows()));
  std::iota(ranked.begin(), ranked.end(), 0);
  std::sort(ranked.begin(), ranked.end(), [&](auto a, auto b) { return values[a] > values[b]; });
  Eigen::VectorXd best_x = cand.row(ranked.front()).transpose();
  double best_value = values[ranked.front()];

  std::vector<Eigen::Index> free;
  for (const auto& slot : enc.slots)
    if (slot.kind != Encoding::Kind::Categorical) free.push_back(slot.offset);
  if (!free.empty()) {
    const auto nf = static_cast<Eigen::Index>(free.size());
    LBFGSpp::LBFGSBParam<double> param;
    param.epsilon = 1e-6;
    param.max_iterations = 50;
    LBFGSpp::LBFGSBSolver<double> solver(param);
    const Eigen::VectorXd lb = Eigen::VectorXd::Zero(nf), ub = Eigen::VectorXd::Ones(nf);
    std::vector<Eigen::VectorXd> starts;
    for (Eigen::Index r : ranked) {
      if (static_cast<int64_t>(starts.size()) >= options_.n_polish) break;
      const Eigen::VectorXd c = cand.row(r).transpose();
      if (!std::isfinite(values[r])) break;
      if (std::any_of(starts.begin(), starts.end(),
                      [&](const Eigen::VectorXd& o) { return (o - c).norm() < 1e-6; }))
        continue;
      starts.push_back(c);
    }
    for (const Eigen::VectorXd& start : starts) {
      Eigen::VectorXd full = start;
      auto objective = [&](const Eigen::VectorXd& z, Eigen::VectorXd& grad) {
        for (Eigen::Index i = 0; i < nf; ++i) full[free[static_cast<size_t>(i)]] = z[i];
        double mu = 0, var = 0, d_mean = 0, d_sd = 0;
        Eigen::VectorXd dmu, dvar;
        model->predict_with_gradient(full, mu, var, dmu, dvar);
        const double sd_ = std::sqrt(var);
        const double a = acq.value(mu, sd_, d_mean, d_sd);
        grad.resize(nf);
        for (Eigen::Index i = 0; i < nf; ++i) {
          const auto m = free[static_cast<size_t>(i)];
          grad[i] = -(d_mean * dmu[m] + (sd_ > 1e-12 ? d_sd * dvar[m] / (2 * sd_) : 0.0));
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
      const double v = acquisition_value(*model, acq, polished);
      if (v > best_value) best_value = v, best_x = polished;
    }
  }

  // 3. Local search over the discrete coordinates: one step of each integer or stepped float,
  // every other choice of each categorical, while the acquisition improves.
  if (enc.has_discrete()) {
    for (int round = 0; round < 4 * static_cast<int>(enc.slots.size()); ++round) {
      std::vector<Eigen::VectorXd> neighbours;
      for (const auto& slot : enc.slots) {
        if (slot.kind == Encoding::Kind::Categorical) {
          for (Eigen::Index c = 0; c < slot.width; ++c) {
            if (best_x[slot.offset + c] == 1.0) continue;
            Eigen::VectorXd nb = best_x;
            nb.segment(slot.offset, slot.width).setZero();
            nb[slot.offset + c] = 1.0;
            neighbours.push_back(std::move(nb));
          }
        } else if (slot.kind == Encoding::Kind::Discrete) {
          const double v = Encoding::value(slot, best_x[slot.offset]);
          for (double nv : {v - slot.step, v + slot.step}) {
            if (nv < slot.low - 1e-12 || nv > slot.high + 1e-12) continue;
            Eigen::VectorXd nb = best_x;
            nb[slot.offset] = Encoding::coordinate(slot, nv);
            neighbours.push_back(std::move(nb));
          }
        }
      }
      if (neighbours.empty()) break;
      Eigen::MatrixXd nm(static_cast<Eigen::Index>(neighbours.size()), dim);
      for (size_t i = 0; i < neighbours.size(); ++i)
        nm.row(static_cast<Eigen::Index>(i)) = neighbours[i];
      const Eigen::VectorXd nv = acquisition_values(*model, acq, nm);
      Eigen::Index arg = 0;
      if (nv.maxCoeff(&arg) <= best_value) break;
      best_value = nv[arg];
      best_x = nm.row(arg).transpose();
    }
  }
  return enc.decode(best_x);
}

double GpSampler::sample_independent(const StudyView& view, const FrozenTrial& trial,
                                     const std::string& name, const Distribution& distribution) {
  std::lock_guard lock(state_->mu);
  return state_->random.sample_independent(view, trial, name, distribution);
}

}  // namespace parzen
