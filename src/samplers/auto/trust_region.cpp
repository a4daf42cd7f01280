// The auto sampler's trust-region step (see trust_region.hpp).

#include "samplers/auto/trust_region.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "math/seed.hpp"

namespace parzen::internal {

std::optional<QuadraticModel> fit_quadratic(const Eigen::MatrixXd& x, const Eigen::VectorXd& y) {
  const Eigen::Index d = x.rows(), m = x.cols();
  if (d == 0 || m < d + 2 || y.size() != m) return std::nullopt;
  const Eigen::Index full = (d + 1) * (d + 2) / 2;
  QuadraticModel q;
  q.H = Eigen::MatrixXd::Zero(d, d);
  if (m >= full) {
    // Least squares on the monomials 1, x_i, x_i x_j (i < j) and x_i^2 / 2.
    Eigen::MatrixXd a(m, full);
    for (Eigen::Index k = 0; k < m; ++k) {
      a(k, 0) = 1;
      a.block(k, 1, 1, d) = x.col(k).transpose();
      Eigen::Index c = d + 1;
      for (Eigen::Index i = 0; i < d; ++i)
        for (Eigen::Index j = i; j < d; ++j)
          a(k, c++) = i == j ? 0.5 * x(i, k) * x(i, k) : x(i, k) * x(j, k);
    }
    const Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd> cod(a);
    if (cod.rank() < full) return std::nullopt;
    const Eigen::VectorXd z = cod.solve(y);
    q.c = z[0];
    q.g = z.segment(1, d);
    Eigen::Index c = d + 1;
    for (Eigen::Index i = 0; i < d; ++i)
      for (Eigen::Index j = i; j < d; ++j) q.H(i, j) = q.H(j, i) = z[c++];
  } else {
    // Powell's least-Frobenius-norm interpolation: H = sum_k lambda_k x_k x_k', with
    // [A 1 X'; 1' 0 0; X 0 0] [lambda; c; g] = [y; 0; 0], A_kl = (x_k . x_l)^2 / 2.
    const Eigen::Index n = m + 1 + d;
    Eigen::MatrixXd w = Eigen::MatrixXd::Zero(n, n);
    w.topLeftCorner(m, m) = 0.5 * (x.transpose() * x).array().square().matrix();
    w.block(0, m, m, 1).setOnes();
    w.block(m, 0, 1, m).setOnes();
    w.block(0, m + 1, m, d) = x.transpose();
    w.block(m + 1, 0, d, m) = x;
    Eigen::VectorXd rhs = Eigen::VectorXd::Zero(n);
    rhs.head(m) = y;
    const Eigen::FullPivLU<Eigen::MatrixXd> lu(w);
    if (lu.rank() < n) return std::nullopt;
    const Eigen::VectorXd z = lu.solve(rhs);
    const Eigen::VectorXd lambda = z.head(m);
    q.c = z[m];
    q.g = z.tail(d);
    q.H = x * lambda.asDiagonal() * x.transpose();
  }
  if (!std::isfinite(q.c) || !q.g.allFinite() || !q.H.allFinite()) return std::nullopt;
  return q;
}

namespace {

// Clip to the box, then pull towards 0 into the ball (0 is in the box, so the box still holds).
Eigen::VectorXd project(Eigen::VectorXd p, double radius, const Eigen::VectorXd& lower,
                        const Eigen::VectorXd& upper) {
  p = p.cwiseMax(lower).cwiseMin(upper);
  const double norm = p.norm();
  if (norm > radius && norm > 0) p *= radius / norm;
  return p;
}

double model_change(const QuadraticModel& m, const Eigen::VectorXd& p) {
  return m.g.dot(p) + 0.5 * p.dot(m.H * p);
}

// The exact minimiser of the model in the ball alone (Moré–Sorensen by bisection on the shift).
Eigen::VectorXd ball_step(const QuadraticModel& m, double radius) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(m.H);
  const Eigen::VectorXd& ev = eig.eigenvalues();
  const Eigen::MatrixXd& v = eig.eigenvectors();
  const Eigen::VectorXd gt = v.transpose() * m.g;
  auto step = [&](double shift) {
    Eigen::VectorXd c(ev.size());
    for (Eigen::Index i = 0; i < ev.size(); ++i) {
      const double den = ev[i] + shift;
      c[i] = den > 0 ? -gt[i] / den : 0.0;
    }
    return Eigen::VectorXd(v * c);
  };
  const double lowest = ev.size() ? ev.minCoeff() : 0.0;
  if (lowest > 0) {
    Eigen::VectorXd newton = step(0.0);
    if (newton.norm() <= radius) return newton;
  }
  double lo = std::max(0.0, -lowest) + 1e-12 * (1 + std::abs(lowest));
  double hi = lo + m.g.norm() / radius + ev.cwiseAbs().maxCoeff() + 1;
  Eigen::VectorXd p = step(lo);
  if (p.norm() <= radius) {
    // The hard case: move along the lowest eigenvector to the boundary.
    const Eigen::VectorXd u = v.col(0);
    const double pu = p.dot(u), rest = radius * radius - p.squaredNorm();
    const double t = -pu + std::sqrt(std::max(0.0, pu * pu + rest));
    return p + t * u;
  }
  for (int k = 0; k < 100; ++k) {
    const double mid = 0.5 * (lo + hi);
    (step(mid).norm() > radius ? lo : hi) = mid;
  }
  return step(hi);
}

}  // namespace

