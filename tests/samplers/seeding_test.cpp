// Issue 13 B7: seeded draws depend on (seed, study, trial) only. Seeds 0 and 1 share no draw (the
// CLI's old re-seeding with seed + trials so far made study r1's trial k study r0's trial k + 1);
// a study repeats itself; a re-created sampler (a resumed study) continues the sequence one
// process would have drawn; two studies with one seed draw differently.

#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "math/seed.hpp"
#include "parzen/parzen.hpp"

using namespace parzen;

namespace {

using Params = std::vector<std::map<std::string, ParamValue>>;
using Factory = std::function<std::shared_ptr<Sampler>(uint64_t seed)>;

double objective(Trial& t) {
  const double x = t.suggest_float("x", -5, 5);
  const auto k = t.suggest_int("k", 1, 1000, {.log = true});
  const auto c = t.suggest_categorical("c", {"a", "b", "c", "d"});
  return x * x + static_cast<double>(k) / 100 + (c == "b" ? 0 : 1);
}

// Runs n trials of study `name` in `storage`, continuing it if it exists, with a new sampler.
void run(const std::shared_ptr<Storage>& storage, const std::string& name, const Factory& make,
         uint64_t seed, int64_t n) {
  auto study = Study::create({.name = name,
                              .storage_backend = storage,
                              .sampler = make(seed),
                              .load_if_exists = true,
                              .log_level = LogLevel::Silent});
  study.optimize(objective, {.n_trials = n});
}

Params params_of(const std::shared_ptr<Storage>& storage, const std::string& name) {
  Params out;
  for (const auto& t : Study::load({.name = name, .storage_backend = storage}).trials())
    out.push_back(t.params);
  return out;
}

Params fresh(const std::string& name, const Factory& make, uint64_t seed, int64_t n) {
  auto storage = make_in_memory_storage();
  run(storage, name, make, seed, n);
  return params_of(storage, name);
}

struct Case {
  std::string name;
  Factory make;
  int64_t n;
};

std::vector<Case> cases() {
  return {
      {"random", [](uint64_t s) { return RandomSampler::make({.seed = s}); }, 12},
      {"qmc", [](uint64_t s) { return QmcSampler::make({.seed = s}); }, 12},
      {"tpe", [](uint64_t s) { return TpeSampler::make({.seed = s, .n_startup_trials = 4}); }, 12},
      {"gp", [](uint64_t s) { return GpSampler::make({.seed = s, .n_startup_trials = 4}); }, 8},
      {"cmaes", [](uint64_t s) { return CmaEsSampler::make({.seed = s, .popsize = 4}); }, 14},
  };
}

}  // namespace

TEST(Seeding, SeedsZeroAndOneShareNoDraw) {
  for (const auto& c : cases()) {
    const Params r0 = fresh("r0", c.make, 0, c.n), r1 = fresh("r1", c.make, 1, c.n);
    std::set<double> xs0;
    for (const auto& p : r0) xs0.insert(std::get<double>(p.at("x")));
    for (size_t k = 0; k < r1.size(); ++k) {
      EXPECT_FALSE(xs0.count(std::get<double>(r1[k].at("x")))) << c.name << " trial " << k;
      if (k + 1 < r0.size()) {
        EXPECT_NE(r1[k], r0[k + 1]) << c.name << " trial " << k;
      }
    }
  }
}

TEST(Seeding, AStudyRepeatsItselfAndAnotherStudyDrawsDifferently) {
  for (const auto& c : cases()) {
    const Params a = fresh("task", c.make, 7, c.n);
    EXPECT_EQ(a, fresh("task", c.make, 7, c.n)) << c.name;
    const Params b = fresh("other-task", c.make, 7, c.n);
    EXPECT_NE(a.at(1), b.at(1)) << c.name;
  }
}

TEST(Seeding, AResumedStudyContinuesTheSequence) {
  // GP is left out: its warm-started hyperparameter fit is state of the process (its draws are
  // per trial, but a fresh fit after a resume may polish to another point).
  for (const auto& c : cases()) {
    if (c.name == "gp") continue;
    const Params whole = fresh("resume", c.make, 3, c.n);
    auto storage = make_in_memory_storage();
    run(storage, "resume", c.make, 3, c.n / 2);
    run(storage, "resume", c.make, 3, c.n - c.n / 2);  // a new process: a new sampler object
    EXPECT_EQ(params_of(storage, "resume"), whole) << c.name;
  }
}

TEST(Seeding, UnnamedSeededStudiesRepeat) {
  // Generated names differ from run to run, so they stay out of the seed.
  auto study = Study::create({.log_level = LogLevel::Silent});
  EXPECT_TRUE(math::is_generated_study_name(study.name())) << study.name();
  EXPECT_FALSE(math::is_generated_study_name("svm-iris"));
  auto run_unnamed = [] {
    auto s =
        Study::create({.sampler = RandomSampler::make({.seed = 5}), .log_level = LogLevel::Silent});
    s.optimize(objective, {.n_trials = 3});
    Params out;
    for (const auto& t : s.trials()) out.push_back(t.params);
    return out;
  };
  EXPECT_EQ(run_unnamed(), run_unnamed());
}

TEST(Seeding, AShuffledGridHasOneOrderPerSeedAndStudy) {
  auto order = [](const std::string& name) {
    std::vector<int64_t> out;
    GridSamplerOptions o{.shuffle = true, .seed = 3};
    std::vector<ParamValue> values;
    for (int64_t i = 0; i < 20; ++i) values.emplace_back(i);
    o.grid = {{"i", values}};
    auto study = Study::create(
        {.name = name, .sampler = GridSampler::make(o), .log_level = LogLevel::Silent});
    study.optimize([](Trial& t) { return static_cast<double>(t.suggest_int("i", 0, 19)); });
    for (const auto& t : study.trials()) out.push_back(std::get<int64_t>(t.params.at("i")));
    return out;
  };
  EXPECT_EQ(order("grid-a"), order("grid-a"));
  EXPECT_NE(order("grid-a"), order("grid-b"));
}
