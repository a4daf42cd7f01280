// CMA-ES, separable CMA-ES and CMA-ES with margin: see cma.hpp. Equation numbers are those of
// Hansen's tutorial (arXiv:1604.00772), as cmaes 0.9.1 cites them.

#include "samplers/cmaes/cma.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <boost/math/distributions/normal.hpp>

#include "parzen/error.hpp"

namespace parzen::cmaes {

namespace {

constexpr double kEps = 1e-8;
constexpr double kMeanMax = 1e32;
constexpr double kSigmaMax = 1e32;

double norm_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// sqrt(chi2.ppf(1 - 2 p, df = 1)) = the standard normal quantile of 1 - p.
double sqrt_chi2_ppf_one_minus_twice(double p) {
  static const boost::math::normal standard{};
  return boost::math::quantile(boost::math::complement(standard, p));
}

nlohmann::json vec_json(const Vector& v) {
  return std::vector<double>(v.data(), v.data() + v.size());
}
Vector json_vec(const nlohmann::json& j) {
  const auto v = j.get<std::vector<double>>();
  return Eigen::Map<const Vector>(v.data(), static_cast<Eigen::Index>(v.size()));
}
nlohmann::json mat_json(const Matrix& m) {
  nlohmann::json rows = nlohmann::json::array();
  for (Eigen::Index i = 0; i < m.rows(); ++i) rows.push_back(vec_json(m.row(i).transpose()));
  return rows;
}
Matrix json_mat(const nlohmann::json& j, Eigen::Index cols) {
  Matrix m(static_cast<Eigen::Index>(j.size()), cols);
  for (Eigen::Index i = 0; i < m.rows(); ++i) m.row(i) = json_vec(j[static_cast<size_t>(i)]);
  return m;
}

// A symmetric matrix as its upper triangle, row by row (cmaes' _compress_symmetric).
nlohmann::json upper_json(const Matrix& m) {
  std::vector<double> v;
  v.reserve(static_cast<size_t>(m.rows() * (m.rows() + 1) / 2));
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = i; j < m.cols(); ++j) v.push_back(m(i, j));
  return v;
}
Matrix json_upper(const nlohmann::json& j, Eigen::Index n) {
  const auto v = j.get<std::vector<double>>();
  if (v.size() != static_cast<size_t>(n * (n + 1) / 2))
    throw InvalidArgument("CMA-ES state: the covariance has the wrong size");
  Matrix m(n, n);
  size_t k = 0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index jj = i; jj < n; ++jj) m(i, jj) = m(jj, i) = v[k++];
  return m;
}

}  // namespace

Cma::Cma(const CmaConfig& c) {
  n_ = c.mean.size();
  if (n_ < 2) throw InvalidArgument("CMA-ES needs at least two dimensions");
  if (!(c.sigma > 0)) throw InvalidArgument("CMA-ES: sigma must be > 0");
  if ((c.mean.array().abs() >= kMeanMax).any())
    throw InvalidArgument("CMA-ES: the mean's entries must be less than 1e32 in magnitude");
  popsize_ = c.population_size ? *c.population_size
                               : 4 + static_cast<int64_t>(std::floor(3 * std::log(n_)));  // eq. 48
  if (popsize_ < 2) throw InvalidArgument("CMA-ES: population size must be >= 2");
  separable_ = c.separable;
  init_constants();
  p_sigma_ = Vector::Zero(n_);
  pc_ = Vector::Zero(n_);
  mean_ = c.mean;
  if (separable_) {
    C_ = c.cov ? Matrix(c.cov->diagonal()) : Matrix(Matrix::Ones(n_, 1));
  } else {
    C_ = c.cov ? *c.cov : Matrix(Matrix::Identity(n_, n_));
  }
  sigma_ = c.sigma;
  bounds_ = c.bounds;
  n_max_resampling_ = c.n_max_resampling;
  tolx_ = 1e-12 * sigma_;
  funhist_term_ = 10 + static_cast<int64_t>(std::ceil(30.0 * static_cast<double>(n_) /
                                                      static_cast<double>(popsize_)));
  funhist_.assign(static_cast<size_t>(2 * funhist_term_), 0.0);
  restart_criteria_ = c.restart_criteria;
  sigma0_ = sigma_;
  A_ = Vector::Ones(n_);
  if (c.steps.size() > 0 && (c.steps.array() > 0).any()) {
    if (bounds_.rows() != n_)
      throw InvalidArgument("CMA-ES with margin needs bounds for every dimension");
    margin_ =
        c.margin ? *c.margin : 1.0 / (static_cast<double>(n_) * static_cast<double>(popsize_));
    if (!(margin_ > 0)) throw InvalidArgument("CMA-ES with margin: margin must be > 0");
    init_margin(c.steps);
  }
}

