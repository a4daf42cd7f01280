// Regularized evolution: options, one objective only, suggestions inside a conditional space,
// mutation of exactly one active parameter (and of each other one with mutation_prob), aging,
// failed and pruned trials kept out of the population, seeded determinism, the population shared
// by three processes on SQLite, and a seeded check that it beats random search.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "parzen/parzen.hpp"
#include "storage/process.hpp"

using namespace parzen;

namespace {

using Options = RegularizedEvolutionSamplerOptions;

// A conditional architecture-like space: depth, one width per layer, a categorical, a log float
// and a stepped float; the value rewards a few settings so the search has somewhere to go.
double architecture(Trial& t) {
  const int64_t depth = t.suggest_int("depth", 1, 3);
  double score = 0;
  for (int64_t k = 1; k <= depth; ++k)
    score += std::log2(static_cast<double>(
        t.suggest_categorical<int64_t>(fmt::format("width_{}", k), {16, 32, 64, 128})));
  const std::string act = t.suggest_categorical("activation", {"relu", "tanh", "logistic"});
  if (act == "tanh") score += 2;
  const double lr = t.suggest_float("lr", 1e-4, 1e-1, {.log = true});
  score -= std::abs(std::log10(lr) + 2);
  score += t.suggest_float("dropout", 0, 0.5, {.step = 0.1});
  return score;
}

Study make_study(std::shared_ptr<Sampler> sampler, Direction direction = Direction::Maximize) {
  return Study::create(
      {.directions = {direction}, .sampler = std::move(sampler), .log_level = LogLevel::Silent});
}

std::optional<int64_t> parent_of(const FrozenTrial& t) {
  const auto it = t.system_attrs.find(keys::evolution_parent);
  if (it == t.system_attrs.end()) return std::nullopt;
  return it->get<int64_t>();
}

std::vector<std::string> mutated_of(const FrozenTrial& t) {
  return t.system_attrs.at(keys::evolution_mutated).get<std::vector<std::string>>();
}

}  // namespace

TEST(RegularizedEvolutionSampler, OptionsAreCheckedWithTheirNames) {
  const auto key_of = [](const Options& o) {
    try {
      RegularizedEvolutionSampler s(o);
    } catch (const OptionError& e) {
      return e.key();
    }
    return std::string("accepted");
  };
  EXPECT_EQ(key_of({.population_size = 0, .sample_size = 1}), "population_size");
  EXPECT_EQ(key_of({.population_size = 10, .sample_size = 0}), "sample_size");
  // A sample larger than the population takes all of it.
  EXPECT_EQ(key_of({.population_size = 10, .sample_size = 11}), "accepted");
  EXPECT_EQ(key_of({.mutation_prob = -0.01}), "mutation_prob");
  EXPECT_EQ(key_of({.mutation_prob = 1.01}), "mutation_prob");
  EXPECT_EQ(key_of({.population_size = 1, .mutation_prob = 1}), "accepted");
  EXPECT_EQ(key_of({}), "accepted");
  // NNI's defaults.
  EXPECT_EQ(Options{}.population_size, 100);
  EXPECT_EQ(Options{}.sample_size, 25);
  EXPECT_EQ(Options{}.mutation_prob, 0.05);
}

