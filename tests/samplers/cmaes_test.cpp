// CMA-ES: the optimizer's updates against python3-cmaes 0.9.1 (CMA, SepCMA, CMAwM, warm start)
// on fixed seeds, margin keeping integer dimensions alive, restarts on the documented criteria,
// the sampler's options, bookkeeping in the storage, a process restart and three worker
// processes sharing one distribution on SQLite, and a seeded check that it beats random search.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "parzen/parzen.hpp"
#include "samplers/cmaes/cma.hpp"
#include "storage/process.hpp"

using namespace parzen;
using cmaes::Matrix;
using cmaes::Vector;

namespace {

Vector vec(const nlohmann::json& j) {
  Vector v(static_cast<Eigen::Index>(j.size()));
  for (size_t i = 0; i < j.size(); ++i) v[static_cast<Eigen::Index>(i)] = j[i].get<double>();
  return v;
}
Matrix mat(const nlohmann::json& j) {
  Matrix m(static_cast<Eigen::Index>(j.size()), static_cast<Eigen::Index>(j[0].size()));
  for (size_t i = 0; i < j.size(); ++i) m.row(static_cast<Eigen::Index>(i)) = vec(j[i]).transpose();
  return m;
}

// The reference numbers: generated now by the script when python3-cmaes is installed, else the
// stored copy the script made (tests/samplers/data/cmaes_reference.json).
nlohmann::json reference() {
  static const nlohmann::json ref = [] {
    const std::string script =
        std::string(PARZEN_SOURCE_DIR) + "/tests/samplers/cmaes_reference.py";
    if (std::system("/usr/bin/python3 -c 'import cmaes' >/dev/null 2>&1") == 0) {
      FILE* pipe = popen(("/usr/bin/python3 " + script).c_str(), "r");
      std::string out;
      char buf[65536];
      size_t got;
      while (pipe && (got = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, got);
      if (pipe && pclose(pipe) == 0 && !out.empty()) return nlohmann::json::parse(out);
    }
    std::ifstream in(std::string(PARZEN_SOURCE_DIR) + "/tests/samplers/data/cmaes_reference.json");
    std::stringstream ss;
    ss << in.rdbuf();
    return nlohmann::json::parse(ss.str());
  }();
  return ref;
}

double max_abs_diff(const Matrix& a, const Matrix& b) { return (a - b).cwiseAbs().maxCoeff(); }

}  // namespace

TEST(Cma, UpdatesMatchPythonCmaesOnFixedSeeds) {
  const auto ref = reference();
  int checked = 0;
  for (const auto& c : ref.at("cases")) {
    const auto& cfg = c.at("config");
    const std::string kind = cfg.at("kind");
    cmaes::CmaConfig config;
    config.mean = vec(cfg.at("mean"));
    config.sigma = cfg.at("sigma");
    config.bounds = mat(cfg.at("bounds"));
    if (cfg.contains("population_size")) config.population_size = cfg.at("population_size");
    config.separable = kind == "sep";
    if (kind == "margin") config.steps = vec(cfg.at("steps"));
    cmaes::Cma cma(config);
    ASSERT_EQ(cma.population_size(), cfg.at("popsize").get<int64_t>()) << kind;
    int g = 0;
    for (const auto& gen : c.at("generations")) {
      std::vector<std::pair<Vector, double>> told;
      for (const auto& s : gen.at("told")) told.emplace_back(vec(s[0]), s[1].get<double>());
      cma.tell(told);
      const std::string where = fmt::format("{} case, generation {}", kind, ++g);
      EXPECT_LT((cma.mean() - vec(gen.at("mean"))).cwiseAbs().maxCoeff(), 1e-10) << where;
      EXPECT_NEAR(cma.sigma(), gen.at("sigma").get<double>(), 1e-10) << where;
      EXPECT_LT(max_abs_diff(cma.cov(), mat(gen.at("C"))), 1e-10) << where;
      if (gen.contains("A")) {
        EXPECT_LT((cma.margin_scale() - vec(gen.at("A"))).cwiseAbs().maxCoeff(), 1e-10) << where;
      }
      EXPECT_EQ(cma.should_stop(), gen.at("should_stop").get<bool>()) << where;
      ++checked;
    }
  }
  EXPECT_GE(checked, 30);
}

TEST(Cma, WarmStartReproducesGetWarmStartMgd) {
  const auto ref = reference();
  for (const auto& w : ref.at("warm_start")) {
    std::vector<std::pair<Vector, double>> source;
    for (const auto& s : w.at("source")) source.emplace_back(vec(s[0]), s[1].get<double>());
    const auto ws = cmaes::warm_start_mgd(source, 0.1, 0.1);
    EXPECT_LT((ws.mean - vec(w.at("mean"))).cwiseAbs().maxCoeff(), 1e-12);
    EXPECT_NEAR(ws.sigma, w.at("sigma").get<double>(), 1e-12);
    EXPECT_LT(max_abs_diff(ws.cov, mat(w.at("cov"))), 1e-12);
  }
  EXPECT_THROW(cmaes::warm_start_mgd({{Vector::Zero(2), 1.0}}), InvalidArgument);
}

TEST(Cma, StateRoundTripsThroughJsonBitForBit) {
  cmaes::Cma a({.mean = Vector::Constant(4, 0.5), .sigma = 0.3});
  std::mt19937_64 rng(3);
  for (int g = 0; g < 5; ++g) {
    std::vector<std::pair<Vector, double>> s;
    for (int k = 0; k < a.population_size(); ++k) {
      const auto x = a.ask(rng).second;
      s.emplace_back(x, x.squaredNorm());
    }
    a.tell(s);
  }
  a.should_stop();
  cmaes::Cma b = cmaes::Cma::from_json(nlohmann::json::parse(a.to_json().dump()));
  std::mt19937_64 r1(9), r2(9);
  EXPECT_EQ(a.ask(r1).first, b.ask(r2).first);
  EXPECT_EQ(a.cov(), b.cov());
}

TEST(Cma, MarginKeepsIntegerDimensionsAlive) {
  // Two continuous and two binary dimensions; the objective ignores the binary ones, so plain
  // CMA-ES's encoded values freeze at one value once sigma shrinks. With margin both values of
  // each binary dimension keep appearing in late generations.
  Matrix bounds(4, 2);
  bounds << -5, 5, -5, 5, 0, 1, 0, 1;
  Vector steps(4);
  steps << 0, 0, 1, 1;
  cmaes::Cma cma({.mean = Vector::Constant(4, 0.5), .sigma = 2, .bounds = bounds, .steps = steps});
  std::mt19937_64 rng(11);
  std::set<double> late[2];
  for (int g = 0; g < 150; ++g) {
    std::vector<std::pair<Vector, double>> s;
    for (int k = 0; k < cma.population_size(); ++k) {
      auto [x_eval, x_tell] = cma.ask(rng);
      if (g >= 130) {
        late[0].insert(x_eval[2]);
        late[1].insert(x_eval[3]);
      }
      EXPECT_TRUE(x_eval[2] == 0 || x_eval[2] == 1) << x_eval[2];
      s.emplace_back(x_tell, x_eval[0] * x_eval[0] + x_eval[1] * x_eval[1]);
    }
    cma.tell(s);
  }
  EXPECT_LT(cma.sigma(), 1e-3);  // converged on the continuous part
  EXPECT_EQ(late[0].size(), 2u);
  EXPECT_EQ(late[1].size(), 2u);
}

TEST(Cma, StopsOnTolfunAndConditionNumber) {
  // A flat function: the recent best/worst values never differ, so tolfun fires right after
  // funhist_term generations (10 + ceil(30 n / popsize)).
  cmaes::Cma flat({.mean = Vector::Zero(3), .sigma = 1});
  std::mt19937_64 rng(5);
  const int64_t term = 10 + static_cast<int64_t>(std::ceil(30.0 * 3 / flat.population_size()));
  for (int64_t g = 1; g <= term + 1; ++g) {
    std::vector<std::pair<Vector, double>> s;
    for (int k = 0; k < flat.population_size(); ++k) s.emplace_back(flat.ask(rng).second, 1.0);
    flat.tell(s);
    EXPECT_EQ(flat.should_stop(), g > term) << "generation " << g;
  }
  // A covariance whose condition number exceeds 1e14 stops at once.
  Matrix cov = Matrix::Identity(2, 2);
  cov(1, 1) = 1e-30;
  cmaes::Cma ill({.mean = Vector::Zero(2), .sigma = 1, .cov = cov});
  EXPECT_TRUE(ill.should_stop());
  cmaes::Cma fine({.mean = Vector::Zero(2), .sigma = 1});
  EXPECT_FALSE(fine.should_stop());
}

// Tells `generations` generations whose values come from `values(rng)` (popsize of them) and
// returns the first generation at which stop_reason() is not empty, with the reason.
std::pair<int64_t, std::string> first_stop(
    cmaes::Cma& cma, int64_t generations,
    const std::function<std::vector<double>(std::mt19937_64&, int64_t)>& values) {
  std::mt19937_64 rng(7);
  for (int64_t g = 1; g <= generations; ++g) {
    const auto v = values(rng, cma.population_size());
    std::vector<std::pair<Vector, double>> s;
    for (int64_t k = 0; k < cma.population_size(); ++k)
      s.emplace_back(cma.ask(rng).second, v[static_cast<size_t>(k)]);
    cma.tell(s);
    if (auto reason = cma.stop_reason(); !reason.empty()) return {g, reason};
  }
  return {-1, ""};
}

std::vector<double> uniform_values(std::mt19937_64& rng, int64_t popsize, double low = 1) {
  std::uniform_real_distribution<double> u(low, low + 1);
  std::vector<double> v(static_cast<size_t>(popsize));
  for (auto& x : v) x = u(rng);
  return v;
}

TEST(Cma, RestartCriteriaFireAsDocumented) {
  // n = 3: popsize 4 + floor(3 ln 3) = 7, funhist_term 10 + ceil(90 / 7) = 23, the stagnation
  // history at least 120 + 13 = 133 generations, equalfunvals' k-th best: 1 + ceil(0.1 + 7 / 4)
  // = 3rd.
  const cmaes::CmaConfig with{.mean = Vector::Zero(3), .sigma = 1, .restart_criteria = true};
  const cmaes::CmaConfig without{.mean = Vector::Zero(3), .sigma = 1};
  // tolfunhist: the best value never changes while the others do (cmaes' tolfun, which also
  // needs the worst values, does not fire): after 23 + 1 generations.
  const auto best_fixed = [](std::mt19937_64& rng, int64_t popsize) {
    auto v = uniform_values(rng, popsize);
    v[0] = 0;
    return v;
  };
  {
    cmaes::Cma cma(with);
    EXPECT_EQ(first_stop(cma, 60, best_fixed), (std::pair<int64_t, std::string>{24, "tolfunhist"}));
    cmaes::Cma plain(without);
    EXPECT_EQ(first_stop(plain, 60, best_fixed).first, -1);
  }
  // equalfunvals: the best three values are equal in every generation: more than a third of the
  // last n = 3 generations are flat once there are 3 of them.
  {
    cmaes::Cma cma(with);
    const auto flat = [](std::mt19937_64& rng, int64_t popsize) {
      auto v = uniform_values(rng, popsize);
      v[0] = v[1] = v[2] = 0;
      return v;
    };
    EXPECT_EQ(first_stop(cma, 60, flat), (std::pair<int64_t, std::string>{3, "equalfunvals"}));
    // Two equal values (the 3rd best differs) are not flat.
    cmaes::Cma two(with);
    const auto two_equal = [](std::mt19937_64& rng, int64_t popsize) {
      auto v = uniform_values(rng, popsize);
      v[0] = v[1] = 0;
      return v;
    };
    EXPECT_EQ(first_stop(two, 20, two_equal).first, -1);
  }
  // stagnation: values that do not improve (noise) stop the run once the history is full (133
  // generations), and not before; a steadily improving run does not stop.
  {
    cmaes::Cma cma(with);
    const auto [g, reason] = first_stop(cma, 400, [](std::mt19937_64& rng, int64_t popsize) {
      return uniform_values(rng, popsize);
    });
    EXPECT_EQ(reason, "stagnation");
    EXPECT_GE(g, 133);
    EXPECT_LE(g, 160);
    cmaes::Cma plain(without);
    EXPECT_EQ(first_stop(plain, 200,
                         [](std::mt19937_64& rng, int64_t popsize) {
                           return uniform_values(rng, popsize);
                         })
                  .first,
              -1);
    cmaes::Cma improving(with);
    int64_t t = 0;
    EXPECT_EQ(first_stop(improving, 200,
                         [&t](std::mt19937_64& rng, int64_t popsize) {
                           return uniform_values(rng, popsize, -static_cast<double>(++t));
                         })
                  .first,
              -1);
  }
  // tolupsigma: sigma / sigma0 above 1e20 times the largest axis (a state edited through JSON;
  // the histories survive the round trip).
  {
    cmaes::Cma cma(with);
    first_stop(cma, 5, best_fixed);
    auto j = cma.to_json();
    EXPECT_EQ(j.at("best_hist").size(), 5u);
    j["sigma0"] = 1e-30;
    auto edited = cmaes::Cma::from_json(j);
    EXPECT_EQ(edited.stop_reason(), "tolupsigma");
    EXPECT_FALSE(edited.should_stop());  // not one of cmaes' criteria
    EXPECT_EQ(cmaes::Cma::from_json(cma.to_json()).to_json(), cma.to_json());
  }
}

namespace {

double sphere(Trial& t, int n, double shift = 0.2) {
  double s = 0;
  for (int i = 0; i < n; ++i) {
    const double x = t.suggest_float(fmt::format("x{}", i), -1, 1);
    s += (x - shift) * (x - shift);
  }
  return s;
}

}  // namespace

TEST(CmaEsSampler, OptionsAreCheckedWithTheirNames) {
  const auto key_of = [](const CmaEsSamplerOptions& o) -> std::string {
    try {
      CmaEsSampler s(o);
    } catch (const OptionError& e) {
      return e.key();
    }
    return "";
  };
  EXPECT_EQ(key_of({.sigma0 = -1.0}), "sigma0");
  EXPECT_EQ(key_of({.n_startup_trials = -1}), "n_startup_trials");
  EXPECT_EQ(key_of({.popsize = 1}), "popsize");
  EXPECT_EQ(key_of({.inc_popsize = 0}), "inc_popsize");
  EXPECT_EQ(key_of({.use_separable_cma = true, .with_margin = true}), "with_margin");
  FrozenTrial t;
  EXPECT_EQ(key_of({.sigma0 = 0.1, .source_trials = {t}}), "source_trials");
  EXPECT_EQ(key_of({}), "");
  EXPECT_THROW(make_sampler("cmaes", {{"restart_strategy", "lpop"}}), OptionError);
  EXPECT_NO_THROW(make_sampler("cmaes", {{"restart_strategy", "bipop"}, {"sigma0", 0.5}}));
  EXPECT_FALSE(find_sampler("cmaes")->capabilities.multi_objective);
}

TEST(CmaEsSampler, GenerationsAreStoredAndEveryTrialRecordsItsState) {
  auto sampler = CmaEsSampler::make({.seed = 1});
  auto study = Study::create({.sampler = sampler, .log_level = LogLevel::Silent});
  study.optimize([](Trial& t) { return sphere(t, 4); }, {.n_trials = 60});
  const int64_t popsize = 4 + static_cast<int64_t>(std::floor(3 * std::log(4.0)));  // 8
  std::map<int64_t, int> per_state;
  for (const auto& t : study.trials()) {
    if (t.number == 0) {  // the first trial has no relative space yet
      EXPECT_FALSE(t.system_attrs.contains(keys::cmaes_state_index));
      continue;
    }
    ++per_state[t.system_attrs.at(keys::cmaes_state_index).get<int64_t>()];
  }
  // One process: each state draws exactly one population, the last one what is left.
  for (const auto& [k, count] : per_state)
    if (k != per_state.rbegin()->first) {
      EXPECT_EQ(count, popsize) << "state " << k;
    }
  const auto d = sampler->distribution();
  EXPECT_EQ(d.at("state").get<int64_t>(), per_state.rbegin()->first);
  EXPECT_EQ(d.at("popsize").get<int64_t>(), popsize);
  EXPECT_EQ(d.at("generation").get<int64_t>(), d.at("state").get<int64_t>());
  EXPECT_LT(d.at("sigma").get<double>(), 1.0 / 6.0);  // it has converged some
  EXPECT_LT(study.best_value(), 0.05);
}

TEST(CmaEsSampler, SeededStudiesRepeatThemselvesAndValuesAreAdmissible) {
  const auto run = [](uint64_t seed) {
    auto study = Study::create({.name = "s",
                                .sampler = CmaEsSampler::make({.seed = seed, .with_margin = true}),
                                .log_level = LogLevel::Silent});
    study.optimize(
        [](Trial& t) {
          const double x = t.suggest_float("x", -2, 2);
          const int64_t k = t.suggest_int("k", -3, 7);
          const double q = t.suggest_float("q", 0, 1, {.step = 0.1});
          const double l = t.suggest_float("l", 1e-3, 10, {.log = true});
          EXPECT_TRUE(k >= -3 && k <= 7);
          EXPECT_NEAR(q * 10, std::round(q * 10), 1e-9);
          EXPECT_TRUE(l >= 1e-3 && l <= 10);
          return x * x + (k - 2) * (k - 2) + (q - 0.3) * (q - 0.3) + std::log(l) * std::log(l);
        },
        {.n_trials = 50});
    std::vector<std::map<std::string, ParamValue>> params;
    for (const auto& t : study.trials()) params.push_back(t.params);
    return params;
  };
  EXPECT_EQ(run(3), run(3));
  EXPECT_NE(run(3), run(4));
}

TEST(CmaEsSampler, CategoricalsGoToTheIndependentSampler) {
  auto study =
      Study::create({.sampler = CmaEsSampler::make({.warn_independent_sampling = false, .seed = 2}),
                     .log_level = LogLevel::Silent});
  study.optimize(
      [](Trial& t) {
        const auto c = t.suggest_categorical("c", {"a", "b", "c"});
        return sphere(t, 3) + (c == "b" ? 0 : 1);
      },
      {.n_trials = 40});
  std::set<std::string> seen;
  for (const auto& t : study.trials()) seen.insert(std::get<std::string>(t.params.at("c")));
  EXPECT_EQ(seen.size(), 3u);  // random, not a CMA-ES dimension
  for (const auto& t : study.trials())
    if (t.number > 0) {
      EXPECT_TRUE(t.system_attrs.contains(keys::cmaes_state_index));
    }
}

TEST(CmaEsSampler, RefusesSeveralObjectives) {
  EXPECT_THROW(
      {
        auto study = Study::create({.directions = {Direction::Minimize, Direction::Minimize},
                                    .sampler = CmaEsSampler::make({.seed = 1}),
                                    .log_level = LogLevel::Silent});
        for (int i = 0; i < 3; ++i) {
          auto t = study.ask();
          t.suggest_float("a", 0, 1);
          t.suggest_float("b", 0, 1);
          study.tell(t, std::vector<double>{1, 2});
        }
      },
      InvalidArgument);
}

TEST(CmaEsSampler, IpopRestartsWithADoubledPopulation) {
  // A flat objective: every generation is flat, so equalfunvals ends each run after n = 2
  // generations, and IPOP restarts with popsize x 2: 6, 12, 24, 48, 96 (1 + 2 x 186 = 373
  // trials), then 192.
  const auto flat = [](Trial& t) {
    t.suggest_float("a", 0, 1);
    t.suggest_float("b", 0, 1);
    return 1.0;
  };
  auto sampler = CmaEsSampler::make({.seed = 4, .restart_strategy = CmaEsRestart::Ipop});
  // Each restart is an INFO line of the study's log (Python: the "parzen" logger).
  std::vector<std::string> lines;
  auto study =
      Study::create({.sampler = sampler,
                     .log_level = LogLevel::Info,
                     .logger = [&](LogLevel level, const std::string& message) {
                       if (level == LogLevel::Info && message.rfind("CmaEsSampler:", 0) == 0)
                         lines.push_back(message);
                     }});
  study.optimize(flat, {.n_trials = 400});
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0],
            "CmaEsSampler: run 1 ended after 12 trials (equalfunvals); restart 1 (ipop) with a "
            "population of 12");
  EXPECT_NE(lines[4].find("restart 5 (ipop) with a population of 192"), std::string::npos)
      << lines[4];
  const auto d = sampler->distribution();
  EXPECT_EQ(d.at("restarts").get<int64_t>(), 5);
  EXPECT_EQ(d.at("last_stop").get<std::string>(), "equalfunvals");
  EXPECT_EQ(d.at("popsize").get<int64_t>(), 192);
  EXPECT_EQ(d.at("generation").get<int64_t>(), 0);
  // Without a restart strategy the same study never restarts.
  auto plain = CmaEsSampler::make({.seed = 4});
  auto again = Study::create({.sampler = plain, .log_level = LogLevel::Silent});
  again.optimize(flat, {.n_trials = 200});
  EXPECT_EQ(plain->distribution().at("restarts").get<int64_t>(), 0);
  EXPECT_EQ(plain->distribution().at("popsize").get<int64_t>(), 6);
}

