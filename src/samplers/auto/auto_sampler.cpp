// The "auto" sampler: a delegate from the registry per trial, chosen by the rule documented in
// include/parzen/auto_sampler.hpp. The observed space is kept incrementally (each ask reads the
// trials finished since the last one), so the choice costs O(new trials + running trials).

#include "parzen/auto_sampler.hpp"

#include <fmt/format.h>

#include <cmath>

#include "math/seed.hpp"
#include "parzen/cmaes_sampler.hpp"
#include "parzen/gp_sampler.hpp"
#include "parzen/registry.hpp"
#include "parzen/system_attrs.hpp"
#include "registry/option_check.hpp"
#include "samplers/auto/trust_region.hpp"

namespace parzen {
namespace internal {

bool known_delegate(const std::string& name) {
  return name == kTrustRegionStep || find_sampler(name) != nullptr;
}

struct AutoState {
  uint64_t seed = 0;
  std::shared_ptr<TrustRegionSampler> trust_region{};
  std::optional<int64_t> budget_hint{};
  Sampler::Logger logger{};  // the study's, passed on to every delegate
  std::map<std::string, std::shared_ptr<Sampler>> delegates{};
  // The delegate of each trial asked by this process, until its after_trial.
  std::map<int64_t, std::string> per_trial{};
  AutoChoice next{};        // before_trial's choice for the trial about to be created
  std::string last_used{};  // the choice of the last trial asked here (for the log on a change)

  // The observed study: every trial below `scanned` was read, except those in `unfinished`.
  size_t scanned = 0;
  std::vector<size_t> unfinished{};
  std::map<std::string, Distribution> space{};   // union over the complete trials
  std::map<std::string, int64_t> occurrences{};  // complete trials that have each parameter
  int64_t n_complete = 0;
  bool distribution_changed = false;
  bool constraints = false;

  // Reads one trial; false when it is not finished yet.
  bool read(const FrozenTrial& t) {
    if (t.state == TrialState::Running || t.state == TrialState::Waiting) return false;
    // Only complete trials describe the space: a failed or pruned trial may have stopped before
    // suggesting every parameter.
    if (t.state != TrialState::Complete) return true;
    ++n_complete;
    if (!t.constraints.empty()) constraints = true;
    for (const auto& [name, distribution] : t.distributions) {
      auto [it, inserted] = space.emplace(name, distribution);
      if (!inserted && !(it->second == distribution)) distribution_changed = true;
      ++occurrences[name];
    }
    return true;
  }

  Sampler& delegate(const std::string& name, const StudyView& view) {
    auto& d = delegates[name];
    if (!d) {
      if (name == kTrustRegionStep) {
        trust_region = std::make_shared<TrustRegionSampler>(seed);
        d = trust_region;
      } else if (name == "cmaes") {
        // CMA-ES takes over from the GP: its first mean is the best trial so far (its numeric
        // parameters), its step size the default 1/6 of the space; categorical parameters go
        // to its independent (random) sampler, without a warning per parameter.
        CmaEsSamplerOptions o{.warn_independent_sampling = false, .seed = seed};
        if (const FrozenTrial* best = best_trial(view)) {
          std::map<std::string, double> x0;
          for (const auto& [key, value] : best->params) {
            if (const auto* x = std::get_if<double>(&value)) x0[key] = *x;
            if (const auto* i = std::get_if<int64_t>(&value)) x0[key] = static_cast<double>(*i);
          }
          o.x0 = std::move(x0);
        }
        d = CmaEsSampler::make(std::move(o));
      } else {
        nlohmann::json options{{"seed", seed}};
        // Concurrent workers spread out: running trials count as bad observations.
        if (name == "tpe") options["constant_liar"] = true;
        d = make_sampler(name, options);
      }
      if (logger) d->set_logger(logger);
    }
    return *d;
  }

