#pragma once
// Gaussian-process Bayesian optimisation. After n_startup_trials complete trials (the first ones
// spread by a scrambled Sobol sequence), the parameters of the intersection search space are
// proposed jointly by a GP fitted to the history: Matérn-5/2 kernel with one lengthscale per
// dimension plus a first-order additive component with the same lengthscales, output scales and
// noise, hyperparameters fitted by L-BFGS-B on the marginal likelihood with weak priors and
// warm-started between asks. The acquisition (log expected
// improvement by default) is maximised over a Sobol sweep and the best trials' neighbourhoods,
// the best starts are polished by L-BFGS-B, then integer, stepped and categorical parameters are
// improved by a local search. Unless noisy_objective is set, a point already evaluated (or
// running) is never proposed again: the best novel candidate is taken instead, or a random novel
// point when none is left. Running trials enter the model as fantasies at the worst value seen
// (a pessimistic constant liar), so concurrent asks spread out.
//
// Floats and integers are modelled on [0, 1] (log parameters in log space), integers and stepped
// floats rounded the same way for the model and the trial, categorical parameters one-hot.
// Constraints (Trial::set_constraints): one GP per constraint and log constrained EI, log EI
// plus log P(feasible) = sum_c log Phi((0 - mu_c) / sigma_c) in each constraint's model scale,
// with the best feasible value as EI's incumbent (log P(feasible) alone while no trial is
// feasible). Two or three objectives: one GP per objective and log EHVI, exact for independent
// Gaussians over a box decomposition of the region the feasible trials do not dominate (plus
// log P(feasible) with constraints). More than three objectives: InvalidArgument at the first
// ask (check_directions). Parameters outside the intersection space (conditional ones) are
// sampled at random. Cost per ask grows with the history: see docs/benchmarks.md.

#include <cstdint>
#include <memory>
#include <optional>

#include "parzen/sampler.hpp"

namespace parzen {
namespace internal {
struct GpState;  // the fitted model and its caches, in src/samplers/gp
}

enum class GpAcquisition {
  LogEI,  // log expected improvement, stable where EI underflows (the default)
  EI,     // expected improvement
  UCB,    // upper confidence bound (for maximisation; mean - sqrt(beta) sd when minimising)
  PI,     // probability of improvement
};

// The most objectives the GP sampler models (log EHVI's box decomposition is for 2 or 3).
inline constexpr size_t kGpMaxObjectives = 3;

struct GpSamplerOptions {
  // Seed of the sampler's draws; unset: a fresh random seed. The start-up points and the
  // candidates of each ask come from a mix of (seed, study name, trial number).
  std::optional<uint64_t> seed{};
  // Quasi-random (scrambled Sobol) trials before the model; 20 measured better than 10 on the
  // benchmark's 2- to 10-dimensional functions at 100 evaluations.
  int64_t n_startup_trials = 20;
  GpAcquisition acquisition = GpAcquisition::LogEI;
  double ucb_beta = 4.0;  // UCB's exploration weight: the bound is mean + sqrt(beta) sd
  // For noisy objectives: measure improvement against the best posterior mean at the observed
  // points instead of the best observed value (which noise drags below the truth), and allow
  // proposing a point already evaluated (a repeat measures the noise); without it, a point
  // already evaluated or running is never proposed again.
  bool noisy_objective = false;
  // Model the outputs after a Yeo-Johnson power transform fitted to them (order kept), so a few
  // huge values (diverged runs, Rosenbrock's walls) do not flatten the model everywhere else.
  // Warped or not, a value beyond 100 interquartile ranges of the quartiles is first moved to one
  // IQR beyond the others, and standardising cannot overflow: one 1e308 leaves the model working
  // (docs/guide.md, "Huge values").
  bool warp_outputs = true;
  // Add a first-order additive component to the kernel (the sum of one-dimensional Matérn
  // kernels, one per coordinate, with the same lengthscales), weighted by the fit: it captures what
  // each parameter does on its own, so the model can extrapolate along single parameters.
  bool additive_kernel = true;
  int64_t n_candidates = 1024;  // Sobol points of the acquisition sweep
  int64_t n_polish = 5;         // best starts polished by L-BFGS-B
};

// Throws OptionError ("GpSampler: n_polish = 0, must be >= 1") unless n_startup_trials,
// n_candidates and n_polish are >= 1 and ucb_beta is finite and >= 0. GpSampler's constructor
// calls it.
void validate(const GpSamplerOptions& options);

class GpSampler : public Sampler {
 public:
  // Throws OptionError for invalid options (see validate).
  explicit GpSampler(GpSamplerOptions options = {});
  ~GpSampler() override;
  static std::shared_ptr<GpSampler> make(GpSamplerOptions options = {}) {
    return std::make_shared<GpSampler>(options);
  }
  SearchSpace infer_relative_space(const StudyView& view, const FrozenTrial& trial) override;
  std::map<std::string, double> sample_relative(const StudyView& view, const FrozenTrial& trial,
                                                const SearchSpace& space) override;
  double sample_independent(const StudyView& view, const FrozenTrial& trial,
                            const std::string& name, const Distribution& distribution) override;

  // Throws InvalidArgument for more than kGpMaxObjectives directions (naming the samplers that
  // handle more); infer_relative_space calls it, the registry's max_objectives says it at
  // config time.
  static void check_directions(size_t n_directions);

 private:
  GpSamplerOptions options_;
  std::unique_ptr<internal::GpState> state_;
};

}  // namespace parzen
