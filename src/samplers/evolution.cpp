// Regularized evolution: see include/parzen/evolution_sampler.hpp for the algorithm.

#include <algorithm>
#include <random>

#include <fmt/format.h>

#include "math/seed.hpp"
#include "parzen/evolution_sampler.hpp"
#include "parzen/multi_objective.hpp"
#include "parzen/system_attrs.hpp"
#include "registry/option_check.hpp"
#include "samplers/nsga/crossover.hpp"

namespace parzen {

using internal::check_option;

void validate(const RegularizedEvolutionSamplerOptions& o) {
  const char* owner = "RegularizedEvolutionSampler";
  check_option(o.population_size >= 1, owner, "population_size", o.population_size, "must be >= 1");
  check_option(o.sample_size >= 1, owner, "sample_size", o.sample_size, "must be >= 1");
  check_option(o.mutation_prob >= 0 && o.mutation_prob <= 1, owner, "mutation_prob",
               o.mutation_prob, "must be in [0, 1]");
}

namespace {

void require_one_objective(const StudyView& view) {
  if (view.directions().size() != 1)
    throw InvalidArgument(
        fmt::format("RegularizedEvolutionSampler optimises one objective; study '{}' has {}: use a "
                    "multi-objective sampler (\"nsga2\" or \"tpe\")",
                    view.study_name(), view.directions().size()));
}

// True when trial a is a better parent than trial b: feasible first (one without constraint
// values is infeasible against one with them), then the better value.
bool better(const FrozenTrial& a, const FrozenTrial& b, Direction direction) {
  const bool constrained = !a.constraints.empty() || !b.constraints.empty();
  const bool fa = multi_objective::feasible_in(a, constrained);
  const bool fb = multi_objective::feasible_in(b, constrained);
  if (fa != fb) return fa;
  return direction == Direction::Minimize ? a.values[0] < b.values[0] : a.values[0] > b.values[0];
}

}  // namespace

RegularizedEvolutionSampler::RegularizedEvolutionSampler(RegularizedEvolutionSamplerOptions options)
    : options_(options), seed_(options.seed ? *options.seed : math::entropy_seed()) {
  validate(options_);
}

std::vector<int64_t> RegularizedEvolutionSampler::population(const StudyView& view) const {
  // Walk back from the newest trial: the cost is the population plus the trials still running
  // or failed among them, not the whole history.
  const auto& trials = view.trials();
  const size_t size = static_cast<size_t>(options_.population_size);
  std::vector<int64_t> alive;
  for (size_t i = trials.size(); i-- > 0 && alive.size() < size;)
    if (trials[i].state == TrialState::Complete && trials[i].values.size() == 1)
      alive.push_back(trials[i].number);
  std::reverse(alive.begin(), alive.end());
  return alive;
}

nlohmann::json RegularizedEvolutionSampler::before_trial(const StudyView& view) {
  require_one_objective(view);
  return nlohmann::json::object();
}

SearchSpace RegularizedEvolutionSampler::infer_relative_space(const StudyView& view,
                                                              const FrozenTrial& trial) {
  require_one_objective(view);
  plan_ = Plan{};
  const std::vector<int64_t> alive = population(view);
  if (alive.size() < static_cast<size_t>(options_.population_size)) return {};

  const auto& trials = view.trials();
  const auto trial_of = [&](int64_t n) -> const FrozenTrial& {
    return trials[static_cast<size_t>(n)];
  };
  nsga::Rng rng(math::trial_seed(seed_, view.study_name(), trial.number, "evolution"));

  // Tournament: sample_size distinct members (a partial Fisher-Yates shuffle), the best wins.
  std::vector<int64_t> pool = alive;
  const Direction direction = view.directions()[0];
  int64_t parent = -1;
  const size_t sample = std::min(pool.size(), static_cast<size_t>(options_.sample_size));
  for (size_t k = 0; k < sample; ++k) {
    std::uniform_int_distribution<size_t> pick(k, pool.size() - 1);
    std::swap(pool[k], pool[pick(rng)]);
    if (parent < 0 || better(trial_of(pool[k]), trial_of(parent), direction)) parent = pool[k];
  }
  const FrozenTrial& p = trial_of(parent);

  // The parameter always mutated: uniformly among the parent's parameters with a choice.
  std::vector<std::string> mutable_names;
  for (const auto& [name, distribution] : p.distributions)
    if (!is_single(distribution)) mutable_names.push_back(name);
  std::string forced;
  if (!mutable_names.empty()) {
    std::uniform_int_distribution<size_t> pick(0, mutable_names.size() - 1);
    forced = mutable_names[pick(rng)];
  }

  SearchSpace space;
  nlohmann::json mutated = nlohmann::json::array();
  plan_.trial = trial.number;
  for (const auto& [name, distribution] : p.distributions) {
    const double old = p.internal_param(name);
    space[name] = distribution;
    if (name == forced) {
      // A different value: redraw until it differs (a categorical or integer with k values
      // differs with probability (k - 1) / k per draw; 64 draws fail with vanishing odds).
      double value = old;
      for (int attempt = 0; attempt < 64 && value == old; ++attempt)
        value = RandomSampler::from_unit(distribution, rng.uniform());
      plan_.values[name] = value;
      mutated.push_back(name);
    } else if (rng.uniform() < options_.mutation_prob) {
      // NNI's per-dimension mutation: left to sample_independent, a uniform draw.
      mutated.push_back(name);
    } else {
      plan_.values[name] = old;
    }
  }
  const BookkeepingWriter writer = view.writer();
  writer.set_trial_system_attr(trial.id, keys::evolution_parent, parent);
  writer.set_trial_system_attr(trial.id, keys::evolution_mutated, mutated);
  return space;
}

std::map<std::string, double> RegularizedEvolutionSampler::sample_relative(
    const StudyView& view, const FrozenTrial& trial, const SearchSpace& space) {
  (void)view;
  (void)space;
  if (plan_.trial != trial.number) return {};
  auto values = std::move(plan_.values);
  plan_ = Plan{};
  return values;
}

double RegularizedEvolutionSampler::sample_independent(const StudyView& view,
                                                       const FrozenTrial& trial,
                                                       const std::string& name,
                                                       const Distribution& distribution) {
  nsga::Rng rng(math::trial_seed(seed_, view.study_name(), trial.number, name));
  return RandomSampler::from_unit(distribution, rng.uniform());
}

}  // namespace parzen
