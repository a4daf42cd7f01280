// Milliseconds per trial of a study whose one parameter is a categorical with many choices (a
// vocabulary, feature ids, seeds: issue 20 finding 6), parzen's RandomSampler and TPE beside
// Optuna 3.1's (Debian python3-optuna through /usr/bin/python3, in the same run). Each
// measurement runs `--trials` trials of a fresh in-memory study; the first is a warm-up, the rest
// are timed (wall and this process's CPU time; Optuna's CPU time is its own process's).
//
//   bench_categorical_suggest [--sizes 2000,8000,20000,100000] [--trials 30] [--no-optuna]

#include <ctime>

#include <chrono>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench_common.hpp"
#include "parzen/parzen.hpp"

using namespace parzen;

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Figure {
  double wall_ms = 0, cpu_ms = 0;
};

Figure parzen_ms_per_trial(const std::string& sampler, int64_t n, int trials) {
  std::vector<int64_t> choices(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) choices[static_cast<size_t>(i)] = i;
  auto study = Study::create(
      {.sampler = sampler == "random" ? std::shared_ptr<Sampler>(RandomSampler::make({.seed = 1}))
                                      : std::shared_ptr<Sampler>(TpeSampler::make({.seed = 1})),
       .log_level = LogLevel::Silent});
  const auto objective = [&](Trial& t) {
    return static_cast<double>(t.suggest_categorical("w", choices) % 997);
  };
  study.optimize(objective, {.n_trials = 1});  // warm-up
  const auto w0 = std::chrono::steady_clock::now();
  const double c0 = cpu_seconds();
  study.optimize(objective, {.n_trials = trials - 1});
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  return {wall * 1e3 / (trials - 1), (cpu_seconds() - c0) * 1e3 / (trials - 1)};
}

Figure optuna_ms_per_trial(const std::string& sampler, int64_t n, int trials) {
  const std::string script = fmt::format(
      R"(import json, time, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
ch = list(range({n}))
s = optuna.samplers.{cls}(seed=1)
st = optuna.create_study(sampler=s)
f = lambda t: float(t.suggest_categorical("w", ch) % 997)
st.optimize(f, n_trials=1)
w, c = time.perf_counter(), time.process_time()
st.optimize(f, n_trials={k})
print(json.dumps(dict(wall_ms=(time.perf_counter() - w) * 1e3 / {k}, cpu_ms=(time.process_time() - c) * 1e3 / {k}))))",
      fmt::arg("n", n), fmt::arg("cls", sampler == "random" ? "RandomSampler" : "TPESampler"),
      fmt::arg("k", trials - 1));
  const auto lines = bench::run_json_lines("/usr/bin/python3 -c '" + script + "'");
  if (lines.empty()) throw std::runtime_error("the Optuna side printed nothing");
  return {lines.back().at("wall_ms").get<double>(), lines.back().at("cpu_ms").get<double>()};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ms per trial of a categorical with many choices, parzen beside Optuna"};
  std::vector<int64_t> sizes{2000, 8000, 20000, 100000};
  int trials = 30;
  bool no_optuna = false;
  app.add_option("--sizes", sizes, "numbers of choices")->delimiter(',');
  app.add_option("--trials", trials, "trials per measurement (the first is a warm-up)")
      ->check(CLI::Range(2, 100000));
  app.add_flag("--no-optuna", no_optuna, "parzen only");
  CLI11_PARSE(app, argc, argv);
  fmt::print("{:>8}  {:>7}  {:>22}  {:>22}\n", "choices", "sampler", "parzen ms/trial wall/cpu",
             "optuna ms/trial wall/cpu");
  for (const int64_t n : sizes)
    for (const std::string sampler : {"random", "tpe"}) {
      const Figure p = parzen_ms_per_trial(sampler, n, trials);
      std::string peer = "-";
      if (!no_optuna) {
        const Figure o = optuna_ms_per_trial(sampler, n, trials);
        peer = fmt::format("{:.2f} / {:.2f}", o.wall_ms, o.cpu_ms);
      }
      fmt::print("{:>8}  {:>7}  {:>22}  {:>22}\n", n, sampler,
                 fmt::format("{:.2f} / {:.2f}", p.wall_ms, p.cpu_ms), peer);
      std::fflush(stdout);
    }
}