void Cma::init_constants() {
  const double n = static_cast<double>(n_);
  const double lambda = static_cast<double>(popsize_);
  mu_ = popsize_ / 2;
  if (separable_) {
    Vector wp(mu_);
    for (int64_t i = 0; i < mu_; ++i)
      wp[i] = std::log(static_cast<double>(mu_) + 1) - std::log(static_cast<double>(i) + 1);
    weights_ = wp / wp.sum();
    mu_eff_ = 1 / weights_.array().square().sum();
    c1_ = 2 / ((n + 1.3) * (n + 1.3) + mu_eff_);
    const double cmu_full =
        2 / mu_eff_ / ((n + std::sqrt(2.0)) * (n + std::sqrt(2.0))) +
        (1 - 1 / mu_eff_) * std::min(1.0, (2 * mu_eff_ - 1) / ((n + 2) * (n + 2) + mu_eff_));
    cmu_ = (n + 2) / 3 * cmu_full;
    c_sigma_ = (mu_eff_ + 2) / (n + mu_eff_ + 3);
    cc_ = 4 / (n + 4);
  } else {
    Vector wp(popsize_);
    for (int64_t i = 0; i < popsize_; ++i)
      wp[i] = std::log((lambda + 1) / 2) - std::log(static_cast<double>(i) + 1);  // eq. 49
    const auto head = wp.head(mu_), tail = wp.tail(popsize_ - mu_);
    mu_eff_ = head.sum() * head.sum() / head.array().square().sum();
    const double mu_eff_minus = tail.sum() * tail.sum() / tail.array().square().sum();
    const double alpha_cov = 2;
    c1_ = alpha_cov / ((n + 1.3) * (n + 1.3) + mu_eff_);
    cmu_ = std::min(1 - c1_ - 1e-8, alpha_cov * (mu_eff_ - 2 + 1 / mu_eff_) /
                                        ((n + 2) * (n + 2) + alpha_cov * mu_eff_ / 2));
    const double min_alpha = std::min({1 + c1_ / cmu_,                          // eq. 50
                                       1 + (2 * mu_eff_minus) / (mu_eff_ + 2),  // eq. 51
                                       (1 - c1_ - cmu_) / (n * cmu_)});         // eq. 52
    double positive_sum = 0, negative_sum = 0;
    for (double w : wp) (w > 0 ? positive_sum : negative_sum) += std::abs(w);
    weights_.resize(popsize_);
    for (int64_t i = 0; i < popsize_; ++i)  // eq. 53
      weights_[i] = wp[i] >= 0 ? wp[i] / positive_sum : min_alpha / negative_sum * wp[i];
    c_sigma_ = (mu_eff_ + 2) / (n + mu_eff_ + 5);         // eq. 55
    cc_ = (4 + mu_eff_ / n) / (n + 4 + 2 * mu_eff_ / n);  // eq. 56
  }
  d_sigma_ = 1 + 2 * std::max(0.0, std::sqrt((mu_eff_ - 1) / (n + 1)) - 1) + c_sigma_;
  cm_ = 1;  // eq. 54
  chi_n_ = std::sqrt(n) * (1.0 - (1.0 / (4.0 * n)) + 1.0 / (21.0 * n * n));
}

