#pragma once
// The CMA-ES optimizer behind CmaEsSampler: an ask/tell object with the equations and defaults
// of Hansen's tutorial ("The CMA Evolution Strategy: A Tutorial", 2016) as the `cmaes` Python
// library (0.9.1, Debian's python3-cmaes) implements them:
//  - full CMA-ES (cmaes.CMA): negative weights (eq. 49-53), rank-one and rank-mu updates with
//    the active update's rescaled negative weights (eq. 46-47), cumulative step-size adaptation;
//  - separable CMA-ES (cmaes.SepCMA, Ros and Hansen 2008): a diagonal covariance matrix and its
//    faster learning rates;
//  - CMA-ES with margin (cmaes.CMAwM, Hamano et al. 2022): discrete dimensions (integers, stepped
//    floats) are encoded to their grid, and after each update the marginal probability of
//    leaving the mean's grid cell is kept >= margin by correcting the mean and the per-dimension
//    scale A, so that an integer dimension never freezes;
//  - the termination criteria of cmaes' should_stop (tolfun, tolx, tolxup, no effect
//    coordinate/axis, condition number), and, for restarts (restart_criteria), those of
//    Hansen's IPOP/BIPOP and pycma that cmaes lacks (tolfunhist, equalfunvals, stagnation,
//    tolupsigma): see stop_reason();
//  - get_warm_start_mgd (WS-CMA-ES, Nomura et al. 2021).
// It draws from an engine the caller passes (no engine kept), and its whole state round-trips
// through JSON bit for bit (doubles are written with 17 significant digits), so that workers
// share it through the storage.

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

namespace parzen::cmaes {

using Vector = Eigen::VectorXd;
using Matrix = Eigen::MatrixXd;

struct CmaConfig {
  Vector mean{};
  double sigma = 0.3;
  // Lower and upper bound per dimension (n x 2); empty: unbounded.
  Matrix bounds{};
  // Discretisation step per dimension (with_margin); > 0: a discrete dimension whose values are
  // bounds(i, 0) + k * step. Empty or all 0: plain CMA-ES.
  Vector steps{};
  std::optional<int64_t> population_size{};
  std::optional<Matrix> cov{};
  bool separable = false;
  std::optional<double> margin{};  // unset: 1 / (n * popsize)
  int64_t n_max_resampling = 100;
  // Keep the histories that the restart criteria of stop_reason() read (best and median value
  // per generation, flat generations) and check those criteria; false: cmaes' should_stop only.
  bool restart_criteria = false;
};

class Cma {
 public:
  explicit Cma(const CmaConfig& config);

  int64_t dim() const { return n_; }
  int64_t population_size() const { return popsize_; }
  int64_t generation() const { return g_; }
  bool separable() const { return separable_; }
  bool with_margin() const { return !discrete_.empty(); }

  const Vector& mean() const { return mean_; }
  double sigma() const { return sigma_; }
  // The covariance matrix (separable: its diagonal as a diagonal matrix).
  Matrix cov() const;
  const Vector& p_sigma() const { return p_sigma_; }
  const Vector& pc() const { return pc_; }
  const Vector& margin_scale() const { return A_; }

