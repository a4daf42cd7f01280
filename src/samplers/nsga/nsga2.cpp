// NSGA-II: see include/parzen/nsga_sampler.hpp for the algorithm and the generation rule.

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>

#include "math/seed.hpp"
#include "parzen/multi_objective.hpp"
#include "parzen/nsga_sampler.hpp"
#include "parzen/system_attrs.hpp"
#include "registry/option_check.hpp"
#include "samplers/nsga/crossover.hpp"

namespace parzen {

using internal::check_option;

const char* to_string(NsgaCrossover crossover) {
  switch (crossover) {
    case NsgaCrossover::Uniform:
      return "uniform";
    case NsgaCrossover::Sbx:
      return "sbx";
    case NsgaCrossover::BlxAlpha:
      return "blxalpha";
    case NsgaCrossover::Undx:
      return "undx";
    case NsgaCrossover::Spx:
      return "spx";
  }
  return "?";
}

int parents_needed(NsgaCrossover crossover) {
  return crossover == NsgaCrossover::Undx || crossover == NsgaCrossover::Spx ? 3 : 2;
}

void validate(const NsgaIISamplerOptions& o, const char* owner) {
  check_option(o.population_size >= 2, owner, "population_size", o.population_size, "must be >= 2");
  check_option(o.population_size >= parents_needed(o.crossover), owner, "population_size",
               o.population_size,
               fmt::format("must be >= {} for crossover \"{}\" (its number of parents)",
                           parents_needed(o.crossover), to_string(o.crossover)));
  const auto probability = [](double p) { return p >= 0 && p <= 1; };
  check_option(!o.mutation_prob || probability(*o.mutation_prob), owner, "mutation_prob",
               o.mutation_prob, "must be in [0, 1] (or unset: 1 / number of parameters)");
  check_option(probability(o.crossover_prob), owner, "crossover_prob", o.crossover_prob,
               "must be in [0, 1]");
  check_option(probability(o.swapping_prob), owner, "swapping_prob", o.swapping_prob,
               "must be in [0, 1]");
}

namespace {

std::optional<int64_t> generation_of(const FrozenTrial& t) {
  const auto it = t.system_attrs.find(keys::nsga2_generation);
  if (it == t.system_attrs.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

bool finished(TrialState s) {
  return s == TrialState::Complete || s == TrialState::Pruned || s == TrialState::Failed;
}

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

// One numerical parameter in the transformed space of the crossover.
struct Axis {
  std::string name;
  const Distribution* distribution;
  bool log = false;
  double low = 0, high = 0;
};

Axis axis_of(const std::string& name, const Distribution& distribution) {
  Axis a{.name = name, .distribution = &distribution};
  std::visit(Overloaded{
                 [&](const FloatDistribution& d) {
                   a.log = d.log;
                   const double half = d.step ? *d.step / 2 : 0.0;
                   a.low = d.log ? std::log(d.low) : d.low - half;
                   a.high = d.log ? std::log(d.high) : d.high + half;
                 },
                 [&](const IntDistribution& d) {
                   a.log = d.log;
                   const double lo = static_cast<double>(d.low), hi = static_cast<double>(d.high);
                   const double half = static_cast<double>(d.step) / 2;
                   a.low = d.log ? std::log(lo - 0.5) : lo - half;
                   a.high = d.log ? std::log(hi + 0.5) : hi + half;
                 },
                 [&](const CategoricalDistribution&) {},
             },
             distribution);
  return a;
}

}  // namespace

NsgaIISampler::NsgaIISampler(NsgaIISamplerOptions options)
    : NsgaIISampler(options, "NsgaIISampler") {}

NsgaIISampler::NsgaIISampler(NsgaIISamplerOptions options, const char* owner)
    : options_(options), seed_(options.seed ? *options.seed : std::random_device{}()) {
  validate(options_, owner);
}

void NsgaIISampler::scan(const StudyView& view) {
  if (view.lineage() != lineage_) {
    lineage_ = view.lineage();
    scan_from_ = 0;
    counted_.clear();
    generations_.clear();
    final_upto_ = 0;
    pending_.clear();
  }
  const auto& trials = view.trials();
  counted_.resize(trials.size(), 0);
  running_.clear();
  bool prefix = true;
  for (size_t i = scan_from_; i < trials.size(); ++i) {
    const FrozenTrial& t = trials[i];
    if (!counted_[i]) {
      auto g = generation_of(t);
      if (!g) {
        const auto p = pending_.find(t.number);
        if (p != pending_.end()) g = p->second;
      }
      if (finished(t.state)) {
        counted_[i] = 1;
        pending_.erase(t.number);
        if (g && *g >= 0 && t.state == TrialState::Complete) {
          if (generations_.size() <= static_cast<size_t>(*g))
            generations_.resize(static_cast<size_t>(*g) + 1);
          generations_[static_cast<size_t>(*g)].complete.push_back(t.number);
        }
      } else if (g) {
        ++running_[*g];
      }
    }
    if (prefix && counted_[i])
      scan_from_ = i + 1;
    else
      prefix = false;
  }
}

std::vector<size_t> NsgaIISampler::select_from_last_front(
    const StudyView& view, int64_t /*generation*/,
    const std::vector<const FrozenTrial*>& /*chosen*/, const std::vector<const FrozenTrial*>& front,
    size_t n) const {
  // The loneliest first (largest crowding distance).
  std::vector<std::vector<double>> values;
  values.reserve(front.size());
  for (const FrozenTrial* t : front) values.push_back(t->values);
  const auto distance = multi_objective::crowding_distance(values, view.directions());
  std::vector<size_t> by_distance(front.size());
  std::iota(by_distance.begin(), by_distance.end(), size_t{0});
  std::stable_sort(by_distance.begin(), by_distance.end(),
                   [&](size_t a, size_t b) { return distance[a] > distance[b]; });
  by_distance.resize(std::min(n, by_distance.size()));
  return by_distance;
}

std::vector<int64_t> NsgaIISampler::select_elite(const StudyView& view, int64_t generation,
                                                 std::vector<int64_t> candidates) const {
  std::sort(candidates.begin(), candidates.end());
  const size_t pop = static_cast<size_t>(options_.population_size);
  if (candidates.size() <= pop) return candidates;
  std::vector<const FrozenTrial*> trials;
  trials.reserve(candidates.size());
  for (int64_t n : candidates) trials.push_back(&view.trials()[static_cast<size_t>(n)]);
  const auto rank = multi_objective::constrained_non_dominated_ranks(trials, view.directions());
  std::vector<size_t> order(candidates.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return rank[a] < rank[b]; });
  std::vector<int64_t> elite;
  elite.reserve(pop);
  for (size_t start = 0; start < order.size() && elite.size() < pop;) {
    size_t end = start;
    while (end < order.size() && rank[order[end]] == rank[order[start]]) ++end;
    if (elite.size() + (end - start) <= pop) {
      for (size_t k = start; k < end; ++k) elite.push_back(candidates[order[k]]);
    } else {
      // The last front that fits in part.
      std::vector<const FrozenTrial*> chosen, front;
      for (size_t k = 0; k < start; ++k) chosen.push_back(trials[order[k]]);
      for (size_t k = start; k < end; ++k) front.push_back(trials[order[k]]);
      const size_t n = pop - elite.size();
      const std::vector<size_t> picked = select_from_last_front(view, generation, chosen, front, n);
      if (picked.size() != n)
        throw std::logic_error(
            "NSGA elite selection: the last front's selection has the wrong size");
      for (size_t k : picked) elite.push_back(candidates[order[start + k]]);
    }
    start = end;
  }
  std::sort(elite.begin(), elite.end());
  return elite;
}

int64_t NsgaIISampler::parent_generation(const StudyView& view) {
  scan(view);
  const size_t pop = static_cast<size_t>(options_.population_size);
  for (size_t g = final_upto_; g < generations_.size(); ++g) {
    Generation& gen = generations_[g];
    if (gen.complete.size() < pop) break;
    const auto r = running_.find(static_cast<int64_t>(g));
    const bool final_now =
        (r == running_.end() || r->second == 0) && (g == 0 || generations_[g - 1].elite_final);
    if (!gen.elite_final) {
      std::vector<int64_t> candidates = gen.complete;
      if (g > 0)
        candidates.insert(candidates.end(), generations_[g - 1].elite.begin(),
                          generations_[g - 1].elite.end());
      gen.elite = select_elite(view, static_cast<int64_t>(g), std::move(candidates));
      gen.elite_final = final_now;
    }
    if (gen.elite_final && final_upto_ == g) final_upto_ = g + 1;
  }
  int64_t parent = -1;
  for (size_t g = 0; g < generations_.size(); ++g) {
    if (g >= final_upto_ && generations_[g].complete.size() < pop) break;
    parent = static_cast<int64_t>(g);
  }
  return parent;
}

int64_t NsgaIISampler::next_generation(const StudyView& view) {
  return parent_generation(view) + 1;
}

std::vector<int64_t> NsgaIISampler::elite(const StudyView& view, int64_t generation) {
  if (generation < 0 || generation > parent_generation(view)) return {};
  return generations_[static_cast<size_t>(generation)].elite;
}

nlohmann::json NsgaIISampler::before_trial(const StudyView& view) {
  return {{keys::nsga2_generation, next_generation(view)}};
}

SearchSpace NsgaIISampler::infer_relative_space(const StudyView& view, const FrozenTrial& trial) {
  if (!generation_of(trial) && !pending_.contains(trial.number)) {
    // An enqueued trial (created without before_trial): it joins the current generation too.
    const int64_t g = next_generation(view);
    view.writer().set_trial_system_attr(trial.id, keys::nsga2_generation, g);
    pending_[trial.number] = g;
  }
  return without_single_values(search_space_.calculate(view));
}

std::map<std::string, double> NsgaIISampler::sample_relative(const StudyView& view,
                                                             const FrozenTrial& trial,
                                                             const SearchSpace& space) {
  std::optional<int64_t> g = generation_of(trial);
  if (!g) {
    const auto p = pending_.find(trial.number);
    if (p != pending_.end()) g = p->second;
  }
  if (!g || *g <= 0 || space.empty()) return {};
  if (*g - 1 > parent_generation(view)) return {};
  const std::vector<int64_t>& population = generations_[static_cast<size_t>(*g - 1)].elite;
  if (population.empty()) return {};

  nsga::Rng rng(math::trial_seed(seed_, view.study_name(), trial.number, "nsga2"));
  const auto uniform01 = [&] { return rng.uniform(); };
  const auto& directions = view.directions();
  const auto trial_of = [&](int64_t n) -> const FrozenTrial& {
    return view.trials()[static_cast<size_t>(n)];
  };
  // Binary tournament among the population less the parents already chosen.
  const auto tournament = [&](const std::vector<int64_t>& taken) {
    std::vector<int64_t> pool;
    pool.reserve(population.size());
    for (int64_t n : population)
      if (std::find(taken.begin(), taken.end(), n) == taken.end()) pool.push_back(n);
    std::uniform_int_distribution<size_t> pick(0, pool.size() - 1);
    const int64_t a = pool[pick(rng)], b = pool[pick(rng)];
    return multi_objective::constrained_dominates(trial_of(a), trial_of(b), directions) ? a : b;
  };

  std::vector<std::string> categorical;
  std::vector<Axis> axes;
  for (const auto& [name, distribution] : space) {
    if (std::holds_alternative<CategoricalDistribution>(distribution))
      categorical.push_back(name);
    else
      axes.push_back(axis_of(name, distribution));
  }
  const auto to_axis = [](const Axis& a, double internal) {
    return a.log ? std::log(internal) : internal;
  };

  std::map<std::string, double> child;
  std::vector<int64_t> parents;
  if (uniform01() < options_.crossover_prob) {
    nsga::Bounds bounds;
    for (const auto& a : axes) bounds.emplace_back(a.low, a.high);
    const int n_parents = parents_needed(options_.crossover);
    nsga::Vector numeric;
    for (int attempt = 0;; ++attempt) {
      parents.clear();
      for (int k = 0; k < n_parents; ++k) parents.push_back(tournament(parents));
      child.clear();
      for (const auto& name : categorical) {
        const int64_t from = parents[uniform01() < options_.swapping_prob ? 1 : 0];
        child[name] = trial_of(from).internal_param(name);
      }
      if (axes.empty()) break;
      std::vector<nsga::Vector> rows;
      for (int64_t n : parents) {
        nsga::Vector row;
        for (const auto& a : axes) row.push_back(to_axis(a, trial_of(n).internal_param(a.name)));
        rows.push_back(std::move(row));
      }
      numeric = nsga::crossover(options_.crossover, rows, bounds, options_.swapping_prob,
                                directions.size(), rng);
      bool inside = true;
      for (size_t i = 0; i < axes.size() && inside; ++i)
        inside = numeric[i] >= axes[i].low && numeric[i] <= axes[i].high;
      if (inside || attempt >= 99) break;
    }
    for (size_t i = 0; i < axes.size(); ++i) {
      const double x = std::clamp(numeric[i], axes[i].low, axes[i].high);
      child[axes[i].name] =
          nearest_admissible(*axes[i].distribution, axes[i].log ? std::exp(x) : x);
    }
  } else {
    std::uniform_int_distribution<size_t> pick(0, population.size() - 1);
    parents = {population[pick(rng)]};
    for (const auto& [name, distribution] : space)
      child[name] = trial_of(parents[0]).internal_param(name);
  }

  // Mutation: a parameter left out is drawn at random by sample_independent.
  const double mutation_prob = options_.mutation_prob
                                   ? *options_.mutation_prob
                                   : 1.0 / std::max(1.0, static_cast<double>(child.size()));
  std::map<std::string, double> kept;
  for (const auto& [name, value] : child)
    if (uniform01() >= mutation_prob) kept[name] = value;

  nlohmann::json ids = nlohmann::json::array();
  for (int64_t n : parents) ids.push_back(trial_of(n).id);
  view.writer().set_trial_system_attr(trial.id, keys::nsga2_parents, ids);
  return kept;
}

double NsgaIISampler::sample_independent(const StudyView& view, const FrozenTrial& trial,
                                         const std::string& name,
                                         const Distribution& distribution) {
  // The random sampler's mapping of a uniform variate, drawn from this trial's own stream for
  // the parameter (cheap to seed, unlike a std::mt19937_64 per draw).
  nsga::Rng rng(math::trial_seed(seed_, view.study_name(), trial.number, name));
  return RandomSampler::from_unit(distribution, rng.uniform());
}

}  // namespace parzen