void Cma::init_margin(const Vector& steps) {
  steps_ = steps;
  discrete_.clear();
  continuous_.clear();
  for (int64_t i = 0; i < n_; ++i) (steps[i] > 0 ? discrete_ : continuous_).push_back(i);
  // Each discrete dimension's values low, low + step, ... <= high (numpy.arange), padded to the
  // longest with the dimension's largest value; z_lim: the midpoints between neighbours.
  std::vector<std::vector<double>> values;
  size_t longest = 0;
  for (int64_t i : discrete_) {
    const double low = bounds_(i, 0), high = bounds_(i, 1), step = steps[i];
    const auto count = static_cast<size_t>(std::ceil((high + step / 2 - low) / step));
    std::vector<double> v(count);
    for (size_t k = 0; k < count; ++k) v[k] = low + static_cast<double>(k) * step;
    longest = std::max(longest, v.size());
    values.push_back(std::move(v));
  }
  z_space_.clear();
  z_lim_.clear();
  for (auto& v : values) {
    std::vector<double> lim;
    for (size_t k = 0; k + 1 < v.size(); ++k) lim.push_back((v[k + 1] + v[k]) / 2);
    const double vmax = *std::max_element(v.begin(), v.end());
    v.resize(longest, vmax);
    const double lmax = lim.empty() ? std::numeric_limits<double>::quiet_NaN()
                                    : *std::max_element(lim.begin(), lim.end());
    lim.resize(longest - 1, lmax);
    z_space_.push_back(std::move(v));
    z_lim_.push_back(std::move(lim));
  }
}

Matrix Cma::cov() const {
  if (separable_) return C_.col(0).asDiagonal();
  return C_;
}

void Cma::eigen() {
  if (has_bd_) return;
  if (separable_) {
    D_ = C_.col(0).array().max(0.0).sqrt();
    for (Eigen::Index i = 0; i < n_; ++i)
      if (C_(i, 0) < 0) D_[i] = std::sqrt(kEps);
  } else {
    C_ = (C_ + C_.transpose()) / 2;
    Eigen::SelfAdjointEigenSolver<Matrix> solver(C_);
    B_ = solver.eigenvectors();
    const Vector d2 = solver.eigenvalues();
    D_.resize(n_);
    for (Eigen::Index i = 0; i < n_; ++i) D_[i] = std::sqrt(d2[i] < 0 ? kEps : d2[i]);
    C_ = B_ * D_.array().square().matrix().asDiagonal() * B_.transpose();
    // Exactly symmetric (the product is only to rounding), so that storing the upper triangle
    // loses nothing.
    C_ = ((C_ + C_.transpose()) / 2).eval();
  }
  has_bd_ = true;
}

