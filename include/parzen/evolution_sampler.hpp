#pragma once
// Regularized (aging) evolution (Real, Aggarwal, Huang and Le, "Regularized Evolution for Image
// Classifier Architecture Search", AAAI 2019, Algorithm 1), with NNI's RegularizedEvolution
// options and defaults (population_size 100, sample_size 25, mutation_prob 0.05), for any
// define-by-run search space, conditional and categorical parameters included. One objective.
//
//  - The population is the population_size newest complete trials, newest by trial number (a
//    trial's age is its creation order, which every worker of a study reads alike from the
//    storage); an older complete trial has died of age. Failed and pruned trials never join it
//    (NNI's on_failure = "ignore"): they neither breed nor push anyone out.
//  - While fewer than population_size trials are complete, every trial is drawn at random (the
//    initial population; with several workers a few more than population_size random trials
//    may start before it fills, as in NNI).
//  - Then each trial is a child: sample_size members of the population are drawn at random
//    (without replacement; all of it when
//    sample_size >= population_size), the best of them (feasible before infeasible when the trials
//    report constraints, then by value) is the parent, and the child copies the parent's parameters
//    with ONE of them, drawn uniformly among the parent's parameters that admit more than one
//    value, redrawn at random to a different value (the paper's mutation: a child is never its
//    parent's copy). Besides, every other parameter of the parent is redrawn at random with
//    probability mutation_prob (NNI's per-dimension mutation, which may redraw the same value);
//    mutation_prob = 0 is the paper's one-parameter mutation exactly.
//  - Parameters the child uses that the parent did not (a branch the mutation activated), or
//    with another distribution than the parent's, are drawn at random; parameters of the parent
//    the child no longer asks for are dropped. So a mutation only ever touches a parameter the
//    parent used.
//  - The parent's trial number and the mutated parameters' names are stored with the child as
//    the trial system attributes keys::evolution_parent and keys::evolution_mutated, so every
//    worker on one storage shares one population (the lineage: FrozenTrial::system_attrs).
//
// Draws are per-trial seeded (seed, study name, trial number): a seeded study proposes the same
// trials on every run when run by one worker.
//
//   auto sampler = parzen::RegularizedEvolutionSampler::make({.population_size = 20,
//                                                              .sample_size = 5, .seed = 1});
//   // or parzen::make_sampler("regularized_evolution", {{"population_size", 20}})

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "parzen/sampler.hpp"

namespace parzen {

struct RegularizedEvolutionSamplerOptions {
  // Complete trials alive at once (the newest ones); also the number of random trials first.
  int64_t population_size = 100;
  // Members of the population drawn for each tournament; the best is the parent. A sample_size
  // above population_size takes the whole population (the best trial alive is the parent).
  int64_t sample_size = 25;
  // Probability that each parameter of the parent besides the one always mutated is redrawn at
  // random too (NNI's mutation_prob; 0: exactly one parameter changes).
  double mutation_prob = 0.05;
  // Seed of the sampler's draws; unset: a fresh random seed.
  std::optional<uint64_t> seed{};
};

// Throws OptionError naming the option: population_size < 1, sample_size < 1, mutation_prob
// outside [0, 1].
void validate(const RegularizedEvolutionSamplerOptions& options);

class RegularizedEvolutionSampler : public Sampler {
 public:
  explicit RegularizedEvolutionSampler(RegularizedEvolutionSamplerOptions options = {});
  static std::shared_ptr<RegularizedEvolutionSampler> make(
      RegularizedEvolutionSamplerOptions options = {}) {
    return std::make_shared<RegularizedEvolutionSampler>(options);
  }
  const RegularizedEvolutionSamplerOptions& options() const { return options_; }

  // Throws InvalidArgument for a study with several objectives.
  nlohmann::json before_trial(const StudyView& view) override;
  // The parent's parameters (empty while the initial population fills); records the parent and
  // the mutated parameters with the trial.
  SearchSpace infer_relative_space(const StudyView& view, const FrozenTrial& trial) override;
  std::map<std::string, double> sample_relative(const StudyView& view, const FrozenTrial& trial,
                                                const SearchSpace& space) override;
  // Uniformly at random (the random sampler's mapping), from the trial's own stream.
  double sample_independent(const StudyView& view, const FrozenTrial& trial,
                            const std::string& name, const Distribution& distribution) override;

  // The current population as trial numbers, oldest first: the population_size newest complete
  // trials (fewer while it fills). For tests and tools.
  std::vector<int64_t> population(const StudyView& view) const;

 private:
  RegularizedEvolutionSamplerOptions options_;
  uint64_t seed_;
  // The child planned for a trial by infer_relative_space, consumed by sample_relative.
  struct Plan {
    int64_t trial = -1;
    std::map<std::string, double> values{};
  };
  Plan plan_{};
};

}  // namespace parzen
