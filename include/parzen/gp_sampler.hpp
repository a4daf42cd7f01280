#pragma once
// Gaussian-process Bayesian optimisation (work in progress, issue 6): after n_startup_trials
// complete trials, the parameters of the intersection search space are proposed jointly by a GP
// (Matérn-5/2, one lengthscale per dimension, hyperparameters fitted by L-BFGS-B on the marginal
// likelihood with weak priors, warm-started between asks) maximising log expected improvement
// over a scrambled Sobol sweep plus perturbations of the best trials. Running trials enter as
// fantasies at the worst value seen (a pessimistic constant liar), so concurrent asks spread out.
// Floats and integers are modelled on [0, 1] (log parameters in log space), categorical parameters
// one-hot. Not yet: gradient polishing of the acquisition, EI/UCB/PI options, the benchmarks.

#include <cstdint>
#include <memory>
#include <optional>

#include "parzen/sampler.hpp"

namespace parzen {

struct GpSamplerOptions {
  std::optional<uint64_t> seed{};
  int64_t n_startup_trials = 10;  // sampled at random before the model takes over
  int64_t n_candidates = 1024;    // quasi-random candidates per ask
};

class GpSampler : public Sampler {
 public:
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

  struct State;

 private:
  GpSamplerOptions options_;
  std::unique_ptr<State> state_;
};

}  // namespace parzen