TEST(CmaEsSampler, IpopRestartsARunStuckInALocalBasin) {
  // Rastrigin-like in 2-D from a corner: the first run settles in a local minimum (value > 0)
  // and stops on tolfun/tolfunhist; the restarts (larger populations) find a better basin.
  const auto objective = [](Trial& t) {
    double s = 0;
    for (const char* name : {"a", "b"}) {
      const double x = t.suggest_float(name, -5.12, 5.12);
      s += x * x - 10 * std::cos(2 * M_PI * x) + 10;
    }
    return s;
  };
  const std::map<std::string, double> corner{{"a", 4}, {"b", 4}};
  auto plain = CmaEsSampler::make({.x0 = corner, .sigma0 = 0.02, .seed = 3});
  auto ipop = CmaEsSampler::make(
      {.x0 = corner, .sigma0 = 0.02, .seed = 3, .restart_strategy = CmaEsRestart::Ipop});
  auto a = Study::create({.sampler = plain, .log_level = LogLevel::Silent});
  auto b = Study::create({.sampler = ipop, .log_level = LogLevel::Silent});
  a.optimize(objective, {.n_trials = 1500});
  b.optimize(objective, {.n_trials = 1500});
  EXPECT_GT(a.best_value(), 1.0);  // stuck near (4, 4)
  EXPECT_GE(ipop->distribution().at("restarts").get<int64_t>(), 1);
  EXPECT_LT(b.best_value(), a.best_value() / 2);
}