Eigen::VectorXd minimise_in_trust_region(const QuadraticModel& m, double radius,
                                         const Eigen::VectorXd& lower,
                                         const Eigen::VectorXd& upper) {
  const Eigen::Index d = m.g.size();
  std::vector<Eigen::VectorXd> starts = {Eigen::VectorXd::Zero(d),
                                         project(ball_step(m, radius), radius, lower, upper)};
  const double lipschitz = std::max(m.H.norm(), 1e-300);
  Eigen::VectorXd best = Eigen::VectorXd::Zero(d);
  double best_change = 0;
  for (auto p : starts) {
    if (!p.allFinite()) continue;
    double t = 1.0 / lipschitz;
    if (m.g.norm() > 0 && p.isZero()) t = std::max(t, radius / m.g.norm());
    double change = model_change(m, p);
    for (int k = 0; k < 300; ++k) {
      const Eigen::VectorXd q = project(p - t * (m.g + m.H * p), radius, lower, upper);
      const double c = model_change(m, q);
      if (c < change) {
        p = q, change = c;
      } else {
        t *= 0.5;
        if (t * lipschitz < 1e-12) break;
      }
    }
    if (change < best_change) best = p, best_change = change;
  }
  return best;
}

// -------------------------------------------------------------------------------------------

namespace {

struct Slot {
  std::string name;
  double lo = 0, hi = 1;  // in log scale for log parameters
  bool log = false;
  FloatDistribution distribution;
};

}  // namespace

bool TrustRegionSampler::prepare(const StudyView& view, const SearchSpace& space) {
  proposal_.clear();
  if (view.directions().size() != 1) return false;
  const bool maximize = view.directions()[0] == Direction::Maximize;
  std::vector<Slot> slots;
  for (const auto& [name, d] : space) {
    const auto* f = std::get_if<FloatDistribution>(&d);
    if (!f || f->step || !(f->high > f->low)) continue;
    Slot s{name, f->low, f->high, f->log, *f};
    if (s.log) s.lo = std::log(s.lo), s.hi = std::log(s.hi);
    slots.push_back(std::move(s));
  }
  const auto d = static_cast<Eigen::Index>(slots.size());
  if (d == 0) return false;

  struct Point {
    Eigen::VectorXd x;
    double loss;
    const FrozenTrial* trial;
  };
  std::vector<Point> points;
  for (const auto& t : view.trials()) {
    if (t.state != TrialState::Complete || t.values.size() != 1 || !std::isfinite(t.values[0]))
      continue;
    Eigen::VectorXd x(d);
    bool ok = true;
    for (Eigen::Index i = 0; i < d && ok; ++i) {
      const auto& s = slots[static_cast<size_t>(i)];
      const auto it = t.params.find(s.name);
      const auto dist = t.distributions.find(s.name);
      if (it == t.params.end() || dist == t.distributions.end() ||
          !(dist->second == Distribution{s.distribution})) {
        ok = false;
        break;
      }
      double v = to_internal(dist->second, it->second, s.name);
      if (s.log) v = std::log(v);
      x[i] = std::clamp((v - s.lo) / (s.hi - s.lo), 0.0, 1.0);
    }
    if (ok) points.push_back({std::move(x), maximize ? -t.values[0] : t.values[0], &t});
  }
  if (static_cast<Eigen::Index>(points.size()) < d + 2) return false;
  const auto best = std::min_element(points.begin(), points.end(),
                                     [](const auto& a, const auto& b) { return a.loss < b.loss; });
  const Eigen::VectorXd anchor = best->x;

  // A new best found by another sampler farther from the last one than the radius.
  if (!best_number_ || *best_number_ != best->trial->number) {
    if (best_number_ && !own_.count(best->trial->number)) {
      const Eigen::Map<const Eigen::VectorXd> last(best_x_.data(),
                                                   static_cast<Eigen::Index>(best_x_.size()));
      // The region grows to take in the move (dlib starts it afresh; that keeps the steps from
      // converging while CMA-ES's trials move the best by more than a shrunk radius).
      if (last.size() != d)
        radius_ = 0;
      else
        radius_ = std::max(radius_, (anchor - last).norm());
    }
    if (!best_number_) radius_ = 0;
    best_number_ = best->trial->number;
    best_x_.assign(anchor.data(), anchor.data() + d);
  }

  // The nearest distinct points, the anchor first.
  std::vector<std::pair<double, size_t>> order;
  for (size_t i = 0; i < points.size(); ++i) order.emplace_back((points[i].x - anchor).norm(), i);
  std::sort(order.begin(), order.end());
  const Eigen::Index full = (d + 1) * (d + 2) / 2;
  std::vector<size_t> chosen;
  for (const auto& [dist, i] : order) {
    if (static_cast<Eigen::Index>(chosen.size()) >= full) break;
    bool distinct = true;
    for (size_t j : chosen)
      if ((points[j].x - points[i].x).norm() < 1e-13) distinct = false;
    if (distinct) chosen.push_back(i);
  }
  const auto m = static_cast<Eigen::Index>(chosen.size());
  if (m < d + 2) return false;
  if (!(radius_ > 0)) {
    double far = 0;
    for (size_t j : chosen) far = std::max(far, (points[j].x - anchor).norm());
    radius_ = 0.95 * far;
  }
  if (!(radius_ > 1e-15)) return false;

  Eigen::MatrixXd x(d, m);
  Eigen::VectorXd y(m);
  double scale = 0;
  for (Eigen::Index k = 0; k < m; ++k) {
    const auto& p = points[chosen[static_cast<size_t>(k)]];
    x.col(k) = p.x - anchor;
    y[k] = p.loss - best->loss;
    scale = std::max(scale, std::abs(y[k]));
  }
  if (!(scale > 0) || !std::isfinite(scale)) return false;
  const auto model = fit_quadratic(x, y / scale);
  if (!model) return false;
  const Eigen::VectorXd lower = -anchor, upper = Eigen::VectorXd::Ones(d) - anchor;
  const Eigen::VectorXd p = minimise_in_trust_region(*model, radius_, lower, upper);
  const double predicted = -(model->g.dot(p) + 0.5 * p.dot(model->H * p)) * scale;
  if (!(predicted > 0) || !std::isfinite(predicted)) return false;

  best_params_.clear();
  for (const auto& [name, value] : best->trial->params)
    best_params_[name] = to_internal(best->trial->distributions.at(name), value, name);
  proposal_space_ = space;
  for (const auto& [name, dist] : space) {
    const auto it = best_params_.find(name);
    const auto bd = best->trial->distributions.find(name);
    if (it != best_params_.end() && bd != best->trial->distributions.end() && bd->second == dist)
      proposal_[name] = it->second;
  }
  for (Eigen::Index i = 0; i < d; ++i) {
    const auto& s = slots[static_cast<size_t>(i)];
    const double u = std::clamp(anchor[i] + p[i], 0.0, 1.0);
    double v = s.lo + u * (s.hi - s.lo);
    if (s.log) v = std::exp(v);
    proposal_[s.name] = nearest_admissible(Distribution{s.distribution}, v);
  }
  proposal_pending_ = {best->loss, predicted};
  return true;
}

