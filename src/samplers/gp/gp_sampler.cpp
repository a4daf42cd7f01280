#include "parzen/gp_sampler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include <fmt/format.h>

#include "math/sobol.hpp"
#include "parzen/error.hpp"
#include "parzen/search_space.hpp"
#include "samplers/gp/gp.hpp"

namespace parzen {

struct GpSampler::State {
  explicit State(uint64_t s) : seed(s), rng(s), random(RandomSamplerOptions{s}) {}
  uint64_t seed;
  std::mt19937_64 rng;
  RandomSampler random;
  std::optional<gp::Hyperparameters> last_fit{};  // warm start
};

namespace {

// How each parameter of the space maps to coordinates of [0, 1]^D.
struct Encoding {
  struct Slot {
    std::string name;
    Distribution distribution;
    size_t offset = 0, width = 1;  // categorical: one coordinate per choice
  };
  std::vector<Slot> slots;
  size_t dimension = 0;

  explicit Encoding(const SearchSpace& space) {
    for (const auto& [name, d] : space) {
      Slot s{name, d, dimension, 1};
      if (const auto* c = std::get_if<CategoricalDistribution>(&d)) s.width = c->choices.size();
      dimension += s.width;
      slots.push_back(std::move(s));
    }
  }

  static std::pair<double, double> bounds(const Distribution& d, bool& log) {
    if (const auto* f = std::get_if<FloatDistribution>(&d)) {
      log = f->log;
      return log ? std::pair{std::log(f->low), std::log(f->high)} : std::pair{f->low, f->high};
    }
    const auto& i = std::get<IntDistribution>(d);
    log = i.log;
    const double lo = static_cast<double>(i.low) - 0.5, hi = static_cast<double>(i.high) + 0.5;
    return log ? std::pair{std::log(lo), std::log(hi)} : std::pair{lo, hi};
  }

  Eigen::VectorXd encode(const std::map<std::string, double>& internal) const {
    Eigen::VectorXd x = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dimension));
    for (const auto& s : slots) {
      const double v = internal.at(s.name);
      if (std::holds_alternative<CategoricalDistribution>(s.distribution)) {
        x[static_cast<Eigen::Index>(s.offset + static_cast<size_t>(v))] = 1.0;
        continue;
      }
      bool log = false;
      const auto [lo, hi] = bounds(s.distribution, log);
      const double t = log ? std::log(v) : v;
      x[static_cast<Eigen::Index>(s.offset)] =
          hi > lo ? std::clamp((t - lo) / (hi - lo), 0.0, 1.0) : 0.5;
    }
    return x;
  }

  std::map<std::string, double> decode(const Eigen::VectorXd& x) const {
    std::map<std::string, double> out;
    for (const auto& s : slots) {
      const auto o = static_cast<Eigen::Index>(s.offset);
      if (std::holds_alternative<CategoricalDistribution>(s.distribution)) {
        Eigen::Index best = 0;
        x.segment(o, static_cast<Eigen::Index>(s.width)).maxCoeff(&best);
        out[s.name] = static_cast<double>(best);
        continue;
      }
      bool log = false;
      const auto [lo, hi] = bounds(s.distribution, log);
      double v = lo + std::clamp(x[o], 0.0, 1.0) * (hi - lo);
      if (log) v = std::exp(v);
      if (const auto* f = std::get_if<FloatDistribution>(&s.distribution)) {
        v = std::clamp(v, f->low, f->high);
        if (f->step) v = std::min(f->high, f->low + std::round((v - f->low) / *f->step) * *f->step);
      } else {
        const auto& i = std::get<IntDistribution>(s.distribution);
        const double steps =
            std::round((v - static_cast<double>(i.low)) / static_cast<double>(i.step));
        v = std::clamp(static_cast<double>(i.low) + steps * static_cast<double>(i.step),
                       static_cast<double>(i.low), static_cast<double>(i.high));
      }
      out[s.name] = v;
    }
    return out;
  }
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

}  // namespace