TEST(CmaEsSampler, WarmStartUsesTheSourceTrials) {
  auto source =
      Study::create({.sampler = RandomSampler::make({.seed = 1}), .log_level = LogLevel::Silent});
  source.optimize([](Trial& t) { return sphere(t, 3, 0.5); }, {.n_trials = 100});
  auto sampler = CmaEsSampler::make({.seed = 1, .source_trials = source.trials()});
  auto target = Study::create({.sampler = sampler, .log_level = LogLevel::Silent});
  target.optimize([](Trial& t) { return sphere(t, 3, 0.5); }, {.n_trials = 2});
  // The first distribution is the warm start of the source's best 10 %, near x = 0.5 (unit
  // 0.75), with a small sigma.
  const auto d = sampler->distribution();
  for (const auto& m : d.at("mean")) EXPECT_NEAR(m.get<double>(), 0.75, 0.15);
  EXPECT_LT(d.at("sigma").get<double>(), 0.15);
}

TEST(CmaEsSampler, SurvivesAProcessRestartAndIsSharedByThreeWorkers) {
  const std::string path = fmt::format("/tmp/parzen-cmaes-{}.db", getpid());
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  const std::string url = "sqlite:///" + path;
  // A first "process": 30 trials, then the study is reopened by a fresh sampler.
  {
    auto study = Study::create({.name = "cma",
                                .storage = url,
                                .sampler = CmaEsSampler::make({.seed = 1}),
                                .log_level = LogLevel::Silent});
    study.optimize([](Trial& t) { return sphere(t, 5); }, {.n_trials = 30});
  }
  std::vector<pid_t> pids;
  for (int w = 0; w < 3; ++w)
    pids.push_back(
        parzen_test::spawn({PARZEN_TEST_CMAES_WORKER, url, "cma", "60", std::to_string(w + 1)}));
  for (pid_t pid : pids) EXPECT_TRUE(parzen_test::exited_cleanly(pid)) << "a worker failed";
  auto storage = make_storage(url);
  const auto id = *storage->find_study("cma");
  auto study = Study::load({.name = "cma", .storage = url, .log_level = LogLevel::Silent});
  const auto trials = study.trials();
  ASSERT_EQ(trials.size(), 210u);
  // States are consecutive, stored once each, and every state after the first was told from
  // popsize (8 for n = 5) complete trials drawn from the state before.
  int64_t last = 0;
  std::map<int64_t, int> drawn;
  for (const auto& t : trials) {
    ASSERT_EQ(t.state, TrialState::Complete);
    if (t.number == 0) continue;
    const int64_t k = t.system_attrs.at(keys::cmaes_state_index).get<int64_t>();
    ++drawn[k];
    last = std::max(last, k);
  }
  EXPECT_GE(last, 18);  // ~210 / 8 generations, less the trials drawn late
  const auto attrs = storage->study(id).system_attrs;
  for (int64_t k = 0; k <= last; ++k) {
    ASSERT_TRUE(attrs.contains(keys::cmaes_state(k))) << "state " << k;
    EXPECT_EQ(attrs.at(keys::cmaes_state(k)).at("cma").at("g").get<int64_t>(), k);
    if (k < last) {
      EXPECT_GE(drawn[k], 8) << "state " << k;
    }
    EXPECT_LE(drawn[k], 8 + 3) << "state " << k;  // at most the workers' extra draws
  }
  EXPECT_FALSE(attrs.contains(keys::cmaes_state(last + 1)));
  // The study converged as one distribution: the best value is that of a CMA-ES run.
  EXPECT_LT(study.best_value(), 1e-2);  // random search: about 0.1
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

TEST(CmaEsSampler, BeatsRandomSearchOnShiftedSphere) {
  // Seeded statistical check: on an 8-D shifted sphere after 200 trials CMA-ES's best is far
  // below random search's on every seed (a broken update would not be).
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    auto cma = Study::create(
        {.sampler = CmaEsSampler::make({.seed = seed}), .log_level = LogLevel::Silent});
    cma.optimize([](Trial& t) { return sphere(t, 8); }, {.n_trials = 200});
    auto rnd = Study::create(
        {.sampler = RandomSampler::make({.seed = seed}), .log_level = LogLevel::Silent});
    rnd.optimize([](Trial& t) { return sphere(t, 8); }, {.n_trials = 200});
    EXPECT_LT(cma.best_value() * 10, rnd.best_value()) << "seed " << seed;
  }
}