double Cma::standard_normal(std::mt19937_64& rng) {
  // Box-Muller from two 53-bit uniforms, so that draws are the same on every standard library.
  constexpr double two_pi = 6.283185307179586476925286766559;
  const double u1 = (static_cast<double>(rng() >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
  const double u2 = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(two_pi * u2);
}

Vector Cma::sample_from(const Vector& z) {
  eigen();
  const Vector y =
      separable_ ? Vector(D_.array() * z.array()) : Vector(B_ * (D_.array() * z.array()).matrix());
  return mean_ + sigma_ * y;
}

bool Cma::feasible(const Vector& x) const {
  if (bounds_.rows() == 0) return true;
  if (discrete_.empty())
    return (x.array() >= bounds_.col(0).array()).all() &&
           (x.array() <= bounds_.col(1).array()).all();
  for (int64_t i : continuous_)
    if (x[i] < bounds_(i, 0) || x[i] > bounds_(i, 1)) return false;
  return true;
}

Vector Cma::repair(const Vector& x) const {
  if (bounds_.rows() == 0) return x;
  Vector r = x;
  if (discrete_.empty()) return r.cwiseMax(bounds_.col(0)).cwiseMin(bounds_.col(1));
  for (int64_t i : continuous_) r[i] = std::clamp(r[i], bounds_(i, 0), bounds_(i, 1));
  return r;
}

Vector Cma::encode_discrete(const Vector& x) const {
  Vector enc = x;
  for (size_t k = 0; k < discrete_.size(); ++k) {
    const int64_t i = discrete_[k];
    const double v = (x[i] - mean_[i]) * A_[i] + mean_[i];
    const auto& lim = z_lim_[k];
    const auto idx =
        static_cast<size_t>(std::count_if(lim.begin(), lim.end(), [&](double l) { return l < v; }));
    enc[i] = z_space_[k][idx];
  }
  return enc;
}

std::pair<Vector, Vector> Cma::ask(std::mt19937_64& rng) {
  Vector z(n_);
  const auto draw = [&] {
    for (Eigen::Index i = 0; i < n_; ++i) z[i] = standard_normal(rng);
    return sample_from(z);
  };
  Vector x;
  bool ok = false;
  for (int64_t i = 0; i < n_max_resampling_ && !ok; ++i) {
    x = draw();
    ok = feasible(x);
  }
  if (!ok) x = repair(draw());
  return {discrete_.empty() ? x : encode_discrete(x), x};
}

void Cma::tell(std::vector<std::pair<Vector, double>> solutions) {
  if (static_cast<int64_t>(solutions.size()) != popsize_)
    throw InvalidArgument(fmt::format("CMA-ES: tell needs {} solutions (the population), got {}",
                                      popsize_, solutions.size()));
  for (const auto& s : solutions)
    if ((s.first.array().abs() >= kMeanMax).any())
      throw InvalidArgument("CMA-ES: a solution's entries must be less than 1e32 in magnitude");
  ++g_;
  std::stable_sort(solutions.begin(), solutions.end(),
                   [](const auto& a, const auto& b) { return a.second < b.second; });
  const auto funhist_idx = static_cast<size_t>(2 * (g_ % funhist_term_));
  funhist_[funhist_idx] = solutions.front().second;
  funhist_[funhist_idx + 1] = solutions.back().second;
  if (restart_criteria_) {
    const auto size = solutions.size();
    const double median = size % 2 == 1
                              ? solutions[size / 2].second
                              : (solutions[size / 2 - 1].second + solutions[size / 2].second) / 2;
    best_hist_.push_back(solutions.front().second);
    median_hist_.push_back(median);
    const auto keep = static_cast<size_t>(std::min<int64_t>(
        20000, std::max(stagnation_min(),
                        static_cast<int64_t>(std::ceil(0.2 * static_cast<double>(g_))))));
    if (best_hist_.size() > keep) {
      const auto drop = static_cast<std::ptrdiff_t>(best_hist_.size() - keep);
      best_hist_.erase(best_hist_.begin(), best_hist_.begin() + drop);
      median_hist_.erase(median_hist_.begin(), median_hist_.begin() + drop);
    }
    // Auger and Hansen 2005: the k-th best with k = 1 + ceil(0.1 + popsize / 4) (1-based).
    const auto kth =
        std::min(size - 1, static_cast<size_t>(std::ceil(0.1 + static_cast<double>(popsize_) / 4)));
    flat_hist_.push_back(solutions.front().second == solutions[kth].second ? 1 : 0);
    if (static_cast<int64_t>(flat_hist_.size()) > n_) flat_hist_.erase(flat_hist_.begin());
  }

  eigen();
  has_bd_ = false;

  Matrix y(n_, popsize_);
  for (int64_t k = 0; k < popsize_; ++k)
    y.col(k) = (solutions[static_cast<size_t>(k)].first - mean_) / sigma_;

  // Selection and recombination (eq. 41).
  Vector y_w = Vector::Zero(n_);
  for (int64_t k = 0; k < mu_; ++k) y_w += weights_[k] * y.col(k);
  mean_ += cm_ * sigma_ * y_w;

  // Step-size control.
  Matrix C_2;
  if (separable_) {
    p_sigma_ = (1 - c_sigma_) * p_sigma_ +
               std::sqrt(c_sigma_ * (2 - c_sigma_) * mu_eff_) * Vector(y_w.array() / D_.array());
  } else {
    C_2 = B_ * D_.cwiseInverse().asDiagonal() * B_.transpose();  // C^(-1/2)
    p_sigma_ =
        (1 - c_sigma_) * p_sigma_ + std::sqrt(c_sigma_ * (2 - c_sigma_) * mu_eff_) * (C_2 * y_w);
  }
  const double norm_p_sigma = p_sigma_.norm();
  sigma_ *= std::exp((c_sigma_ / d_sigma_) * (norm_p_sigma / chi_n_ - 1));
  sigma_ = std::min(sigma_, kSigmaMax);

  // Covariance matrix adaptation.
  const double h_left =
      norm_p_sigma / std::sqrt(1 - std::pow(1 - c_sigma_, 2 * static_cast<double>(g_ + 1)));
  const double h_right = (1.4 + 2 / (static_cast<double>(n_) + 1)) * chi_n_;
  const double h_sigma = h_left < h_right ? 1.0 : 0.0;
  pc_ = (1 - cc_) * pc_ + h_sigma * std::sqrt(cc_ * (2 - cc_) * mu_eff_) * y_w;  // eq. 45
  const double delta_h_sigma = (1 - h_sigma) * cc_ * (2 - cc_);
  const double decay = 1 + c1_ * delta_h_sigma - c1_ - cmu_ * weights_.sum();
  if (separable_) {
    Vector rank_mu = Vector::Zero(n_);
    for (int64_t k = 0; k < mu_; ++k) rank_mu += weights_[k] * y.col(k).array().square().matrix();
    C_.col(0) = decay * C_.col(0) + c1_ * pc_.array().square().matrix() + cmu_ * rank_mu;
  } else {
    Matrix rank_mu = Matrix::Zero(n_, n_);
    for (int64_t k = 0; k < popsize_; ++k) {
      double w = weights_[k];
      if (w < 0) w *= static_cast<double>(n_) / ((C_2 * y.col(k)).squaredNorm() + kEps);  // eq. 46
      rank_mu += w * y.col(k) * y.col(k).transpose();
    }
    C_ = decay * C_ + c1_ * pc_ * pc_.transpose() + cmu_ * rank_mu;  // eq. 47
  }
  if (!discrete_.empty()) margin_correction();
}

void Cma::margin_correction() {
  const Vector diag = separable_ ? Vector(C_.col(0)) : Vector(C_.diagonal());
  for (size_t k = 0; k < discrete_.size(); ++k) {
    const int64_t i = discrete_[k];
    const auto& lim = z_lim_[k];
    const double m = mean_[i];
    const double lim_min = *std::min_element(lim.begin(), lim.end());
    const double lim_max = *std::max_element(lim.begin(), lim.end());
    const auto idx =
        static_cast<size_t>(std::count_if(lim.begin(), lim.end(), [&](double l) { return l < m; }));
    const double m_low = idx == 0 ? lim_min : lim[idx - 1];
    const double m_up = idx == lim.size() ? lim_max : lim[idx];
    const double scale = sigma_ * A_[i] * std::sqrt(diag[i]);
    double low_cdf = norm_cdf((m_low - m) / scale);
    double up_cdf = 1.0 - norm_cdf((m_up - m) / scale);
    const double mid_cdf = 1.0 - (low_cdf + up_cdf);
    if (std::max(low_cdf, up_cdf) > 0.5) {
      // The mean is in an edge cell: move it back within reach of its neighbour.
      if (std::min(low_cdf, up_cdf) < margin_) {
        const double sign = m - m_up > 0 ? 1.0 : (m - m_up < 0 ? -1.0 : 0.0);
        const double chi = sqrt_chi2_ppf_one_minus_twice(margin_);
        const double dist = sigma_ * A_[i] * std::sqrt(chi * chi * diag[i]);
        mean_[i] = m_up + sign * dist;
      }
      continue;
    }
    low_cdf = std::max(low_cdf, margin_ / 2.0);
    up_cdf = std::max(up_cdf, margin_ / 2.0);
    const double rest = 1.0 - low_cdf - up_cdf - mid_cdf;
    const double denom = low_cdf + mid_cdf + up_cdf - 3.0 * margin_ / 2;
    double mod_low = low_cdf + rest * (low_cdf - margin_ / 2) / denom;
    double mod_up = up_cdf + rest * (up_cdf - margin_ / 2) / denom;
    mod_low = std::clamp(mod_low, 1e-10, 0.5 - 1e-10);
    mod_up = std::clamp(mod_up, 1e-10, 0.5 - 1e-10);
    const double chi_low = sqrt_chi2_ppf_one_minus_twice(mod_low);
    const double chi_up = sqrt_chi2_ppf_one_minus_twice(mod_up);
    A_[i] = (m_up - m_low) / ((chi_low + chi_up) * sigma_ * std::sqrt(diag[i]));
    mean_[i] = (m_low * chi_up + m_up * chi_low) / (chi_low + chi_up);
  }
}

bool Cma::should_stop() { return !cmaes_stop_reason().empty(); }

int64_t Cma::stagnation_min() const {
  return 120 + static_cast<int64_t>(
                   std::ceil(30.0 * static_cast<double>(n_) / static_cast<double>(popsize_)));
}

std::string Cma::stop_reason() {
  auto reason = cmaes_stop_reason();
  if (!reason.empty() || !restart_criteria_) return reason;
  // tolfunhist (pycma, 1e-12): the range of the recent generations' best values.
  if (g_ > funhist_term_) {
    double lo = funhist_[0], hi = funhist_[0];
    for (size_t i = 0; i < funhist_.size(); i += 2) {
      lo = std::min(lo, funhist_[i]);
      hi = std::max(hi, funhist_[i]);
    }
    if (hi - lo < 1e-12) return "tolfunhist";
  }
  // equalfunvals (Auger and Hansen 2005): flat in more than a third of the last n generations.
  if (static_cast<int64_t>(flat_hist_.size()) >= n_) {
    const auto flat = std::count(flat_hist_.begin(), flat_hist_.end(), 1);
    if (3 * static_cast<int64_t>(flat) > n_) return "equalfunvals";
  }
  // stagnation (Hansen 2009): the recent 30 % of the history is not better than the oldest 30 %.
  if (static_cast<int64_t>(best_hist_.size()) >= stagnation_min()) {
    const auto median_of = [](std::vector<double> v) {
      const auto mid = v.size() / 2;
      std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
      if (v.size() % 2 == 1) return v[mid];
      const double upper = v[mid];
      return (*std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid)) + upper) /
             2;
    };
    const auto k = static_cast<std::ptrdiff_t>(
        std::max<size_t>(1, static_cast<size_t>(0.3 * static_cast<double>(best_hist_.size()))));
    const auto old_and_new = [&](const std::vector<double>& h) {
      return std::pair{median_of({h.begin(), h.begin() + k}), median_of({h.end() - k, h.end()})};
    };
    const auto [best_old, best_new] = old_and_new(best_hist_);
    const auto [median_old, median_new] = old_and_new(median_hist_);
    if (best_new >= best_old && median_new >= median_old) return "stagnation";
  }
  // tolupsigma (pycma, 1e20): sigma grew far beyond what the covariance explains.
  if (sigma_ / sigma0_ > 1e20 * D_.maxCoeff()) return "tolupsigma";
  return "";
}

