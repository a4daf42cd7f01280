#pragma once
// NSGA-II (Deb, Pratap, Agarwal and Meyarivan, "A fast and elitist multiobjective genetic
// algorithm: NSGA-II", IEEE TEC 2002), with Optuna 3.1's NSGAIISampler's options, defaults and
// generation rule, so that a study run by many workers on one storage shares one population:
//
//  - Every trial is created in a generation, stored with it as the trial system attribute
//    keys::nsga2_generation. A generation counts once population_size of its trials are
//    complete; a new trial goes to the generation after the last one that counts (so while the
//    last trials of a generation run, several workers may add a few more trials to the next:
//    a generation can hold more than population_size trials, as in Optuna).
//  - The parent population of generation g+1 is the elite of generation g: its complete trials
//    together with the elite of generation g-1, cut to population_size by (constrained)
//    non-dominated rank, the last front by crowding distance, largest first. Every worker derives
//    it from the stored trials alone, so all workers agree; an elite is cached in memory once its
//    generation and every earlier one have no trial left running.
//  - A child: two (UNDX, SPX: three) parents by binary tournament under constrained domination;
//    with probability crossover_prob the crossover mixes them, otherwise the child copies one
//    parent picked at random; then each parameter is replaced by a random draw with probability
//    mutation_prob (as Optuna, a mutated parameter is left to sample_independent, i.e. uniform).
//    The parents' trial ids are stored with the child (keys::nsga2_parents).
//  - Generation 0 and parameters outside the intersection search space are random.
//
// Constraints: trials that report constraint values (Trial::set_constraints, the CLI's
// `parzen:constraint` lines) are compared by Deb's constrained domination (feasible first, then
// the smaller total violation), in the tournament and in the elite; trials without constraints
// count as feasible.
//
// Numerical parameters are crossed over in a transformed space (log for log parameters, a half
// step of padding beyond the bounds of stepped and integer ones, as Optuna's
// _SearchSpaceTransform) and rounded back; a crossover that leaves the bounds (BLX-alpha, UNDX and
// SPX can) is drawn again with new parents, up to 100 times, then clipped. Categorical
// parameters take one of the first two parents' choices (uniform crossover with swapping_prob).
//
//   auto sampler = parzen::NsgaIISampler::make({.population_size = 100, .seed = 1});
//   // or parzen::make_sampler("nsga2", {{"crossover", "sbx"}})
//
// NSGA-III (Deb and Jain, "An evolutionary many-objective optimization algorithm using
// reference-point-based nondominated sorting approach, part I", IEEE TEC 2014; Optuna >= 3.2's
// NSGAIIISampler) is the same sampler -- generations, tournament, crossovers, mutation,
// constrained domination, the storage bookkeeping (the same nsga2:* trial attributes) -- except
// for the one step where the two algorithms differ: the last front that fits the elite only in
// part is cut by reference points instead of crowding distance:
//  - Reference points: Das and Dennis's structured points, every point of the unit simplex whose
//    coordinates are multiples of 1 / dividing_parameter (C(p + M - 1, M - 1) points for M
//    objectives), or the user's reference_points.
//  - Normalisation of the elite so far plus that front (oriented for minimisation, infinite
//    values replaced by the objective's finite extreme): the ideal point is subtracted; the
//    extreme point of each axis minimises the achievement scalarising function with weight 1 on
//    that axis and 1e-6 on the others; the hyperplane through the M extreme points gives the
//    intercepts, unless it is degenerate (a singular system, or an intercept not finite or not
//    above 1e-10), when each axis's intercept is its largest translated value instead (and 1
//    where that is 0 too).
//  - Association: each trial to the reference line (origin to reference point) nearest to it
//    by perpendicular distance.
//  - Niching: the reference point with the fewest trials of the elite so far (ties at random)
//    takes the front's trial nearest to its line if it has none yet, a random one of its front
//    trials otherwise; a reference point without front trials drops out; until the elite is
//    full. The random ties are seeded from the study name and the generation only, so every
//    worker of a study picks the same elite.
//
//   auto sampler = parzen::NsgaIIISampler::make({.ga = {.population_size = 92},
//                                                .dividing_parameter = 12});
//   // or parzen::make_sampler("nsga3", {{"dividing_parameter", 12}})

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "parzen/sampler.hpp"

namespace parzen {

enum class NsgaCrossover {
  Uniform,   // each parameter from either parent (swapping_prob: the second parent's share)
  Sbx,       // simulated binary crossover (Deb and Agrawal 1995), eta 20 (2 for 1 objective)
  BlxAlpha,  // blend crossover, alpha 0.5 (Eshelman and Schaffer 1993)
  Undx,      // unimodal normal distribution crossover, 3 parents (Ono and Kobayashi 1997)
  Spx,       // simplex crossover, 3 parents, epsilon sqrt(n + 2) (Tsutsui et al. 1999)
};

// "uniform", "sbx", "blxalpha", "undx", "spx".
const char* to_string(NsgaCrossover crossover);
// Parents one crossover needs: 2, or 3 for UNDX and SPX.
int parents_needed(NsgaCrossover crossover);

struct NsgaIISamplerOptions {
  // Trials per generation (Optuna's population_size).
  int64_t population_size = 50;
  // Probability that a child's parameter is drawn at random instead of inherited; unset:
  // 1 / max(1, number of parameters).
  std::optional<double> mutation_prob{};
  NsgaCrossover crossover = NsgaCrossover::Uniform;
  // Probability that a child is a crossover of its parents (otherwise a copy of one).
  double crossover_prob = 0.9;
  // Uniform crossover (and categorical parameters): probability of the second parent's value.
  double swapping_prob = 0.5;
  // Seed of the sampler's draws; unset: a fresh random seed. Each trial's draws come from a mix
  // of (seed, study name, trial number), as the random sampler's.
  std::optional<uint64_t> seed{};
};

// Throws OptionError naming the option: population_size < 2 or smaller than the parents one
// crossover needs (3 for UNDX and SPX), a probability outside [0, 1]. `owner` names the class in
// the message.
void validate(const NsgaIISamplerOptions& options, const char* owner = "NsgaIISampler");

class NsgaIISampler : public Sampler {
 public:
  explicit NsgaIISampler(NsgaIISamplerOptions options = {});
  static std::shared_ptr<NsgaIISampler> make(NsgaIISamplerOptions options = {}) {
    return std::make_shared<NsgaIISampler>(options);
  }
  const NsgaIISamplerOptions& options() const { return options_; }

