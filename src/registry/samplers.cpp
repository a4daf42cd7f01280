// The samplers of the registry: one entry each. Adding a sampler means one more entry here (its
// name, a summary, one field per option of its options struct, what it supports, and how it is
// built); defaults come from the struct and ranges are checked by its validate().

#include <fmt/format.h>

#include "parzen/auto_sampler.hpp"
#include "parzen/bohb_sampler.hpp"
#include "parzen/bracket_sampler.hpp"
#include "parzen/cmaes_sampler.hpp"
#include "parzen/evolution_sampler.hpp"
#include "parzen/gp_sampler.hpp"
#include "parzen/nsga_sampler.hpp"
#include "parzen/pruners.hpp"
#include "parzen/tpe_sampler.hpp"
#include "registry/entries.hpp"
#include "registry/schema.hpp"

namespace parzen::internal {
namespace {

const char* const kSeedHelp =
    "seed of the sampler's random engine; unset: a fresh random seed each run";

std::vector<Field<RandomSamplerOptions>> random_fields() {
  return {field("seed", &RandomSamplerOptions::seed, kSeedHelp)};
}

std::vector<Field<GridSamplerOptions>> grid_fields() {
  using O = GridSamplerOptions;
  return {field("shuffle", &O::shuffle, "visit the combinations in a random (seeded) order"),
          field("seed", &O::seed, "seed of the shuffled order")};
}

std::vector<Field<QmcSamplerOptions>> qmc_fields() {
  using O = QmcSamplerOptions;
  return {field("seed", &O::seed, kSeedHelp),
          field("scramble", &O::scramble,
                "scramble the Sobol sequence (without it the points start at the origin)")};
}

std::vector<Field<TpeSamplerOptions>> tpe_fields() {
  using O = TpeSamplerOptions;
  return {
      field("seed", &O::seed, kSeedHelp),
      field("n_startup_trials", &O::n_startup_trials,
            "trials sampled at random before the model is used", {.min = 0}),
      field("n_ei_candidates", &O::n_ei_candidates,
            "candidates drawn from l(x) per suggestion; the best l(x)/g(x) is proposed",
            {.min = 1}),
      field("prior_weight", &O::prior_weight, "weight of the prior kernel in each estimator",
            {.min = 0, .min_exclusive = true}),
      field("consider_magic_clip", &O::consider_magic_clip,
            "lower-bound kernel widths by range / min(100, 1 + n_kernels)"),
      field("consider_endpoints", &O::consider_endpoints,
            "let the outermost kernels' widths reach the bounds"),
      field("weight_by_bandwidth", &O::weight_by_bandwidth,
            "score candidates with kernels of equal peak height (Optuna's scoring)"),
      field("multivariate", &O::multivariate,
            "model the parameters of the intersection search space jointly"),
      field("group", &O::group,
            "with multivariate: model each group of parameters that occur together jointly"),
      field("constant_liar", &O::constant_liar,
            "count running trials as bad observations, so parallel workers spread out"),
      choice_field("constraints_method", &O::constraints_method,
                   {{"auto", TpeConstraintsMethod::Auto},
                    {"optuna", TpeConstraintsMethod::Optuna},
                    {"ctpe", TpeConstraintsMethod::CTpe}},
                   "how constraint values steer TPE: ctpe (c-TPE, Watanabe and Hutter 2023; one "
                   "objective only), optuna (Optuna 3.1's feasible-first rule), auto (ctpe on "
                   "one objective without multivariate, optuna otherwise)"),
  };
}

// The TPE entry's options: TPE's own, and one TPE per Hyperband bracket.
struct TpeEntryOptions {
  TpeSamplerOptions tpe{};
  bool per_bracket = false;
};

std::vector<Field<TpeEntryOptions>> tpe_entry_fields() {
  auto fields = lift(tpe_fields(), &TpeEntryOptions::tpe);
  fields.push_back(field("per_bracket", &TpeEntryOptions::per_bracket,
                         "one TPE per Hyperband bracket, each fitted on its bracket's trials "
                         "(needs a hyperband pruner)"));
  return fields;
}

std::vector<Field<BohbSamplerOptions>> bohb_fields() {
  auto fields = lift(tpe_fields(), &BohbSamplerOptions::tpe);
  fields.push_back(field("min_points", &BohbSamplerOptions::min_points,
                         "observations a budget needs before the model uses it; 0: twice "
                         "n_startup_trials",
                         {.min = 0}));
  return fields;
}

std::vector<Field<GpSamplerOptions>> gp_fields() {
  using O = GpSamplerOptions;
  return {
      field("seed", &O::seed, kSeedHelp),
      field("n_startup_trials", &O::n_startup_trials,
            "quasi-random (Sobol) trials before the model is used", {.min = 1}),
      choice_field("acquisition", &O::acquisition,
                   {{"logei", GpAcquisition::LogEI},
                    {"ei", GpAcquisition::EI},
                    {"ucb", GpAcquisition::UCB},
                    {"pi", GpAcquisition::PI}},
                   "acquisition function: log expected improvement, expected improvement, upper "
                   "confidence bound, probability of improvement"),
      field("ucb_beta", &O::ucb_beta, "UCB's exploration weight: mean + sqrt(beta) sd", {.min = 0}),
      field("noisy_objective", &O::noisy_objective,
            "measure improvement against the best posterior mean (for noisy objectives)"),
      field("warp_outputs", &O::warp_outputs,
            "model the values after a Yeo-Johnson transform, so outliers do not flatten it"),
      field("additive_kernel", &O::additive_kernel,
            "add a first-order additive kernel component (extrapolates along single parameters)"),
      field("n_candidates", &O::n_candidates, "Sobol points of the acquisition sweep", {.min = 1}),
      field("n_polish", &O::n_polish, "best starts polished by L-BFGS-B", {.min = 1}),
  };
}

std::vector<Field<NsgaIISamplerOptions>> nsga2_fields() {
  using O = NsgaIISamplerOptions;
  return {
      field("population_size", &O::population_size, "trials per generation", {.min = 2}),
      field("mutation_prob", &O::mutation_prob,
            "probability that a child's parameter is drawn at random; unset: 1 / number of "
            "parameters",
            {.min = 0, .max = 1}),
      choice_field("crossover", &O::crossover,
                   {{"uniform", NsgaCrossover::Uniform},
                    {"sbx", NsgaCrossover::Sbx},
                    {"blxalpha", NsgaCrossover::BlxAlpha},
                    {"undx", NsgaCrossover::Undx},
                    {"spx", NsgaCrossover::Spx}},
                   "crossover of numerical parameters: uniform, simulated binary, BLX-alpha, "
                   "UNDX or simplex (UNDX and SPX take 3 parents)"),
      field("crossover_prob", &O::crossover_prob,
            "probability that a child is a crossover of its parents (else a copy of one)",
            {.min = 0, .max = 1}),
      field("swapping_prob", &O::swapping_prob,
            "uniform crossover: probability of taking the second parent's value",
            {.min = 0, .max = 1}),
      field("seed", &O::seed, kSeedHelp),
  };
}

std::vector<Field<NsgaIIISamplerOptions>> nsga3_fields() {
  auto fields = lift(nsga2_fields(), &NsgaIIISamplerOptions::ga);
  fields.push_back(field("dividing_parameter", &NsgaIIISamplerOptions::dividing_parameter,
                         "divisions per objective of the Das-Dennis reference points "
                         "(C(p + M - 1, M - 1) points for M objectives)",
                         {.min = 1}));
  fields.push_back(points_field(
      "reference_points", &NsgaIIISamplerOptions::reference_points,
      "the user's reference points in the normalised objective space, one coordinate per "
      "objective (e.g. [[1, 0], [0.5, 0.5], [0, 1]]), instead of the Das-Dennis ones; [] (the "
      "default): the Das-Dennis points"));
  return fields;
}

std::vector<Field<AutoSamplerOptions>> auto_fields() {
  using O = AutoSamplerOptions;
  return {
      field("seed", &O::seed, "seed of every delegate sampler; unset: a fresh random seed"),
      field("n_trials", &O::n_trials,
            "the study's budget in trials; unset: unknown (optimize and parzen run fill it in)",
            {.min = 1}),
      field("gp_trials", &O::gp_trials,
            "without a budget of at most gp_budget: trials the GP proposes before CMA-ES or TPE",
            {.min = 0}),
      field("gp_budget", &O::gp_budget, "the largest budget the GP proposes in full", {.min = 0}),
      field("local_share", &O::local_share,
            "final share of a known budget in which trust-region steps alternate with the GP or "
            "CMA-ES",
            {.min = 0, .max = 1}),
      field("local_period", &O::local_period,
            "in that final share, every local_period-th trial is a trust-region step", {.min = 1}),
      field("local_stall", &O::local_stall,
            "a trust-region turn goes to the GP or CMA-ES while the best improved by this share "
            "of the spread over the last 10 trials",
            {.min = 0}),
      field("local_tail", &O::local_tail,
            "final share of a known budget in which every trial is a trust-region step",
            {.min = 0, .max = 1}),
  };
}

std::vector<Field<CmaEsSamplerOptions>> cmaes_fields() {
  using O = CmaEsSamplerOptions;
  return {
      field("sigma0", &O::sigma0,
            "initial step size in [0, 1] units of the space; unset: 1/6 (Optuna's range / 6)",
            {.min = 0, .min_exclusive = true}),
      field("n_startup_trials", &O::n_startup_trials,
            "complete trials drawn by the independent (random) sampler before CMA-ES", {.min = 0}),
      field("warn_independent_sampling", &O::warn_independent_sampling,
            "warn when a parameter is drawn by the independent sampler instead of CMA-ES"),
      field("seed", &O::seed, kSeedHelp),
      field("consider_pruned_trials", &O::consider_pruned_trials,
            "count pruned trials, with their last intermediate value, as solutions"),
      choice_field(
          "restart_strategy", &O::restart_strategy,
          {{"", CmaEsRestart::None}, {"ipop", CmaEsRestart::Ipop}, {"bipop", CmaEsRestart::Bipop}},
          "restart when CMA-ES converges: \"\" never, \"ipop\" with a population "
          "inc_popsize times larger, \"bipop\" alternating large and small populations"),
      field("popsize", &O::popsize, "population size; unset: 4 + floor(3 ln n)", {.min = 2}),
      field("inc_popsize", &O::inc_popsize, "population multiplier at each restart", {.min = 1}),
      field("use_separable_cma", &O::use_separable_cma,
            "separable CMA-ES: a diagonal covariance matrix (many dimensions, faster learning)"),
      field("with_margin", &O::with_margin,
            "CMA-ES with margin for int and stepped float parameters (not with "
            "use_separable_cma)"),
  };
}

std::vector<Field<RegularizedEvolutionSamplerOptions>> evolution_fields() {
  using O = RegularizedEvolutionSamplerOptions;
  return {
      field("population_size", &O::population_size,
            "complete trials alive at once (the newest); the first population_size are random",
            {.min = 1}),
      field("sample_size", &O::sample_size,
            "population members drawn per tournament; the best is the parent (capped at "
            "population_size)",
            {.min = 1}),
      field("mutation_prob", &O::mutation_prob,
            "probability that each other parameter of the parent is redrawn too (one always is)",
            {.min = 0, .max = 1}),
      field("seed", &O::seed, kSeedHelp),
  };
}

// The study's pruner as a HyperbandPruner, or an error naming who needs it.
std::shared_ptr<HyperbandPruner> hyperband_of(const SamplerContext& context,
                                              const std::string& who) {
  auto hb = std::dynamic_pointer_cast<HyperbandPruner>(context.pruner);
  if (!hb)
    throw InvalidArgument(fmt::format(
        "{} needs the study's pruner to be a Hyperband pruner (type \"hyperband\")", who));
  return hb;
}

std::shared_ptr<Sampler> make_tpe(const nlohmann::json& options, const SamplerContext& context) {
  const auto o = read_options("TpeSampler", tpe_entry_fields(), options);
  if (!o.per_bracket) return TpeSampler::make(o.tpe);
  validate(o.tpe);  // now, not when the first bracket's TPE is made
  std::shared_ptr<HyperbandPruner> hb;
  try {
    hb = hyperband_of(context, "TpeSampler: per_bracket = true");
  } catch (const InvalidArgument& e) {
    throw OptionError("per_bracket", e.what());
  }
  return BracketSampler::make(hb, [tpe = o.tpe](int64_t bracket) {
    TpeSamplerOptions b = tpe;
    if (b.seed) *b.seed += 1000 * static_cast<uint64_t>(bracket);
    return TpeSampler::make(b);
  });
}

std::shared_ptr<Sampler> make_bohb(const nlohmann::json& options, const SamplerContext& context) {
  auto o = read_options("BohbSampler", bohb_fields(), options);
  const auto hb = hyperband_of(context, "sampler \"bohb\"");
  const auto& h = hb->options();
  if (!h.max_resource)
    throw InvalidArgument(
        "sampler \"bohb\" models the Hyperband rungs, which need the pruner's max_resource (the "
        "last step a trial reports); set it instead of \"auto\"");
  o.budgets = BohbSampler::rungs(h.min_resource, *h.max_resource, h.reduction_factor);
  return BohbSampler::make(std::move(o));
}

std::shared_ptr<Sampler> make_grid(const nlohmann::json& options, const SamplerContext& context) {
  auto o = read_options("GridSampler", grid_fields(), options);
  if (context.grid.empty())
    throw InvalidArgument(
        "sampler \"grid\" needs the values of every parameter (SamplerContext::grid)");
  o.grid = context.grid;
  return GridSampler::make(std::move(o));
}

}  // namespace

std::vector<SamplerEntry> sampler_entries() {
  return {
      {.name = "grid",
       .summary = "every combination of the parameters' values once, across all workers",
       .options = specs_of(grid_fields()),
       .capabilities = {.multi_objective = true, .needs_grid = true},
       .factory = make_grid},
      {.name = "random",
       .summary = "each parameter independently and uniformly at random",
       .options = specs_of(random_fields()),
       .capabilities = {.multi_objective = true, .conditional_spaces = true},
       .factory = [](const nlohmann::json& options,
                     const SamplerContext&) -> std::shared_ptr<Sampler> {
         return RandomSampler::make(read_options("RandomSampler", random_fields(), options));
       }},
      {.name = "qmc",
       .summary = "quasi-random: a scrambled Sobol sequence over the search space",
       .options = specs_of(qmc_fields()),
       .capabilities = {.multi_objective = true},
       .factory = [](const nlohmann::json& options,
                     const SamplerContext&) -> std::shared_ptr<Sampler> {
         return QmcSampler::make(read_options("QmcSampler", qmc_fields(), options));
       }},
      {.name = "tpe",
       .summary = "Tree-structured Parzen Estimator (Optuna's TPESampler)",
       .options = specs_of(tpe_entry_fields()),
       .capabilities = {.multi_objective = true, .constraints = true, .conditional_spaces = true},
       .factory = make_tpe},
      {.name = "gp",
       .summary = "Gaussian-process Bayesian optimisation (Matern-5/2; log EI, log constrained "
                  "EI, log EHVI for 2-3 objectives)",
       .options = specs_of(gp_fields()),
       .capabilities = {.multi_objective = true,
                        .constraints = true,
                        .max_objectives = kGpMaxObjectives},
       .factory = [](const nlohmann::json& options,
                     const SamplerContext&) -> std::shared_ptr<Sampler> {
         return GpSampler::make(read_options("GpSampler", gp_fields(), options));
       }},
      {.name = "bohb",
       .summary = "BOHB: TPE fitted on the Hyperband rungs' intermediate values",
       .options = specs_of(bohb_fields()),
       .capabilities = {.conditional_spaces = true, .needs_hyperband_pruner = true},
       .factory = make_bohb},
      {.name = "nsga2",
       .summary = "NSGA-II genetic algorithm for several objectives and constraints "
                  "(Optuna's NSGAIISampler)",
       .options = specs_of(nsga2_fields()),
       .capabilities = {.multi_objective = true, .constraints = true},
       .factory = [](const nlohmann::json& options,
                     const SamplerContext&) -> std::shared_ptr<Sampler> {
         return NsgaIISampler::make(read_options("NsgaIISampler", nsga2_fields(), options));
       }},
      {.name = "cmaes",
       .summary = "CMA-ES over the float and int parameters (Optuna's CmaEsSampler; IPOP/BIPOP "
                  "restarts, separable, with margin)",
       .options = specs_of(cmaes_fields()),
       .capabilities = {},
       .factory = [](const nlohmann::json& options,
                     const SamplerContext&) -> std::shared_ptr<Sampler> {
         return CmaEsSampler::make(read_options("CmaEsSampler", cmaes_fields(), options));
       }},
      {.name = "regularized_evolution",
       .summary = "regularized (aging) evolution: tournament, one-parameter mutation (Real et "
                  "al. 2019; NNI's RegularizedEvolution)",
       .options = specs_of(evolution_fields()),
       .capabilities = {.constraints = true, .conditional_spaces = true},
       .factory = [](const nlohmann::json& options,
                     const SamplerContext&) -> std::shared_ptr<Sampler> {
         return RegularizedEvolutionSampler::make(
             read_options("RegularizedEvolutionSampler", evolution_fields(), options));
       }},
      {.name = "auto",
       .summary = "the default: per trial, GP, TPE, CMA-ES or random by what the study is "
                  "(objectives, constraints, space, budget, trials so far)",
       .options = specs_of(auto_fields()),
       .capabilities = {.multi_objective = true, .constraints = true, .conditional_spaces = true},
       .factory = [](const nlohmann::json& options,
                     const SamplerContext&) -> std::shared_ptr<Sampler> {
         return AutoSampler::make(read_options("AutoSampler", auto_fields(), options));
       }},
      {.name = "nsga3",
       .summary = "NSGA-III: NSGA-II with reference-point niching, for many objectives "
                  "(Optuna's NSGAIIISampler)",
       .options = specs_of(nsga3_fields()),
       .capabilities = {.multi_objective = true, .constraints = true},
       .factory = [](const nlohmann::json& options,
                     const SamplerContext&) -> std::shared_ptr<Sampler> {
         return NsgaIIISampler::make(read_options("NsgaIIISampler", nsga3_fields(), options));
       }},
  };
}

}  // namespace parzen::internal