GpSampler::GpSampler(GpSamplerOptions options) : options_(options) {
  if (options.n_startup_trials < 1)
    throw InvalidArgument(
        fmt::format("n_startup_trials must be >= 1, got {}", options.n_startup_trials));
  if (options.n_candidates < 1)
    throw InvalidArgument(fmt::format("n_candidates must be >= 1, got {}", options.n_candidates));
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
  const Encoding enc(space);
  const double sign = view.directions()[0] == Direction::Maximize ? -1.0 : 1.0;
  std::vector<Eigen::VectorXd> xs, pending;
  std::vector<double> ys;
  for (const FrozenTrial& t : view.trials()) {
    if (t.number == trial.number) continue;
    auto p = internal_params(t, space);
    if (!p) continue;
    if (t.state == TrialState::Complete && t.values.size() == 1 && std::isfinite(t.values[0])) {
      xs.push_back(enc.encode(*p));
      ys.push_back(sign * t.values[0]);
    } else if (t.state == TrialState::Running) {
      pending.push_back(enc.encode(*p));
    }
  }
  if (static_cast<int64_t>(xs.size()) < options_.n_startup_trials) return {};

  const auto n = static_cast<Eigen::Index>(xs.size());
  const auto dim = static_cast<Eigen::Index>(enc.dimension);
  Eigen::MatrixXd x(n, dim);
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    x.row(i) = xs[static_cast<size_t>(i)];
    y[i] = ys[static_cast<size_t>(i)];
  }
  const double mean = y.mean();
  const double sd = std::max(1e-12, std::sqrt((y.array() - mean).square().mean()));
  y = (y.array() - mean) / sd;

  State& s = *state_;
  gp::Hyperparameters start;
  if (s.last_fit && s.last_fit->log_lengthscales.size() == dim) {
    start = *s.last_fit;
  } else {
    start.log_lengthscales = Eigen::VectorXd::Constant(dim, -0.7);
  }
  const gp::Hyperparameters h = gp::fit_hyperparameters(x, y, start);
  s.last_fit = h;
  const double best = y.minCoeff();

  // Running trials as fantasies at the worst value seen (a pessimistic constant liar): the model
  // then expects no improvement near them, so concurrent asks look elsewhere.
  gp::GaussianProcess model(x, y, h);
  if (!pending.empty()) {
    Eigen::MatrixXd xf(n + static_cast<Eigen::Index>(pending.size()), dim);
    Eigen::VectorXd yf(xf.rows());
    xf.topRows(n) = x;
    yf.head(n) = y;
    for (size_t i = 0; i < pending.size(); ++i) {
      xf.row(n + static_cast<Eigen::Index>(i)) = pending[i];
      yf[n + static_cast<Eigen::Index>(i)] = y.maxCoeff();
    }
    model = gp::GaussianProcess(xf, yf, h);
  }

  // Candidates: a scrambled Sobol sweep and perturbations of the best trials.
  std::vector<Eigen::VectorXd> candidates;
  const math::ScrambledSobol sobol(static_cast<unsigned>(dim), true, s.seed);
  const uint64_t first =
      static_cast<uint64_t>(trial.number) * static_cast<uint64_t>(options_.n_candidates);
  for (int64_t i = 0; i < options_.n_candidates; ++i) {
    const auto u = sobol.point(first + static_cast<uint64_t>(i));
    candidates.push_back(Eigen::Map<const Eigen::VectorXd>(u.data(), dim));
  }
  std::vector<Eigen::Index> order(static_cast<size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return y[a] < y[b]; });
  std::normal_distribution<double> noise(0.0, 0.05);
  for (size_t k = 0; k < std::min<size_t>(5, order.size()); ++k)
    for (int j = 0; j < 64; ++j) {
      Eigen::VectorXd c = x.row(order[k]).transpose();
      for (Eigen::Index m = 0; m < dim; ++m) c[m] = std::clamp(c[m] + noise(s.rng), 0.0, 1.0);
      candidates.push_back(std::move(c));
    }

  double best_acq = -std::numeric_limits<double>::infinity();
  Eigen::VectorXd chosen = candidates.front();
  for (const auto& c : candidates) {
    // Evaluate where the trial would actually land (rounded integers, one-hot categoricals).
    const Eigen::VectorXd landed = enc.encode(enc.decode(c));
    const double a =
        gp::log_expected_improvement(model.mean(landed), std::sqrt(model.variance(landed)), best);
    if (a > best_acq) {
      best_acq = a;
      chosen = landed;
    }
  }
  return enc.decode(chosen);
}

double GpSampler::sample_independent(const StudyView& view, const FrozenTrial& trial,
                                     const std::string& name, const Distribution& distribution) {
  return state_->random.sample_independent(view, trial, name, distribution);
}

}  // namespace parzen