std::string Cma::cmaes_stop_reason() {
  eigen();
  const Vector dC = separable_ ? Vector(C_.col(0)) : Vector(C_.diagonal());
  // The range of the recent generations' best and worst values is below tolfun.
  if (g_ > funhist_term_) {
    const auto [lo, hi] = std::minmax_element(funhist_.begin(), funhist_.end());
    if (*hi - *lo < tolfun_) return "tolfun";
  }
  // The standard deviation is below tolx in every coordinate, and so is pc.
  if ((sigma_ * dC.array() < tolx_).all() && (sigma_ * pc_.array() < tolx_).all()) return "tolx";
  // Divergent behaviour.
  if (sigma_ * D_.maxCoeff() > tolxup_) return "tolxup";
  // No effect coordinate: adding 0.2 standard deviations in a coordinate does not change m.
  for (Eigen::Index i = 0; i < n_; ++i)
    if (mean_[i] == mean_[i] + 0.2 * sigma_ * std::sqrt(dC[i])) return "noeffectcoord";
  // No effect axis: adding 0.1 standard deviation along principal axis g % n does not change m.
  const auto axis = static_cast<Eigen::Index>(g_ % n_);
  bool no_effect = true;
  for (Eigen::Index j = 0; j < n_ && no_effect; ++j) {
    const double direction = separable_ ? 1.0 : B_(j, axis);
    no_effect = mean_[j] == mean_[j] + 0.1 * sigma_ * D_[axis] * direction;
  }
  if (no_effect) return "noeffectaxis";
  // Condition number of the covariance matrix.
  if (D_.maxCoeff() / D_.minCoeff() > tolconditioncov_) return "conditioncov";
  return "";
}

