#include <cmath>
#include <random>

#include "math/mersenne_twister.hpp"
#include "math/seed.hpp"
#include "parzen/sampler.hpp"
#include "samplers/random_draw.hpp"

namespace parzen {

void validate(const RandomSamplerOptions& /*options*/) {}

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

// Index in {0, ..., n} from u in [0, 1).
double pick(double u, double n) { return std::min(std::floor(u * (n + 1)), n); }

}  // namespace

RandomSampler::RandomSampler(RandomSamplerOptions options)
    : seed_(options.seed ? *options.seed : math::entropy_seed()) {
  validate(options);
}

double RandomSampler::from_unit(const Distribution& distribution, double u) {
  return std::visit(
      Overloaded{
          [u](const FloatDistribution& d) {
            if (d.step)
              return grid_value(
                  d, static_cast<int64_t>(pick(u, std::round((d.high - d.low) / *d.step))));
            if (d.log) {
              const double lo = std::log(d.low), hi = std::log(d.high);
              return nearest_admissible(d, std::exp(lo + u * (hi - lo)));
            }
            return nearest_admissible(d, d.low + u * (d.high - d.low));
          },
          [u](const IntDistribution& d) {
            if (d.log) {
              // Log-uniform over [low - 0.5, high + 0.5], rounded: each integer gets the mass
              // of its rounding interval in log space.
              const double lo = std::log(static_cast<double>(d.low) - 0.5);
              const double hi = std::log(static_cast<double>(d.high) + 0.5);
              const double v = std::round(std::exp(lo + u * (hi - lo)));
              return std::clamp(v, static_cast<double>(d.low), static_cast<double>(d.high));
            }
            const double n =
                static_cast<double>((static_cast<uint64_t>(d.high) - static_cast<uint64_t>(d.low)) /
                                    static_cast<uint64_t>(d.step));
            return static_cast<double>(d.low) + pick(u, n) * static_cast<double>(d.step);
          },
          [u](const CategoricalDistribution& d) {
            return pick(u, static_cast<double>(d.choices.size() - 1));
          },
      },
      distribution);
}

double detail::random_draw(uint64_t seed, std::string_view study_name, int64_t trial_number,
                           std::string_view name, const Distribution& distribution) {
  // Each (study, trial, parameter) has its own stream: no state, so no lock either.
  math::Mt19937_64 rng(math::trial_seed(seed, study_name, trial_number, name));
  const double u = math::uniform(rng, 0.0, 1.0);
  return RandomSampler::from_unit(distribution, std::min(u, std::nextafter(1.0, 0.0)));
}

double RandomSampler::sample_independent(const StudyView& view, const FrozenTrial& trial,
                                         const std::string& name,
                                         const Distribution& distribution) {
  return detail::random_draw(seed_, view.study_name(), trial.number, name, distribution);
}

}  // namespace parzen
