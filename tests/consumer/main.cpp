// Minimises (x - 2)^2 with the installed library; exits 0 when the search came close.
#include <cstdio>

#include <parzen/parzen.hpp>

int main() {
  auto study = parzen::Study::create({.sampler = parzen::RandomSampler::make({.seed = 1})});
  study.optimize(
      [](parzen::Trial& t) {
        const double x = t.suggest_float("x", -10, 10);
        return (x - 2) * (x - 2);
      },
      {.n_trials = 200});
  std::printf("parzen %s: best value %.6f\n", parzen::kVersion, study.best_value());
  return study.best_value() < 0.1 ? 0 : 1;
}