nlohmann::json Cma::to_json(bool with_decomposition) const {
  nlohmann::json j{{"n", n_},
                   {"popsize", popsize_},
                   {"separable", separable_},
                   {"mean", vec_json(mean_)},
                   {"p_sigma", vec_json(p_sigma_)},
                   {"pc", vec_json(pc_)},
                   {"C", separable_ ? vec_json(C_.col(0)) : upper_json(C_)},
                   {"sigma", sigma_},
                   {"g", g_},
                   {"n_max_resampling", n_max_resampling_},
                   {"tolx", tolx_},
                   {"funhist", funhist_}};
  if (bounds_.rows() > 0) j["bounds"] = mat_json(bounds_);
  if (restart_criteria_) {
    j["sigma0"] = sigma0_;
    j["best_hist"] = best_hist_;
    j["median_hist"] = median_hist_;
    j["flat_hist"] = std::vector<int>(flat_hist_.begin(), flat_hist_.end());
  }
  if (has_bd_ && with_decomposition) {
    j["D"] = vec_json(D_);
    if (!separable_) j["B"] = mat_json(B_);
  }
  if (!discrete_.empty()) {
    j["steps"] = vec_json(steps_);
    j["margin"] = margin_;
    j["A"] = vec_json(A_);
  }
  return j;
}

