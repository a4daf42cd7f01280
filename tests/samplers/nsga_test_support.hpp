#pragma once
// What the NSGA-II and NSGA-III tests share: a trial's generation, n floats in [0, 1], and the
// check that worker processes on one SQLite study shared its generations.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "parzen/parzen.hpp"
#include "storage/process.hpp"

namespace parzen_test {

inline int64_t generation(const parzen::FrozenTrial& t) {
  return t.system_attrs.at(parzen::keys::nsga2_generation).get<int64_t>();
}

// x0 ... x{n-1}, each suggested in [0, 1].
inline std::vector<double> suggest_unit_floats(parzen::Trial& t, int n) {
  std::vector<double> x(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    x[static_cast<size_t>(i)] = t.suggest_float(fmt::format("x{}", i), 0, 1);
  return x;
}

// Four PARZEN_TEST_NSGA2_WORKER processes (URL STUDY N_TRIALS SEED POPULATION [worker_args...])
// run `trials_per_worker` trials each on a fresh SQLite study of two minimised objectives. Then:
// every trial is complete and bred only from earlier trials of earlier generations; every
// generation but the last holds `population` complete trials and none more than the workers
// running at once could add while it filled (population + 3); the last generation is at least
// `min_last_generation`; and samplers `a` and `b` (fresh, different seeds) derive the same
// elite of `population` trials for every full generation from the stored trials alone.
template <class Sampler>
void expect_workers_share_generations(const std::string& name,
                                      const std::vector<std::string>& worker_args,
                                      int trials_per_worker, int population,
                                      int64_t min_last_generation, Sampler& a, Sampler& b) {
  using namespace parzen;
  const std::string path = fmt::format("/tmp/parzen-{}-{}.db", name, getpid());
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  const std::string url = "sqlite:///" + path;
  const std::vector<Direction> dirs = {Direction::Minimize, Direction::Minimize};
  Study::create({.name = name, .storage = url, .directions = dirs, .log_level = LogLevel::Silent});
  std::vector<pid_t> pids;
  for (int w = 0; w < 4; ++w) {
    std::vector<std::string> args = {PARZEN_TEST_NSGA2_WORKER,
                                     url,
                                     name,
                                     std::to_string(trials_per_worker),
                                     std::to_string(w + 1),
                                     std::to_string(population)};
    args.insert(args.end(), worker_args.begin(), worker_args.end());
    pids.push_back(spawn(args));
  }
  for (pid_t pid : pids) EXPECT_TRUE(exited_cleanly(pid)) << "a worker failed";
  auto study = Study::load({.name = name, .storage = url, .log_level = LogLevel::Silent});
  const auto trials = study.trials();
  ASSERT_EQ(trials.size(), static_cast<size_t>(4 * trials_per_worker));
  std::map<int64_t, int64_t> created;
  std::map<int64_t, const FrozenTrial*> by_id;
  for (const auto& t : trials) by_id[t.id] = &t;
  for (const auto& t : trials) {
    ASSERT_EQ(t.state, TrialState::Complete);
    const int64_t g = generation(t);
    ++created[g];
    if (g == 0) {
      EXPECT_FALSE(t.system_attrs.contains(keys::nsga2_parents)) << t.number;
      continue;
    }
    // Bred from complete trials of the generations before (the elite of generation g - 1).
    ASSERT_TRUE(t.system_attrs.contains(keys::nsga2_parents)) << t.number;
    for (const auto& id : t.system_attrs.at(keys::nsga2_parents)) {
      const FrozenTrial* parent = by_id.at(id.get<int64_t>());
      EXPECT_LT(generation(*parent), g) << "trial " << t.number;
      EXPECT_LT(parent->number, t.number);
    }
  }
  const int64_t last = created.rbegin()->first;
  EXPECT_GE(last, min_last_generation);
  for (const auto& [g, n] : created) {
    if (g < last) {
      EXPECT_GE(n, population) << "generation " << g;
    }
    EXPECT_LE(n, population + 3) << "generation " << g;
  }
  auto storage = make_storage(url);
  StudyView view(storage, *storage->find_study(name), dirs);
  view.refresh();
  for (int64_t g = 0; g < last; ++g) {
    const auto elite = a.elite(view, g);
    EXPECT_EQ(elite.size(), static_cast<size_t>(population)) << "generation " << g;
    EXPECT_EQ(elite, b.elite(view, g));
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

}  // namespace parzen_test