  // The best complete trial of a single-objective study (null when none).
  static const FrozenTrial* best_trial(const StudyView& view) {
    if (view.directions().size() != 1) return nullptr;
    const bool maximize = view.directions()[0] == Direction::Maximize;
    const FrozenTrial* best = nullptr;
    for (const auto& t : view.trials()) {
      if (t.state != TrialState::Complete || t.values.size() != 1) continue;
      if (!best || (maximize ? t.values[0] > best->values[0] : t.values[0] < best->values[0]))
        best = &t;
    }
    return best;
  }
};

}  // namespace internal

void validate(const AutoSamplerOptions& o) {
  internal::check_option(!o.n_trials || *o.n_trials >= 1, "AutoSampler", "n_trials", o.n_trials,
                         "must be >= 1 (or unset: unknown)");
  internal::check_option(o.gp_trials >= 0, "AutoSampler", "gp_trials", o.gp_trials, "must be >= 0");
  internal::check_option(o.gp_budget >= 0, "AutoSampler", "gp_budget", o.gp_budget, "must be >= 0");
  internal::check_option(o.local_share >= 0 && o.local_share <= 1, "AutoSampler", "local_share",
                         o.local_share, "must be in [0, 1]");
  internal::check_option(o.local_period >= 1, "AutoSampler", "local_period", o.local_period,
                         "must be >= 1");
  internal::check_option(o.local_stall >= 0, "AutoSampler", "local_stall", o.local_stall,
                         "must be >= 0");
  internal::check_option(o.local_tail >= 0 && o.local_tail <= 1, "AutoSampler", "local_tail",
                         o.local_tail, "must be in [0, 1]");
}

AutoSampler::AutoSampler(AutoSamplerOptions options) : options_(options) {
  validate(options_);
  state_ = std::make_unique<internal::AutoState>();
  state_->seed = options_.seed ? *options_.seed : math::entropy_seed();
}

AutoSampler::~AutoSampler() = default;

void AutoSampler::set_budget_hint(int64_t n_trials) {
  if (n_trials >= 1) state_->budget_hint = n_trials;
}

void AutoSampler::set_logger(Logger logger) {
  Sampler::set_logger(logger);
  for (auto& [name, d] : state_->delegates)
    if (d) d->set_logger(logger);
  state_->logger = std::move(logger);
}

AutoChoice AutoSampler::choose(const AutoStudyTraits& s) const {
  if (s.n_complete == 0) return {"random", "no complete trial yet, so the search space is unknown"};
  if (s.conditional)
    return {"tpe", "conditional search space (the complete trials' parameters differ)"};
  if (s.n_numeric == 0 || s.n_categorical >= s.n_numeric)
    return {"tpe",
            fmt::format("{} categorical and {} numeric parameters", s.n_categorical, s.n_numeric)};
  const auto budget = options_.n_trials ? options_.n_trials : state_->budget_hint;
  // A budget the study has outgrown (more trials asked after it) no longer plans anything.
  const bool small_budget = budget && *budget <= options_.gp_budget && s.n_trials < *budget;
  const int64_t gp_phase = small_budget ? *budget : options_.gp_trials;
  const std::string space = fmt::format("fixed space of {} numeric and {} categorical parameters",
                                        s.n_numeric, s.n_categorical);
  const std::string gp_turn = fmt::format(
      "{} trials so far of a GP phase of {} ({})", s.n_trials, gp_phase,
      small_budget ? fmt::format("the budget, {} trials", *budget) : std::string("gp_trials"));
  // Several objectives, or constraints: the GP's log EHVI (2-3 objectives) or log constrained
  // EI in the GP phase, TPE's multi-objective or constrained variant after it (no trust-region
  // turns: the quadratic model knows neither).
  if (s.n_objectives > 1 || s.constraints) {
    const std::string what = s.n_objectives > 1
                                 ? fmt::format("{} objectives{}", s.n_objectives,
                                               s.constraints ? " with constraints" : "")
                                 : std::string("constraints reported");
    if (s.n_objectives > kGpMaxObjectives)
      return {"tpe", fmt::format("{}: multi-objective TPE (the GP's log EHVI takes at most {})",
                                 what, kGpMaxObjectives)};
    if (s.n_trials < gp_phase) return {"gp", fmt::format("{}, {}, {}", what, space, gp_turn)};
    return {"tpe", fmt::format("{}, {} trials so far: past the GP phase of {}", what, s.n_trials,
                               gp_phase)};
  }
  // The final local_share of a known budget: every local_period-th trial, counted back from the
  // last one, is a trust-region step (its fallback: the phase's delegate).
  const int64_t local_trials =
      budget ? static_cast<int64_t>(std::floor(options_.local_share * static_cast<double>(*budget)))
             : 0;
  const int64_t tail_trials =
      budget ? static_cast<int64_t>(std::floor(options_.local_tail * static_cast<double>(*budget)))
             : 0;
  const bool tail = budget && s.n_trials < *budget && s.n_trials >= *budget - tail_trials;
  const bool local_turn =
      tail || (budget && s.n_trials < *budget && s.n_trials >= *budget - local_trials &&
               (*budget - 1 - s.n_trials) % options_.local_period == 0);
  auto with_local = [&](AutoChoice phase) {
    if (!local_turn) return phase;
    return AutoChoice{
        kTrustRegionStep,
        fmt::format("{}, trial {} of the final {} of the budget of {}: a trust-region "
                    "step around the best trial (else \"{}\")",
                    space, s.n_trials, tail ? tail_trials : local_trials, *budget, phase.sampler),
        phase.sampler, !tail};
  };
  if (s.n_trials < gp_phase) return with_local({"gp", fmt::format("{}, {}", space, gp_turn)});
  if (s.n_numeric >= 2 && find_sampler("cmaes"))
    return with_local({"cmaes", fmt::format("{}, {} trials so far: past the GP phase of {}", space,
                                            s.n_trials, gp_phase)});
  return {"tpe", fmt::format("{}, {} trials so far: past the GP phase of {}{}", space, s.n_trials,
                             gp_phase,
                             s.n_numeric < 2 ? " (CMA-ES needs two numeric parameters)"
                                             : " (no \"cmaes\" in the registry)")};
}

AutoStudyTraits AutoSampler::observe(const StudyView& view) {
  auto& st = *state_;
  const auto& trials = view.trials();
  AutoStudyTraits s;
  s.n_objectives = view.directions().size();
  s.n_trials = static_cast<int64_t>(trials.size());
  std::vector<size_t> still;
  for (size_t number : st.unfinished)
    if (number < trials.size() && !st.read(trials[number])) still.push_back(number);
  for (; st.scanned < trials.size(); ++st.scanned)
    if (!st.read(trials[st.scanned])) still.push_back(st.scanned);
  st.unfinished = std::move(still);
  for (size_t number : st.unfinished)
    if (trials[number].state == TrialState::Running) ++s.n_running;
  s.n_complete = st.n_complete;
  s.constraints = st.constraints;
  s.conditional = st.distribution_changed;
  for (const auto& [name, distribution] : st.space) {
    if (st.occurrences[name] != st.n_complete) s.conditional = true;
    if (std::holds_alternative<CategoricalDistribution>(distribution))
      ++s.n_categorical;
    else
      ++s.n_numeric;
  }
  return s;
}

namespace {

// How much the best value improved over the last `window` complete trials, as a share of the
// spread of the values (their median minus the best); nullopt with too few trials.
std::optional<double> recent_gain(const StudyView& view, size_t window) {
  if (view.directions().size() != 1) return std::nullopt;
  const double sign = view.directions()[0] == Direction::Maximize ? -1.0 : 1.0;
  std::vector<double> losses;
  for (const auto& t : view.trials())
    if (t.state == TrialState::Complete && t.values.size() == 1 && std::isfinite(t.values[0]))
      losses.push_back(sign * t.values[0]);
  if (losses.size() <= window + 1) return std::nullopt;
  const double before = *std::min_element(losses.begin(), losses.end() - window);
  const double now = std::min(before, *std::min_element(losses.end() - window, losses.end()));
  std::vector<double> sorted = losses;
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  const double spread = sorted[sorted.size() / 2] - now;
  if (!(spread > 0)) return 0.0;
  return (before - now) / spread;
}

// A trust-region choice falls back to the phase's delegate while that delegate still improves
// the best by local_stall of the spread over the last 10 trials, and when the model predicts no
// decrease.
AutoChoice resolve(internal::AutoState& st, const AutoSamplerOptions& options,
                   const StudyView& view, AutoChoice choice) {
  if (choice.sampler != kTrustRegionStep) return choice;
  const auto gain = recent_gain(view, 10);
  if (choice.stall_check && options.local_stall > 0 && gain && *gain >= options.local_stall)
    return {choice.fallback,
            fmt::format("the best improved by {:.3g} of the spread over the last 10 trials (>= "
                        "local_stall, {}): the global step goes on",
                        *gain, options.local_stall),
            ""};
  st.delegate(kTrustRegionStep, view);
  if (st.trust_region->prepare(view, st.space)) return choice;
  return {choice.fallback, "the trust-region model predicts no decrease", ""};
}
}  // namespace

nlohmann::json AutoSampler::before_trial(const StudyView& view) {
  state_->next = resolve(*state_, options_, view, choose(observe(view)));
  nlohmann::json attrs = state_->delegate(state_->next.sampler, view).before_trial(view);
  attrs[keys::auto_sampler] = state_->next.sampler;
  return attrs;
}

SearchSpace AutoSampler::infer_relative_space(const StudyView& view, const FrozenTrial& trial) {
  auto& st = *state_;
  AutoChoice choice;
  const auto it = trial.system_attrs.find(keys::auto_sampler);
  if (it != trial.system_attrs.end() && it->is_string() &&
      internal::known_delegate(it->get<std::string>())) {
    choice.sampler = it->get<std::string>();
    choice.reason = choice.sampler == st.next.sampler ? st.next.reason : "";
  } else {
    // An enqueued trial (created without before_trial): its choice now, stored the same way.
    choice = resolve(st, options_, view, choose(observe(view)));
    view.writer().set_trial_system_attr(trial.id, keys::auto_sampler, choice.sampler);
  }
  st.per_trial[trial.number] = choice.sampler;
  if (choice.sampler != st.last_used) {
    log(LogLevel::Debug,
        fmt::format("AutoSampler: trial {} uses \"{}\"{}{}", trial.number, choice.sampler,
                    st.last_used.empty() ? "" : fmt::format(" (was \"{}\")", st.last_used),
                    choice.reason.empty() ? "" : ": " + choice.reason));
    st.last_used = choice.sampler;
  }
  return st.delegate(choice.sampler, view).infer_relative_space(view, trial);
}

namespace {
std::string choice_of(const std::map<int64_t, std::string>& per_trial, const FrozenTrial& trial) {
  if (const auto it = per_trial.find(trial.number); it != per_trial.end()) return it->second;
  const auto it = trial.system_attrs.find(keys::auto_sampler);
  if (it != trial.system_attrs.end() && it->is_string() &&
      internal::known_delegate(it->get<std::string>()))
    return it->get<std::string>();
  return "random";
}
}  // namespace

std::map<std::string, double> AutoSampler::sample_relative(const StudyView& view,
                                                           const FrozenTrial& trial,
                                                           const SearchSpace& space) {
  return state_->delegate(choice_of(state_->per_trial, trial), view)
      .sample_relative(view, trial, space);
}

double AutoSampler::sample_independent(const StudyView& view, const FrozenTrial& trial,
                                       const std::string& name, const Distribution& distribution) {
  return state_->delegate(choice_of(state_->per_trial, trial), view)
      .sample_independent(view, trial, name, distribution);
}

void AutoSampler::after_trial(const StudyView& view, const FrozenTrial& trial) {
  auto& st = *state_;
  const auto it = st.per_trial.find(trial.number);
  if (it == st.per_trial.end()) return;  // asked by another process, or already told
  const std::string name = it->second;
  st.per_trial.erase(it);
  st.delegate(name, view).after_trial(view, trial);
}

}  // namespace parzen