  // One solution drawn from N(m, sigma^2 C) with `rng`, resampled up to n_max_resampling times
  // until inside the bounds (the continuous ones with margin), then clipped. first: the value to
  // evaluate (discrete dimensions encoded to their grid), second: the value to tell.
  std::pair<Vector, Vector> ask(std::mt19937_64& rng);
  // The standard normal draw ask() uses per coordinate.
  static double standard_normal(std::mt19937_64& rng);
  // A solution from a given standard normal vector z (x = m + sigma B D z), no resampling.
  Vector sample_from(const Vector& z);
  // Exactly population_size (x_for_tell, value) pairs; smaller values are better.
  void tell(std::vector<std::pair<Vector, double>> solutions);
  // cmaes 0.9.1's should_stop, exactly (python3-cmaes's criteria and defaults).
  bool should_stop();
  // Why this run should end, or "" while it should go on. cmaes' criteria first ("tolfun",
  // "tolx", "tolxup", "noeffectcoord", "noeffectaxis", "conditioncov"); then, with
  // restart_criteria, those that Hansen's restart strategies and pycma add:
  //  "tolfunhist"   the best values of the last 10 + ceil(30 n / popsize) generations lie within
  //                 1e-12 (pycma's tolfunhist 1e-12; cmaes' tolfun also needs the worst values);
  //  "equalfunvals" in more than a third of the last n generations the best and the
  //                 (1 + ceil(0.1 + popsize / 4))-th best value were equal (Auger and Hansen
  //                 2005, IPOP-CMA-ES: a flat fitness landscape, e.g. a collapsed integer);
  //  "stagnation"   over the history of the last 20 % of the generations, at least
  //                 120 + ceil(30 n / popsize) and at most 20 000, the median of the most
  //                 recent 30 % of both the best and the median values is not better than the
  //                 median of the oldest 30 % (Hansen 2009, BIPOP-CMA-ES's TolStagnation);
  //  "tolupsigma"   sigma / sigma0 > 1e20 * sqrt(largest eigenvalue of C) (pycma: creeping).
  std::string stop_reason();

  // The whole state as JSON (doubles round-trip exactly). with_decomposition: include the cached
  // eigendecomposition, so that the restored object asks bit for bit as this one; without it
  // (smaller, what the sampler stores) the restored object recomputes it from C.
  nlohmann::json to_json(bool with_decomposition = true) const;
  static Cma from_json(const nlohmann::json& j);

 private:
  Cma() = default;
  void init_constants();
  void init_margin(const Vector& steps);
  void eigen();
  bool feasible(const Vector& x) const;
  Vector repair(const Vector& x) const;
  Vector encode_discrete(const Vector& x) const;
  void margin_correction();

  int64_t n_ = 0, popsize_ = 0, mu_ = 0;
  bool separable_ = false;
  double mu_eff_ = 0, cc_ = 0, c1_ = 0, cmu_ = 0, c_sigma_ = 0, d_sigma_ = 0, cm_ = 1, chi_n_ = 0;
  Vector weights_{};
  // Dynamic state.
  Vector mean_{}, p_sigma_{}, pc_{};
  Matrix C_{};  // separable: n x 1, the diagonal
  double sigma_ = 0;
  int64_t g_ = 0;
  Matrix bounds_{};
  int64_t n_max_resampling_ = 100;
  double tolx_ = 0, tolxup_ = 1e4, tolfun_ = 1e-12, tolconditioncov_ = 1e14;
  int64_t funhist_term_ = 0;
  std::vector<double> funhist_{};
  // Restart criteria (restart_criteria_): sigma0, per generation the best and the median value
  // (the last max(120 + ceil(30 n / popsize), 0.2 g) up to 20 000), and whether the generation
  // was flat (the last n).
  bool restart_criteria_ = false;
  double sigma0_ = 0;
  std::vector<double> best_hist_{}, median_hist_{};
  std::vector<char> flat_hist_{};
  std::string cmaes_stop_reason();
  int64_t stagnation_min() const;
  // Eigen decomposition cache (B, D): valid when has_bd_.
  bool has_bd_ = false;
  Matrix B_{};
  Vector D_{};
  // Margin.
  Vector steps_{};
  std::vector<int64_t> discrete_{}, continuous_{};
  std::vector<std::vector<double>> z_space_{}, z_lim_{};
  double margin_ = 0;
  Vector A_{};
};

// WS-CMA-ES's initial distribution from the source task's solutions (x, value; smaller is
// better): the mean, sigma and covariance of the top gamma share, with the prior alpha^2 I;
// cmaes.get_warm_start_mgd. Throws InvalidArgument when fewer than 1 / gamma solutions are given.
struct WarmStart {
  Vector mean;
  double sigma;
  Matrix cov;
};
WarmStart warm_start_mgd(std::vector<std::pair<Vector, double>> solutions, double gamma = 0.1,
                         double alpha = 0.1);

}  // namespace parzen::cmaes