SearchSpace TrustRegionSampler::infer_relative_space(const StudyView& /*view*/,
                                                     const FrozenTrial& /*trial*/) {
  SearchSpace out;
  for (const auto& [name, d] : proposal_space_)
    if (proposal_.count(name)) out.emplace(name, d);
  return out;
}

std::map<std::string, double> TrustRegionSampler::sample_relative(const StudyView& /*view*/,
                                                                  const FrozenTrial& trial,
                                                                  const SearchSpace& space) {
  std::map<std::string, double> out;
  for (const auto& [name, d] : space) {
    const auto it = proposal_.find(name);
    if (it != proposal_.end()) out[name] = it->second;
  }
  if (!out.empty()) {
    pending_[trial.number] = proposal_pending_;
    own_[trial.number] = true;
  }
  proposal_.clear();
  return out;
}

double TrustRegionSampler::sample_independent(const StudyView& view, const FrozenTrial& trial,
                                              const std::string& name,
                                              const Distribution& distribution) {
  // A parameter outside the modelled space: the best trial's value when it has this
  // distribution, else a uniform draw.
  if (best_number_) {
    for (const auto& t : view.trials()) {
      if (t.number != *best_number_) continue;
      const auto d = t.distributions.find(name);
      if (d != t.distributions.end() && d->second == distribution)
        return to_internal(distribution, t.params.at(name), name);
      break;
    }
  }
  std::mt19937_64 rng(math::trial_seed(seed_, view.study_name(), trial.number, name));
  return RandomSampler::from_unit(distribution, std::uniform_real_distribution<double>(0, 1)(rng));
}

void TrustRegionSampler::after_trial(const StudyView& view, const FrozenTrial& trial) {
  const auto it = pending_.find(trial.number);
  if (it == pending_.end()) return;
  const Pending p = it->second;
  pending_.erase(it);
  if (trial.state != TrialState::Complete || trial.values.size() != 1 ||
      !std::isfinite(trial.values[0]))
    return;
  const bool maximize =
      view.directions().size() == 1 && view.directions()[0] == Direction::Maximize;
  const double loss = maximize ? -trial.values[0] : trial.values[0];
  const double rho = (p.anchor_loss - loss) / p.predicted;
  if (rho < 0.25)
    radius_ *= 0.5;
  else if (rho > 0.75)
    radius_ *= 2;
  radius_ = std::min(radius_, std::sqrt(static_cast<double>(best_x_.size())));
}

}  // namespace parzen::internal