TEST(RegularizedEvolutionSampler, RefusesSeveralObjectives) {
  auto study = Study::create({.directions = {Direction::Minimize, Direction::Minimize},
                              .sampler = RegularizedEvolutionSampler::make({.seed = 1}),
                              .log_level = LogLevel::Silent});
  try {
    study.ask();
    ADD_FAILURE() << "a two-objective study was accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("one objective"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(study.trials().empty());  // refused before a trial was created
}

TEST(RegularizedEvolutionSampler, ChildrenMutateExactlyOneActiveParameterOfTheirParent) {
  constexpr int64_t kPopulation = 12;
  auto study = make_study(RegularizedEvolutionSampler::make(
      {.population_size = kPopulation, .sample_size = 4, .mutation_prob = 0, .seed = 3}));
  study.optimize(architecture, {.n_trials = 200});
  const auto trials = study.trials();
  int children = 0, depth_changes = 0;
  for (const auto& t : trials) {
    ASSERT_EQ(t.state, TrialState::Complete);
    // Sequential: trial n sees trials 0 .. n-1 complete, so the first kPopulation are random and
    // the population of trial n is n - kPopulation .. n - 1 (aging).
    const auto parent = parent_of(t);
    if (t.number < kPopulation) {
      EXPECT_FALSE(parent) << t.number;
      continue;
    }
    ASSERT_TRUE(parent) << t.number;
    EXPECT_GE(*parent, t.number - kPopulation) << t.number;
    EXPECT_LT(*parent, t.number);
    ++children;
    const FrozenTrial& p = trials[static_cast<size_t>(*parent)];
    const auto mutated = mutated_of(t);
    ASSERT_EQ(mutated.size(), 1u) << t.number;
    const std::string& m = mutated[0];
    ASSERT_TRUE(p.params.contains(m)) << "mutated " << m << ", which the parent did not use";
    if (t.params.contains(m)) {
      EXPECT_NE(t.internal_param(m), p.internal_param(m)) << t.number << " " << m;
    }
    if (m == "depth") ++depth_changes;
    for (const auto& [name, value] : t.params) {
      if (name == m) continue;
      if (p.params.contains(name)) {
        // Inherited unchanged.
        EXPECT_EQ(t.internal_param(name), p.internal_param(name)) << t.number << " " << name;
      } else {
        // Newly activated by a deeper network: only when depth was the mutation.
        EXPECT_EQ(m, "depth") << t.number << " " << name;
      }
    }
    for (const auto& [name, value] : p.params) {
      if (!t.params.contains(name)) {
        EXPECT_EQ(m, "depth") << t.number << " dropped " << name;
      }
    }
  }
  EXPECT_EQ(children, 200 - kPopulation);
  EXPECT_GT(depth_changes, 10);  // conditional branches were switched on and off
}

TEST(RegularizedEvolutionSampler, MutationProbRedrawsTheOtherParameters) {
  auto study = make_study(RegularizedEvolutionSampler::make(
      {.population_size = 5, .sample_size = 2, .mutation_prob = 1, .seed = 4}));
  study.optimize(architecture, {.n_trials = 30});
  const auto trials = study.trials();
  for (const auto& t : trials) {
    const auto parent = parent_of(t);
    if (!parent) continue;
    const FrozenTrial& p = trials[static_cast<size_t>(*parent)];
    std::set<std::string> mutated;
    for (const auto& m : mutated_of(t)) mutated.insert(m);
    std::set<std::string> used;
    for (const auto& [name, value] : p.params) used.insert(name);
    EXPECT_EQ(mutated, used) << t.number;  // every parameter of the parent was redrawn
  }
  // Redrawn continuous parameters differ from the parent's.
  EXPECT_NE(trials[10].params.at("lr"),
            trials[static_cast<size_t>(*parent_of(trials[10]))].params.at("lr"));
}

TEST(RegularizedEvolutionSampler, SuggestionsStayInsideTheSpace) {
  auto study = make_study(RegularizedEvolutionSampler::make(
      {.population_size = 8, .sample_size = 3, .mutation_prob = 0.3, .seed = 5}));
  study.optimize(architecture, {.n_trials = 120});
  for (const auto& t : study.trials()) {
    ASSERT_EQ(t.state, TrialState::Complete);
    for (const auto& [name, distribution] : t.distributions)
      EXPECT_TRUE(contains(distribution, t.internal_param(name))) << t.number << " " << name;
    const int64_t depth = std::get<int64_t>(t.params.at("depth"));
    for (int64_t k = 1; k <= 3; ++k)
      EXPECT_EQ(t.params.contains(fmt::format("width_{}", k)), k <= depth) << t.number;
  }
}

TEST(RegularizedEvolutionSampler, FailedAndPrunedTrialsNeverJoinThePopulation) {
  auto storage = make_storage("memory:");
  auto sampler = RegularizedEvolutionSampler::make(
      {.population_size = 6, .sample_size = 3, .mutation_prob = 0, .seed = 6});
  auto study = Study::create({.name = "f",
                              .storage_backend = storage,
                              .directions = {Direction::Minimize},
                              .sampler = sampler,
                              .log_level = LogLevel::Silent});
  study.optimize(
      [](Trial& t) -> double {
        const double x = t.suggest_float("x", -5, 5);
        const double y = t.suggest_float("y", -5, 5);
        if (t.number() % 3 == 1) throw std::runtime_error("failed on purpose");
        if (t.number() % 3 == 2) {
          t.report(x * x, 0);
          throw TrialPruned();
        }
        return x * x + y * y;
      },
      {.n_trials = 60});
  const auto trials = study.trials();
  StudyView view(storage, *storage->find_study("f"), {Direction::Minimize});
  view.refresh();
  const auto alive = sampler->population(view);
  // The 6 newest complete trials: numbers 42, 45, ..., 57.
  EXPECT_EQ(alive, (std::vector<int64_t>{42, 45, 48, 51, 54, 57}));
  // Six complete trials exist only from trial 15 on (0, 3, ..., 15): all before 18 are random.
  for (const auto& t : trials) {
    const auto parent = parent_of(t);
    EXPECT_EQ(parent.has_value(), t.number > 15) << t.number;
    if (parent) {
      EXPECT_EQ(trials[static_cast<size_t>(*parent)].state, TrialState::Complete);
    }
  }
}

TEST(RegularizedEvolutionSampler, SeededStudiesRepeatThemselves) {
  const auto run = [](uint64_t seed) {
    auto study = Study::create({.name = "same-name",
                                .directions = {Direction::Maximize},
                                .sampler = RegularizedEvolutionSampler::make(
                                    {.population_size = 10, .sample_size = 3, .seed = seed}),
                                .log_level = LogLevel::Silent});
    study.optimize(architecture, {.n_trials = 60});
    std::vector<std::map<std::string, ParamValue>> params;
    for (const auto& t : study.trials()) params.push_back(t.params);
    return params;
  };
  const auto a = run(7), b = run(7), c = run(8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

// Nine categorical "genes" of 4 values; the value counts the genes equal to a hidden target.
// Evolution climbs it one gene at a time; random search almost never gets far.
TEST(RegularizedEvolutionSampler, BeatsRandomSearchOnAOneMaxLikeProblem) {
  const auto objective = [](Trial& t) {
    double matches = 0;
    for (int g = 0; g < 9; ++g)
      matches += t.suggest_categorical<int64_t>(fmt::format("g{}", g), {0, 1, 2, 3}) == g % 4;
    return matches;
  };
  int evolution_wins = 0;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    auto evo = make_study(
        RegularizedEvolutionSampler::make({.population_size = 20, .sample_size = 5, .seed = seed}));
    evo.optimize(objective, {.n_trials = 150});
    auto random = make_study(RandomSampler::make({.seed = seed}));
    random.optimize(objective, {.n_trials = 150});
    if (evo.best_value() > random.best_value()) ++evolution_wins;
  }
  EXPECT_GE(evolution_wins, 9);
}

TEST(RegularizedEvolutionSampler, ThreeProcessesShareOnePopulationOnSqlite) {
  const std::string path = fmt::format("/tmp/parzen-evolution-{}.db", getpid());
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  const std::string url = "sqlite:///" + path;
  constexpr int64_t kPopulation = 10, kWorkers = 3;
  Study::create({.name = "evo",
                 .storage = url,
                 .directions = {Direction::Maximize},
                 .log_level = LogLevel::Silent});
  std::vector<pid_t> pids;
  for (int64_t w = 0; w < kWorkers; ++w)
    pids.push_back(parzen_test::spawn({PARZEN_TEST_EVOLUTION_WORKER, url, "evo", "30",
                                       std::to_string(w + 1), std::to_string(kPopulation), "3"}));
  for (pid_t pid : pids) EXPECT_TRUE(parzen_test::exited_cleanly(pid)) << "a worker failed";
  auto study = Study::load({.name = "evo", .storage = url, .log_level = LogLevel::Silent});
  const auto trials = study.trials();
  ASSERT_EQ(trials.size(), 90u);
  int64_t random = 0;
  for (const auto& t : trials) {
    ASSERT_EQ(t.state, TrialState::Complete);
    const auto parent = parent_of(t);
    if (!parent) {
      ++random;
      continue;
    }
    // The population is read when the child's view is refreshed, just after the child was
    // created: a trial created after the child but finished by then may be its parent.
    const FrozenTrial& p = trials[static_cast<size_t>(*parent)];
    EXPECT_NE(p.number, t.number);
    ASSERT_TRUE(p.datetime_complete && t.datetime_start && t.datetime_complete);
    EXPECT_LE(*p.datetime_complete, *t.datetime_complete) << t.number;
    // The parent was alive: had population_size trials newer than it completed before the
    // child started, they would all have been in the child's view and the parent dead of age.
    int64_t newer = 0;
    for (const auto& o : trials)
      if (o.number > p.number && o.datetime_complete && *o.datetime_complete < *t.datetime_start)
        ++newer;
    EXPECT_LT(newer, kPopulation) << "trial " << t.number << " bred from dead trial " << p.number;
    const auto mutated = mutated_of(t);
    ASSERT_FALSE(mutated.empty());
    for (const auto& m : mutated) EXPECT_TRUE(p.params.contains(m)) << t.number << " " << m;
  }
  // The first population_size trials to complete were random (each saw fewer complete trials);
  // a random trial saw fewer than population_size complete, and at most one trial per worker
  // was in flight then: at most population_size - 1 + workers random trials.
  EXPECT_GE(random, kPopulation);
  EXPECT_LE(random, kPopulation + kWorkers - 1);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}