Cma Cma::from_json(const nlohmann::json& j) {
  Cma c;
  c.n_ = j.at("n").get<int64_t>();
  c.popsize_ = j.at("popsize").get<int64_t>();
  c.separable_ = j.at("separable").get<bool>();
  c.init_constants();
  c.mean_ = json_vec(j.at("mean"));
  c.p_sigma_ = json_vec(j.at("p_sigma"));
  c.pc_ = json_vec(j.at("pc"));
  c.C_ = c.separable_ ? Matrix(json_vec(j.at("C"))) : json_upper(j.at("C"), c.n_);
  c.sigma_ = j.at("sigma").get<double>();
  c.g_ = j.at("g").get<int64_t>();
  c.n_max_resampling_ = j.at("n_max_resampling").get<int64_t>();
  c.tolx_ = j.at("tolx").get<double>();
  c.funhist_ = j.at("funhist").get<std::vector<double>>();
  c.funhist_term_ = static_cast<int64_t>(c.funhist_.size() / 2);
  if (j.contains("bounds")) c.bounds_ = json_mat(j.at("bounds"), 2);
  if (j.contains("sigma0")) {
    c.restart_criteria_ = true;
    c.sigma0_ = j.at("sigma0").get<double>();
    c.best_hist_ = j.at("best_hist").get<std::vector<double>>();
    c.median_hist_ = j.at("median_hist").get<std::vector<double>>();
    for (int f : j.at("flat_hist").get<std::vector<int>>()) c.flat_hist_.push_back(f != 0 ? 1 : 0);
  }
  if (j.contains("D")) {
    c.D_ = json_vec(j.at("D"));
    if (!c.separable_) c.B_ = json_mat(j.at("B"), c.n_);
    c.has_bd_ = true;
  }
  c.A_ = Vector::Ones(c.n_);
  if (j.contains("steps")) {
    c.margin_ = j.at("margin").get<double>();
    c.init_margin(json_vec(j.at("steps")));
    c.A_ = json_vec(j.at("A"));
  }
  return c;
}

WarmStart warm_start_mgd(std::vector<std::pair<Vector, double>> solutions, double gamma,
                         double alpha) {
  if (!(gamma > 0 && gamma <= 1)) throw InvalidArgument("warm start: gamma must be in (0, 1]");
  if (solutions.empty())
    throw InvalidArgument("warm start: the source task has no solutions (complete trials)");
  std::stable_sort(solutions.begin(), solutions.end(),
                   [](const auto& a, const auto& b) { return a.second < b.second; });
  const auto gamma_n =
      static_cast<size_t>(std::floor(static_cast<double>(solutions.size()) * gamma));
  if (gamma_n < 1)
    throw InvalidArgument(fmt::format(
        "warm start: {} source solutions, but the top {} share needs at least {} of them",
        solutions.size(), gamma, static_cast<int64_t>(std::ceil(1 / gamma))));
  const Eigen::Index dim = solutions.front().first.size();
  Matrix second = Matrix::Zero(dim, dim);
  Vector mean = Vector::Zero(dim);
  for (size_t i = 0; i < gamma_n; ++i) {
    const Vector& x = solutions[i].first;
    second += x * x.transpose();
  }
  second /= static_cast<double>(gamma_n);
  for (size_t i = 0; i < gamma_n; ++i) mean += solutions[i].first;
  mean /= static_cast<double>(gamma_n);
  const Matrix Sigma =
      alpha * alpha * Matrix::Identity(dim, dim) + second - mean * mean.transpose();
  const double det = Sigma.determinant();
  const double d = static_cast<double>(dim);
  return {mean, std::pow(det, 1.0 / 2.0 / d), Sigma / std::pow(det, 1.0 / d)};
}

}  // namespace parzen::cmaes