  nlohmann::json before_trial(const StudyView& view) override;
  SearchSpace infer_relative_space(const StudyView& view, const FrozenTrial& trial) override;
  std::map<std::string, double> sample_relative(const StudyView& view, const FrozenTrial& trial,
                                                const SearchSpace& space) override;
  double sample_independent(const StudyView& view, const FrozenTrial& trial,
                            const std::string& name, const Distribution& distribution) override;

  // The elite population that generation `generation` + 1 breeds from (trial numbers), as this
  // sampler computes it from the view; empty while that generation does not count yet. For
  // tests and tools.
  std::vector<int64_t> elite(const StudyView& view, int64_t generation);
  // The generation the next new trial goes to.
  int64_t next_generation(const StudyView& view);

 protected:
  // For NSGA-III: validation messages name `owner`.
  NsgaIISampler(NsgaIISamplerOptions options, const char* owner);
  // Completes the elite of `generation`: `chosen` (the fronts that fit whole) is topped up with
  // `n` of the trials of `front` (the next front under constrained domination, more than n
  // trials); returns their indices in `front`. NSGA-II: the largest crowding distances first.
  virtual std::vector<size_t> select_from_last_front(const StudyView& view, int64_t generation,
                                                     const std::vector<const FrozenTrial*>& chosen,
                                                     const std::vector<const FrozenTrial*>& front,
                                                     size_t n) const;

 private:
  struct Generation {
    std::vector<int64_t> complete{};  // numbers of its complete trials, finished for good
    std::vector<int64_t> elite{};     // its elite, when computed
    bool elite_final = false;
  };
  void scan(const StudyView& view);
  // The last generation that counts (-1 when none) after bringing every elite up to date.
  int64_t parent_generation(const StudyView& view);
  std::vector<int64_t> select_elite(const StudyView& view, int64_t generation,
                                    std::vector<int64_t> candidates) const;

  NsgaIISamplerOptions options_;
  uint64_t seed_;
  IntersectionSearchSpace search_space_{};
  uint64_t lineage_ = 0;
  size_t scan_from_ = 0;         // every trial below it is finished and counted
  std::vector<char> counted_{};  // per trial number
  std::vector<Generation> generations_{};
  std::map<int64_t, int64_t> running_{};  // generation -> unfinished trials (as of the scan)
  size_t final_upto_ = 0;                 // generations below it count and have final elites
  std::map<int64_t, int64_t> pending_{};  // trial number -> generation written this session
};

struct NsgaIIISamplerOptions {
  // Everything NSGA-II has: population_size, mutation_prob, crossover, crossover_prob,
  // swapping_prob, seed (Optuna's NSGAIIISampler takes the same).
  NsgaIISamplerOptions ga{};
  // Divisions of each objective's axis for the Das-Dennis reference points (Optuna's
  // dividing_parameter); ignored when reference_points are given.
  int64_t dividing_parameter = 3;
  // The user's reference points in the normalised objective space (one coordinate per
  // objective, each finite, not all 0), instead of the structured ones.
  std::vector<std::vector<double>> reference_points{};
};

// Throws OptionError naming the option: NSGA-II's checks, dividing_parameter < 1, reference
// points of unequal sizes, with fewer than 2 coordinates, a non-finite coordinate or all zero.
void validate(const NsgaIIISamplerOptions& options);

class NsgaIIISampler : public NsgaIISampler {
 public:
  explicit NsgaIIISampler(NsgaIIISamplerOptions options = {});
  static std::shared_ptr<NsgaIIISampler> make(NsgaIIISamplerOptions options = {}) {
    return std::make_shared<NsgaIIISampler>(std::move(options));
  }
  const NsgaIIISamplerOptions& nsga3_options() const { return options3_; }
  // The reference points this sampler uses for a study with `n_objectives` objectives. Throws
  // OptionError (an InvalidArgument) when the user's points have another number of coordinates
  // (key "reference_points"), or when the structured points would number more than 100 000 (key
  // "dividing_parameter": a smaller one is needed); check_objectives makes the same checks
  // without building the points.
  std::vector<std::vector<double>> reference_points(size_t n_objectives) const;
  void check_objectives(size_t n_objectives) const override;
  // NSGA-II's, after checking that the user's reference points have one coordinate per
  // objective of the study (InvalidArgument on the first ask otherwise, not only when niching
  // first needs them).
  SearchSpace infer_relative_space(const StudyView& view, const FrozenTrial& trial) override;

 protected:
  std::vector<size_t> select_from_last_front(const StudyView& view, int64_t generation,
                                             const std::vector<const FrozenTrial*>& chosen,
                                             const std::vector<const FrozenTrial*>& front,
                                             size_t n) const override;

 private:
  NsgaIIISamplerOptions options3_;
};

}  // namespace parzen
