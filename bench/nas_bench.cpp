// The NAS example's search comparison on the precomputed table (examples/nas/table.csv):
// regularized evolution, TPE and random search look architectures up instead of training them.
// For each strategy and seed, a study of --budget trials maximises the table's accuracy; the
// figure is the number of evaluations until the first architecture of the table's top 1 % (by
// mean accuracy over the table's seeds). Prints the median [IQR] per strategy, the share of
// runs that got there, and two-sided Mann-Whitney p-values against random search.
//
//   bench_nas [--table examples/nas/table.csv] [--seeds 20] [--budget 200]
//             [--objective mean|seed] [--population 10] [--sample 3] [--mutation-prob 0.05]
//             [--check-median 40]
//
// --objective seed: a trial's value is one seed's accuracy (drawn per trial), as a live
// training's would be, instead of the mean over seeds; the target stays the mean's top 1 %.
// --check-median N: exit 1 unless evolution and TPE reach the target in a median <= N
// evaluations and evolution beats random search (p < 0.05; TPE's p is printed, not checked);
// the CTest test bench.nas_search runs it.

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <random>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench_common.hpp"
#include "nas_table.hpp"
#include "parzen/parzen.hpp"

using namespace parzen;

int main(int argc, char** argv) {
  CLI::App app{"Regularized evolution, TPE and random search on the NAS example's table"};
  std::string table_path = std::string(PARZEN_BENCH_DIR) + "/../examples/nas/table.csv";
  int seeds = 20, budget = 200;
  std::string objective_kind = "mean";
  int64_t population = 10, sample = 3;
  double mutation_prob = 0.05, fraction = 0.01;
  std::optional<double> check_median;
  app.add_option("--table", table_path, "the table (CSV)");
  app.add_option("--seeds", seeds, "runs per strategy")->check(CLI::PositiveNumber);
  app.add_option("--budget", budget, "trials per run")->check(CLI::PositiveNumber);
  app.add_option("--objective", objective_kind, "mean: mean accuracy; seed: one seed's draw")
      ->check(CLI::IsMember({"mean", "seed"}));
  app.add_option("--population", population, "regularized evolution's population_size");
  app.add_option("--sample", sample, "regularized evolution's sample_size");
  app.add_option("--mutation-prob", mutation_prob, "regularized evolution's mutation_prob");
  app.add_option("--top", fraction, "the target: this top fraction of the table")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--check-median", check_median,
                 "exit 1 unless evolution and TPE reach the target in a median <= this and "
                 "evolution beats random (p < 0.05)");
  CLI11_PARSE(app, argc, argv);

  try {
    const nas::Table table(table_path);
    const double target = table.top_threshold(fraction);
    size_t in_top = 0;
    for (const auto& [a, e] : table.entries()) in_top += e.mean_accuracy() >= target;
    fmt::print(
        "NAS table {}: {} architectures; top {:g} %: mean accuracy >= {:.4f} ({} architectures); "
        "{} seeds x {} trials, objective = {}\n",
        table_path, table.size(), 100 * fraction, target, in_top, seeds, budget, objective_kind);

    const std::vector<std::string> methods = {"regularized_evolution", "tpe", "random"};
    const auto make = [&](const std::string& m, uint64_t seed) -> std::shared_ptr<Sampler> {
      if (m == "regularized_evolution")
        return RegularizedEvolutionSampler::make({.population_size = population,
                                                  .sample_size = sample,
                                                  .mutation_prob = mutation_prob,
                                                  .seed = seed});
      if (m == "tpe") return TpeSampler::make({.seed = seed});
      return RandomSampler::make({.seed = seed});
    };
    std::map<std::string, std::vector<double>> evaluations;
    std::map<std::string, int> reached;
    for (const auto& m : methods) {
      for (int s = 0; s < seeds; ++s) {
        const uint64_t seed = 1000 + static_cast<uint64_t>(s);
        auto study = Study::create({.name = "nas",
                                    .directions = {Direction::Maximize},
                                    .sampler = make(m, seed),
                                    .log_level = LogLevel::Silent});
        double first = std::numeric_limits<double>::infinity();
        for (int n = 0; n < budget; ++n) {
          auto trial = study.ask();
          const nas::Architecture a = nas::suggest(trial);
          const nas::Entry& e = table.at(a);  // throws for an architecture outside the table
          double value = e.mean_accuracy();
          if (objective_kind == "seed") {
            std::mt19937_64 draw(seed * 1000003 + static_cast<uint64_t>(trial.number()));
            value = e.accuracy[draw() % e.accuracy.size()];
          }
          study.tell(trial, value);
          if (e.mean_accuracy() >= target) {
            first = n + 1;
            break;
          }
        }
        evaluations[m].push_back(first);
        reached[m] += std::isfinite(first);
      }
    }

    fmt::print(
        "\n| strategy | evaluations to the top {:g} %: median [IQR] | reached within {} "
        "| vs random (Mann-Whitney, two-sided) |\n|---|---:|---:|---|\n",
        100 * fraction, budget);
    bool ok = true;
    for (const auto& m : methods) {
      const auto& v = evaluations.at(m);
      const double median = bench::quantile(v, 0.5);
      std::string versus = "-";
      if (m != "random") {
        const auto [u, p] = bench::mann_whitney(v, evaluations.at("random"));
        const bool fewer = median < bench::quantile(evaluations.at("random"), 0.5);
        versus = fmt::format(
            "{} (U = {:.0f}, p = {:.2g})",
            p < 0.05 ? (fewer ? "fewer evaluations" : "more evaluations") : "tie (p >= 0.05)", u,
            p);
        // The check: both medians within the goal; evolution also beats random (p < 0.05).
        // TPE's p-value is printed, not checked: at 20 seeds it sits near 0.05 (see
        // docs/benchmarks.md), and a test must not hinge on a coin's edge.
        if (check_median && median > *check_median) ok = false;
        if (check_median && m == "regularized_evolution" && (p >= 0.05 || !fewer)) ok = false;
      }
      fmt::print("| {} | {:g} [{:g}, {:g}] | {}/{} | {} |\n", m, median, bench::quantile(v, 0.25),
                 bench::quantile(v, 0.75), reached.at(m), seeds, versus);
    }
    if (check_median && !ok) {
      fmt::print(stderr,
                 "bench_nas: the goal (medians <= {:g}, evolution beating random with p < "
                 "0.05) is not met\n",
                 *check_median);
      return 1;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_nas: {}\n", e.what());
    return 1;
  }
  return 0;
}