TEST(CmaEsSampler, SameGenerationsAsOptunaForTheSameCandidates) {
  // The sampler layer against Optuna 3.1's CmaEsSampler (tests/samplers/cmaes_optuna_reference.py
  // made the stored copy): the same ask/tell sequence (batches told in reverse order, failed and
  // pruned trials), every trial enqueued with the parameters Optuna's sampler proposed. Each
  // trial must be drawn from the same generation, and each stored distribution must be Optuna's
  // (mapped from its transformed space, whose parameters all have one range, to [0, 1]): the
  // startup trial, the transform (log, int and step padding), sigma0, the assembly of a
  // generation and consider_pruned_trials agree, not only the optimizer.
  std::ifstream in(std::string(PARZEN_SOURCE_DIR) +
                   "/tests/samplers/data/cmaes_optuna_reference.json");
  ASSERT_TRUE(in) << "tests/samplers/data/cmaes_optuna_reference.json";
  const auto ref = nlohmann::json::parse(in);
  int compared = 0;
  for (const auto& c : ref.at("cases")) {
    const std::string name = c.at("name");
    const bool maximize = c.at("direction") == "maximize";
    auto sampler = CmaEsSampler::make({.n_startup_trials = c.at("n_startup_trials"),
                                       .warn_independent_sampling = false,
                                       .seed = 1,
                                       .consider_pruned_trials = c.at("consider_pruned_trials")});
    auto study =
        Study::create({.directions = {maximize ? Direction::Maximize : Direction::Minimize},
                       .sampler = sampler,
                       .log_level = LogLevel::Silent});
    std::map<int64_t, Trial> running;
    for (const auto& step : c.at("steps")) {
      if (step.contains("ask")) {
        std::map<std::string, ParamValue> fixed;
        for (const auto& [p, v] :
             step.at("params").get<std::vector<std::pair<std::string, nlohmann::json>>>())
          fixed[p] =
              v.is_number_integer() ? ParamValue(v.get<int64_t>()) : ParamValue(v.get<double>());
        study.enqueue_trial(fixed);
        Trial t = study.ask();
        ASSERT_EQ(t.number(), step.at("ask").get<int64_t>()) << name;
        for (const auto& p : c.at("params")) {
          const std::string pn = p.at("name");
          if (!fixed.contains(pn)) continue;  // not suggested by this trial
          if (p.at("type") == "int")
            t.suggest_int(pn, p.at("low"), p.at("high"),
                          {.log = p.value("log", false), .step = p.value("step", int64_t{1})});
          else if (p.contains("step"))
            t.suggest_float(pn, p.at("low"), p.at("high"), {.step = p.at("step").get<double>()});
          else
            t.suggest_float(pn, p.at("low"), p.at("high"), {.log = p.value("log", false)});
        }
        running.emplace(t.number(), std::move(t));
        continue;
      }
      auto it = running.find(step.at("tell").get<int64_t>());
      ASSERT_NE(it, running.end()) << name;
      const std::string state = step.at("state");
      if (state == "complete") {
        study.tell(it->second, step.at("value").get<double>());
      } else if (state == "fail") {
        study.tell(it->second, TrialState::Failed);
      } else {
        for (const auto& r : step.at("reports"))
          it->second.report(r[0].get<int64_t>(), r[1].get<double>());
        study.tell(it->second, TrialState::Pruned);
      }
      running.erase(it);
    }
    // The generation each trial was drawn from (Parzen's state index names a stored state; a
    // first distribution restarted in a changed space is a new state of generation 0).
    const auto attrs = study.storage().study(study.id()).system_attrs;
    std::map<int64_t, int64_t> state_of_generation;  // the last state of each generation
    const auto generation_of_state = [&](int64_t k) {
      return attrs.at(keys::cmaes_state(k)).at("cma").at("g").get<int64_t>();
    };
    for (int64_t k = 0; attrs.contains(keys::cmaes_state(k)); ++k)
      state_of_generation[generation_of_state(k)] = k;
    std::map<int64_t, int64_t> theirs;
    for (const auto& [number, g] :
         c.at("generation_of").get<std::vector<std::pair<int64_t, int64_t>>>())
      theirs[number] = g;
    for (const auto& t : study.trials()) {
      const auto it = t.system_attrs.find(keys::cmaes_state_index);
      if (!theirs.contains(t.number)) {
        EXPECT_TRUE(it == t.system_attrs.end())
            << name << ": trial " << t.number << " is a startup trial in Optuna";
      } else {
        ASSERT_TRUE(it != t.system_attrs.end()) << name << ": trial " << t.number;
        EXPECT_EQ(generation_of_state(it->get<int64_t>()), theirs.at(t.number))
            << name << ": trial " << t.number;
      }
    }
    // Every distribution Optuna stored, in [0, 1] units, its dimensions permuted to Parzen's
    // order (sorted by name).
    const auto names = c.at("names").get<std::vector<std::string>>();
    auto sorted = names;
    std::sort(sorted.begin(), sorted.end());
    const auto n = static_cast<Eigen::Index>(names.size());
    Matrix perm = Matrix::Zero(n, n);
    for (Eigen::Index i = 0; i < n; ++i)
      perm(i, std::find(names.begin(), names.end(), sorted[static_cast<size_t>(i)]) -
                  names.begin()) = 1;
    for (const auto& d : c.at("distributions")) {
      const int64_t g = d.at("generation");
      const std::string where = fmt::format("{}: generation {}", name, g);
      ASSERT_TRUE(state_of_generation.contains(g)) << where;
      const auto mine =
          cmaes::Cma::from_json(attrs.at(keys::cmaes_state(state_of_generation.at(g))).at("cma"));
      const Matrix bounds = mat(d.at("bounds"));
      const Vector range = bounds.col(1) - bounds.col(0);
      ASSERT_LT(range.maxCoeff() - range.minCoeff(), 1e-12) << where;  // one scale factor
      const Vector mean =
          perm * Vector((vec(d.at("mean")) - bounds.col(0)).array() / range.array());
      EXPECT_EQ(mine.generation(), g) << where;
      EXPECT_EQ(mine.population_size(), d.at("popsize").get<int64_t>()) << where;
      EXPECT_LT((mine.mean() - mean).cwiseAbs().maxCoeff(), 1e-10) << where;
      EXPECT_NEAR(mine.sigma(), d.at("sigma").get<double>() / range[0], 1e-10) << where;
      EXPECT_LT(max_abs_diff(mine.cov(), perm * mat(d.at("C")) * perm.transpose()), 1e-10) << where;
      ++compared;
    }
  }
  EXPECT_GE(compared, 10);
}
