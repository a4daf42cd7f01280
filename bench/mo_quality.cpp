// Multi-objective and constrained quality against Optuna 3.1 (Debian python3-optuna, through
// /usr/bin/python3, bench/optuna_mo_quality.py):
//
//  - median hypervolume of the feasible complete trials after --trials (200) evaluations over
//    --seeds (10) seeds on ZDT1, ZDT2, ZDT3, DTLZ2 (3 objectives), WFG4 (2 objectives) and the
//    constrained BNH, SRN, CONSTR, C2-DTLZ2 (bench/mo_functions.hpp), for Parzen's samplers by
//    registry name (--samplers; names the registry lacks are skipped, saying so) and Optuna's
//    TPESampler on a multi-objective study (its MOTPE) and NSGAIISampler; the best Parzen sampler
//    (by median) against the better Optuna one by a two-sided Mann-Whitney U test;
//  - median regret (best feasible value - constrained optimum) after 100 evaluations on Gardner 1
//    and 2: Parzen's TPE, multivariate TPE and GP (log constrained EI) against Optuna's TPE and
//    multivariate TPE, with the share of seeds whose regret is below 0.1 (the better island);
//  - the median milliseconds per trial of each Parzen sampler (sampling and evaluation, in
//    process; on a shared machine this includes its load).
//
// Both systems' hypervolumes and regrets are computed here, by parzen::multi_objective, from the
// values of the feasible trials each run returns.
//
//   bench_mo_quality [--trials 200] [--seeds 10] [--problems zdt1,bnh] [--samplers tpe,nsga2]
//                    [--constrained-samplers tpe,tpe-multivariate,gp,auto] [--no-optuna]
//                    [--optuna-rows FILE,...] [--parzen-rows FILE,...] [--only-rows] [--check]
//
// --samplers takes registry names, each optionally followed by +OPTION for boolean options set
// to true (tpe+multivariate) and +OPTION=TEXT for string options (tpe+constraints_method=optuna).
// --optuna-rows FILE reads Optuna's rows from FILE (JSON lines written by `optuna_mo_quality.py run
// ...`, e.g. an earlier run's) instead of running Optuna now.
// --parzen-rows FILE reads Parzen's rows from FILE (this program's own output: its JSON lines,
// the tables around them are skipped): a (problem, sampler, seed) found there is not run again,
// so a slow sampler's rows (the GP's) computed once can be tabled with the others; the pairs and
// seeds the files lack are run. Both options take several files (comma-separated or repeated);
// a (problem, sampler, seed) found twice keeps its first row.
// --check compares bench/mo_functions.hpp with the Python definitions at random points and exits.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include <time.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench_common.hpp"
#include "mo_functions.hpp"
#include "parzen/parzen.hpp"

using namespace parzen;

namespace {

// "name" or "name+option+option=text...": the registry's sampler with those boolean options set
// to true and those string options (option=text) set to text.
std::pair<std::string, nlohmann::json> parse_spec(const std::string& spec) {
  nlohmann::json options = nlohmann::json::object();
  size_t end = spec.find('+');
  const std::string name = spec.substr(0, end);
  while (end != std::string::npos) {
    const size_t next = spec.find('+', end + 1);
    const std::string item =
        spec.substr(end + 1, next == std::string::npos ? next : next - end - 1);
    const size_t eq = item.find('=');
    if (eq == std::string::npos)
      options[item] = true;
    else
      options[item.substr(0, eq)] = item.substr(eq + 1);
    end = next;
  }
  return {name, options};
}

std::shared_ptr<Sampler> sampler_by_name(const std::string& spec, nlohmann::json options,
                                         uint64_t seed) {
  auto [name, own] = parse_spec(spec);
  options.update(own);
  options["seed"] = seed;
  return make_sampler(name, options);
}

// CPU seconds of this process (all its threads), for the cost per trial beside the wall clock.
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Rows of JSON-lines files by (problem, sampler, seed), the first of duplicates kept; lines that
// are not JSON objects (the tables of this program's own output) are skipped, and so are rows of
// another system than `system` and seeds >= `seeds`. Exits the program on an unreadable file or a
// malformed row, naming the file and line.
using RowKey = std::tuple<std::string, std::string, int>;
std::map<RowKey, nlohmann::json> read_rows(const std::vector<std::string>& files,
                                           const std::string& system, int seeds) {
  std::map<RowKey, nlohmann::json> rows;
  for (const auto& file : files) {
    std::ifstream in(file);
    if (!in) {
      fmt::print(stderr, "cannot read {}\n", file);
      std::exit(2);
    }
    std::string line;
    int number = 0, kept = 0, duplicates = 0, beyond = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.empty() || line[0] != '{') continue;
      try {
        const auto row = nlohmann::json::parse(line);
        // Rows without a "system" key are Optuna's (older optuna_mo_quality.py output).
        if (row.value("system", std::string("optuna")) != system) continue;
        const int seed = row.at("seed").get<int>();
        if (seed >= seeds) {
          ++beyond;
          continue;
        }
        const bool fresh = rows.emplace(RowKey{row.at("problem").get<std::string>(),
                                               row.at("sampler").get<std::string>(), seed},
                                        row)
                               .second;
        fresh ? ++kept : ++duplicates;
      } catch (const nlohmann::json::exception& e) {
        fmt::print(stderr, "{}:{}: not a row of this benchmark: {}\n", file, number, e.what());
        std::exit(2);
      }
    }
    fmt::print(
        stderr, "{}: {} {} row(s) read{}{}\n", file, kept, system,
        duplicates ? fmt::format(", {} duplicate(s) of earlier rows skipped", duplicates) : "",
        beyond ? fmt::format(", {} of seeds >= --seeds skipped", beyond) : "");
  }
  return rows;
}

// " (n seeds)" when a method has other than the expected number of runs.
std::string seeds_note(size_t n, int seeds) {
  return n == static_cast<size_t>(seeds) ? "" : fmt::format(" ({} seeds)", n);
}

// The hypervolume of the feasible values.
double hypervolume_of(const std::vector<std::vector<double>>& values,
                      const std::vector<double>& reference) {
  if (values.empty()) return 0;
  return multi_objective::hypervolume(
      values, reference, std::vector<Direction>(reference.size(), Direction::Minimize));
}

std::vector<std::vector<double>> feasible_values(const Study& study) {
  std::vector<std::vector<double>> out;
  for (const auto& t : study.trials({TrialState::Complete}))
    if (t.feasible()) out.push_back(t.values);
  return out;
}

int check_functions() {
  std::mt19937_64 rng(1);
  int mismatches = 0;
  auto compare = [&](const std::string& name, const std::vector<double>& ours,
                     const std::vector<double>& x) {
    const auto rows =
        bench::run_json_lines(fmt::format("/usr/bin/python3 {}/optuna_mo_quality.py check {} '{}'",
                                          bench::bench_dir(), name, nlohmann::json(x).dump()));
    const auto theirs = rows.at(0).at("values").get<std::vector<double>>();
    bool same = theirs.size() == ours.size();
    for (size_t i = 0; same && i < ours.size(); ++i)
      same = std::abs(ours[i] - theirs[i]) <= 1e-12 * std::max(1.0, std::abs(ours[i]));
    if (!same) {
      ++mismatches;
      fmt::print("MISMATCH {} at {}: C++ {} Python {}\n", name, nlohmann::json(x).dump(),
                 nlohmann::json(ours).dump(), nlohmann::json(theirs).dump());
    }
  };
  for (const auto& p : bench::mo::problems())
    for (int k = 0; k < 3; ++k) {
      std::vector<double> x(p.n_params);
      for (size_t i = 0; i < x.size(); ++i) {
        const auto [low, high] = bench::mo::range_of(p, i);
        x[i] = std::uniform_real_distribution<double>(low, high)(rng);
      }
      compare(p.name, p.evaluate(x), x);
    }
  for (const auto& p : bench::mo::constrained_problems())
    for (int k = 0; k < 3; ++k) {
      std::vector<double> x = {std::uniform_real_distribution<double>(0, 6)(rng),
                               std::uniform_real_distribution<double>(0, 6)(rng)};
      compare(p.name, p.evaluate(x), x);
    }
  fmt::print("{} mismatch(es)\n", mismatches);
  return mismatches == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hypervolume and constrained regret of parzen and Optuna samplers"};
  int64_t n_trials = 200, n_trials_constrained = 100;
  int seeds = 10;
  std::vector<std::string> only, samplers = {"tpe", "nsga2", "nsga3", "random"};
  bool no_optuna = false, check = false;
  std::vector<std::string> optuna_rows, parzen_rows;
  app.add_option("--trials", n_trials, "evaluations per multi-objective run")
      ->capture_default_str();
  app.add_option("--constrained-trials", n_trials_constrained, "evaluations per Gardner run")
      ->capture_default_str();
  app.add_option("--seeds", seeds, "runs per method and problem")->capture_default_str();
  app.add_option("--problems", only, "restrict to these problems")->delimiter(',');
  app.add_option("--samplers", samplers, "parzen samplers by registry name")
      ->delimiter(',')
      ->capture_default_str();
  std::vector<std::string> constrained_only;
  app.add_option(
         "--constrained-samplers", constrained_only,
         "Parzen's samplers on Gardner 1 and 2 (tpe, tpe-multivariate, tpe-ctpe, "
         "tpe-multivariate-ctpe, tpe-optuna-rule, tpe-multivariate-optuna-rule, gp, or any "
         "registry sampler that handles constraints, e.g. auto; default: the labelled ones)")
      ->delimiter(',');
  app.add_flag("--no-optuna", no_optuna, "run parzen only");
  bool only_rows = false;
  app.add_flag("--only-rows", only_rows,
               "run nothing: table the rows of --parzen-rows and --optuna-rows only (a method "
               "with fewer seeds there is marked)");
  app.add_option("--optuna-rows", optuna_rows,
                 "read Optuna's rows from these JSON-lines files instead of running Optuna")
      ->delimiter(',');
  app.add_option("--parzen-rows", parzen_rows,
                 "read Parzen's rows from these files (this program's output) instead of running "
                 "those (problem, sampler, seed)s")
      ->delimiter(',');
  app.add_flag("--check", check, "compare the C++ and Python problem definitions and exit");
  CLI11_PARSE(app, argc, argv);
  if (check) return check_functions();

  auto wanted = [&](const std::string& name) {
    return only.empty() || std::find(only.begin(), only.end(), name) != only.end();
  };
  std::vector<std::string> parzen_samplers;
  for (const auto& name : samplers) {
    const auto* entry = find_sampler(parse_spec(name).first);
    if (!entry) {
      fmt::print(stderr, "skipping sampler '{}': this build's registry does not have it\n", name);
    } else if (!entry->capabilities.multi_objective) {
      fmt::print(stderr, "skipping sampler '{}': its registry entry models one objective\n", name);
    } else {
      parzen_samplers.push_back(name);
    }
  }

  // Optuna's rows: from the file, or by running Optuna now.
  std::map<std::tuple<std::string, std::string>, std::vector<nlohmann::json>> optuna;
  auto optuna_rows_for = [&](const std::string& problem, const std::string& sampler,
                             int64_t trials) -> const std::vector<nlohmann::json>& {
    auto& rows = optuna[{problem, sampler}];
    if (!rows.empty() || no_optuna || !optuna_rows.empty() || only_rows) return rows;
    std::string seed_list;
    for (int s = 0; s < seeds; ++s) seed_list += fmt::format(" {}", s);
    rows =
        bench::run_json_lines(fmt::format("/usr/bin/python3 {}/optuna_mo_quality.py run {} {} {}{}",
                                          bench::bench_dir(), problem, sampler, trials, seed_list));
    return rows;
  };
  if (!optuna_rows.empty())
    for (const auto& [key, row] : read_rows(optuna_rows, "optuna", seeds))
      optuna[{std::get<0>(key), std::get<1>(key)}].push_back(row);
  const std::map<RowKey, nlohmann::json> parzen_given = read_rows(parzen_rows, "parzen", seeds);
  // The rows of (problem, sampler) read from --parzen-rows, for the note on stderr.
  // A row read back must come from runs of the same length (rows without "trials", written
  // before it was recorded, are taken as they are).
  auto check_trials = [](const nlohmann::json& row, int64_t trials) {
    if (row.contains("trials") && row["trials"].get<int64_t>() != trials) {
      fmt::print(stderr,
                 "--parzen-rows: the row of {} on {} seed {} has {} trials, this run {}: give "
                 "--trials/--constrained-trials {} or other rows\n",
                 row.at("sampler").get<std::string>(), row.at("problem").get<std::string>(),
                 row.at("seed").get<int>(), row["trials"].get<int64_t>(), trials,
                 row["trials"].get<int64_t>());
      std::exit(2);
    }
  };
  auto note_given = [&](const std::string& problem, const std::string& sampler) {
    int n = 0;
    for (int s = 0; s < seeds; ++s) n += parzen_given.count({problem, sampler, s}) > 0;
    if (n > 0)
      fmt::print(stderr, "parzen {} on {}: {} of {} seeds from --parzen-rows{}\n", sampler, problem,
                 n, seeds,
                 n < seeds
                     ? (only_rows ? ", the others left out (--only-rows)" : ", running the others")
                     : "");
  };

  // ---- Multi-objective: hypervolume.
  std::map<std::string, std::map<std::string, std::vector<double>>> hv;      // problem -> method
  std::map<std::string, std::map<std::string, std::vector<double>>> ms;      // ms per trial
  std::map<std::string, std::map<std::string, std::vector<double>>> cpu_ms;  // CPU ms per trial
  std::vector<std::string> problems;
  std::vector<std::string> methods;
  for (const auto& s : parzen_samplers) methods.push_back("parzen " + s);
  const std::vector<std::string> optuna_samplers = {"tpe", "nsga2"};
  if (!no_optuna)
    for (const auto& s : optuna_samplers) methods.push_back("optuna " + s);

  for (const auto& p : bench::mo::problems()) {
    if (!wanted(p.name)) continue;
    problems.push_back(p.name);
    for (const auto& sampler : parzen_samplers) {
      note_given(p.name, sampler);
      for (int s = 0; s < seeds; ++s) {
        if (const auto given = parzen_given.find({p.name, sampler, s});
            given != parzen_given.end()) {
          const auto& row = given->second;
          check_trials(row, n_trials);
          hv[p.name]["parzen " + sampler].push_back(row.at("hypervolume").get<double>());
          if (row.contains("ms_per_trial"))
            ms[p.name]["parzen " + sampler].push_back(row["ms_per_trial"].get<double>());
          if (row.contains("cpu_ms_per_trial"))
            cpu_ms[p.name]["parzen " + sampler].push_back(row["cpu_ms_per_trial"].get<double>());
          std::cout << row.dump() << std::endl;
          continue;
        }
        if (only_rows) continue;
        auto study = Study::create(
            {.directions = std::vector<Direction>(bench::mo::n_objectives(p), Direction::Minimize),
             .sampler =
                 sampler_by_name(sampler, nlohmann::json::object(), static_cast<uint64_t>(s)),
             .log_level = LogLevel::Silent});
        const auto start = std::chrono::steady_clock::now();
        const double cpu_start = process_cpu_seconds();
        study.optimize([&p](Trial& t) { return bench::mo::run_trial(t, p); },
                       {.n_trials = n_trials});
        const double per_trial =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count() /
            static_cast<double>(n_trials);
        const double cpu_per_trial =
            1e3 * (process_cpu_seconds() - cpu_start) / static_cast<double>(n_trials);
        const double v = hypervolume_of(feasible_values(study), p.reference);
        hv[p.name]["parzen " + sampler].push_back(v);
        ms[p.name]["parzen " + sampler].push_back(per_trial);
        cpu_ms[p.name]["parzen " + sampler].push_back(cpu_per_trial);
        std::cout << nlohmann::json{{"system", "parzen"},
                                    {"sampler", sampler},
                                    {"problem", p.name},
                                    {"seed", s},
                                    {"hypervolume", v},
                                    {"ms_per_trial", per_trial},
                                    {"cpu_ms_per_trial", cpu_per_trial},
                                    {"trials", n_trials}}
                  << std::endl;
      }
    }
    if (no_optuna) continue;
    for (const auto& sampler : optuna_samplers)
      for (const auto& row : optuna_rows_for(p.name, sampler, n_trials)) {
        // optuna_mo_quality.py's rows carry the values; this program's echo of them (its own
        // output, read back) the hypervolume.
        const double v =
            row.contains("values")
                ? hypervolume_of(row["values"].get<std::vector<std::vector<double>>>(), p.reference)
                : row.at("hypervolume").get<double>();
        hv[p.name]["optuna " + sampler].push_back(v);
        std::cout << nlohmann::json{{"system", "optuna"},
                                    {"sampler", sampler},
                                    {"problem", p.name},
                                    {"seed", row.at("seed")},
                                    {"hypervolume", v}}
                  << std::endl;
      }
  }

  fmt::print(
      "\nHypervolume of the feasible trials after {} evaluations, {} seeds: median "
      "[interquartile range]; last column: Parzen's best sampler (by median) against "
      "Optuna's better one, two-sided Mann-Whitney U\n\n",
      n_trials, seeds);
  fmt::print("| problem | reference |");
  for (const auto& m : methods) fmt::print(" {} |", m);
  fmt::print(" best parzen vs better Optuna |\n|---|---|");
  for (size_t i = 0; i < methods.size(); ++i) fmt::print("---:|");
  fmt::print("---|\n");
  int at_least = 0, strictly = 0, compared = 0;
  for (const auto& name : problems) {
    const auto& p = *std::find_if(bench::mo::problems().begin(), bench::mo::problems().end(),
                                  [&](const auto& q) { return q.name == name; });
    fmt::print("| {} | ({}) |", name, fmt::join(p.reference, ", "));
    std::string best_parzen, best_optuna;
    for (const auto& m : methods) {
      const auto it = hv[name].find(m);
      if (it == hv[name].end() || it->second.empty()) {
        fmt::print(" — |");
        continue;
      }
      const auto& v = it->second;
      fmt::print(" {:.4g} [{:.4g}, {:.4g}]{} |", bench::quantile(v, 0.5), bench::quantile(v, 0.25),
                 bench::quantile(v, 0.75), seeds_note(v.size(), seeds));
      std::string& best = m.rfind("parzen", 0) == 0 ? best_parzen : best_optuna;
      if (best.empty() || bench::quantile(v, 0.5) > bench::quantile(hv[name][best], 0.5)) best = m;
    }
    if (best_parzen.empty() || best_optuna.empty()) {
      fmt::print(" — |\n");
      continue;
    }
    const auto& a = hv[name][best_parzen];
    const auto& b = hv[name][best_optuna];
    const auto [u, pvalue] = bench::mann_whitney(a, b);
    const bool ge = bench::quantile(a, 0.5) >= bench::quantile(b, 0.5);
    ++compared;
    at_least += ge;
    strictly += ge && pvalue < 0.05;
    fmt::print(" {} vs {}: {} (U = {:.0f}, p = {:.3g}) |\n", best_parzen, best_optuna,
               pvalue < 0.05 ? (ge ? "better" : "worse")
                             : (ge ? "higher median, tie" : "lower median, tie"),
               u, pvalue);
  }
  if (compared > 0)
    fmt::print(
        "\nParzen's best >= Optuna's better median on {} of {} problems; strictly better "
        "(p < 0.05) on {}.\n",
        at_least, compared, strictly);
  if (!problems.empty() && !parzen_samplers.empty()) {
    fmt::print(
        "\nParzen's median milliseconds per trial (whole run / {} trials): CPU of the process "
        "(wall clock); rows read from --parzen-rows may lack the CPU time (—)\n\n| problem |",
        n_trials);
    for (const auto& sampler : parzen_samplers) fmt::print(" {} |", sampler);
    fmt::print("\n|---|");
    for (size_t i = 0; i < parzen_samplers.size(); ++i) fmt::print("---:|");
    fmt::print("\n");
    auto median_or_dash = [](const std::vector<double>& v) {
      return v.empty() ? std::string("—") : fmt::format("{:.3g}", bench::quantile(v, 0.5));
    };
    for (const auto& name : problems) {
      fmt::print("| {} |", name);
      for (const auto& sampler : parzen_samplers)
        fmt::print(" {} ({}) |", median_or_dash(cpu_ms[name]["parzen " + sampler]),
                   median_or_dash(ms[name]["parzen " + sampler]));
      fmt::print("\n");
    }
  }

  // ---- Constrained single objective: regret.
  std::map<std::string, std::map<std::string, std::vector<double>>> regret;
  std::vector<std::string> functions;
  const std::vector<std::pair<std::string, nlohmann::json>> tpe_variants = {
      {"tpe", nlohmann::json::object()}, {"tpe-multivariate", {{"multivariate", true}}}};
  // Parzen's constrained samplers: label, registry name, options.
  // "tpe" is the registry's default (constraints_method "auto": c-TPE here); the "-ctpe" and
  // "-optuna-rule" labels name the method.
  std::vector<std::tuple<std::string, std::string, nlohmann::json>> constrained_samplers = {
      {"tpe", "tpe", nlohmann::json::object()},
      {"tpe-multivariate", "tpe", {{"multivariate", true}}},
      {"tpe-ctpe", "tpe", {{"constraints_method", "ctpe"}}},
      {"tpe-multivariate-ctpe", "tpe", {{"multivariate", true}, {"constraints_method", "ctpe"}}},
      {"tpe-optuna-rule", "tpe", {{"constraints_method", "optuna"}}},
      {"tpe-multivariate-optuna-rule",
       "tpe",
       {{"multivariate", true}, {"constraints_method", "optuna"}}}};
  if (const auto* gp = find_sampler("gp"); gp && gp->capabilities.constraints)
    constrained_samplers.emplace_back("gp", "gp", nlohmann::json::object());
  if (!constrained_only.empty()) {
    // Beyond the labelled ones: any registry sampler that handles constraints, by its name (auto).
    for (const auto& label : constrained_only)
      if (std::none_of(constrained_samplers.begin(), constrained_samplers.end(),
                       [&](const auto& c) { return std::get<0>(c) == label; })) {
        const auto* entry = find_sampler(label);
        if (!entry || !entry->capabilities.constraints) {
          fmt::print(stderr,
                     "--constrained-samplers: unknown '{}'; expected tpe, tpe-multivariate, "
                     "tpe-ctpe, tpe-multivariate-ctpe, tpe-optuna-rule, "
                     "tpe-multivariate-optuna-rule, gp or another registry sampler that handles "
                     "constraints\n",
                     label);
          return 2;
        }
        constrained_samplers.emplace_back(label, label, nlohmann::json::object());
      }
    std::erase_if(constrained_samplers, [&](const auto& c) {
      return std::find(constrained_only.begin(), constrained_only.end(), std::get<0>(c)) ==
             constrained_only.end();
    });
  }
  std::map<std::string, std::vector<double>> constrained_ms;
  for (const auto& p : bench::mo::constrained_problems()) {
    if (!wanted(p.name)) continue;
    functions.push_back(p.name);
    for (const auto& [label, name, options] : constrained_samplers) {
      note_given(p.name, label);
      for (int s = 0; s < seeds; ++s) {
        if (const auto given = parzen_given.find({p.name, label, s}); given != parzen_given.end()) {
          const auto& row = given->second;
          check_trials(row, n_trials_constrained);
          regret[p.name]["parzen " + label].push_back(row.at("regret").get<double>());
          if (row.contains("ms_per_trial"))
            constrained_ms[label].push_back(row["ms_per_trial"].get<double>());
          std::cout << row.dump() << std::endl;
          continue;
        }
        if (only_rows) continue;
        auto study =
            Study::create({.sampler = sampler_by_name(name, options, static_cast<uint64_t>(s)),
                           .log_level = LogLevel::Silent});
        const auto start = std::chrono::steady_clock::now();
        study.optimize(
            [&p](Trial& t) {
              const auto out =
                  p.evaluate({t.suggest_float("x0", 0, 6), t.suggest_float("x1", 0, 6)});
              t.set_constraints({out[1]});
              return out[0];
            },
            {.n_trials = n_trials_constrained});
        const double per_trial =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count() /
            static_cast<double>(n_trials_constrained);
        constrained_ms[label].push_back(per_trial);
        double best = std::numeric_limits<double>::infinity();
        for (const auto& v : feasible_values(study)) best = std::min(best, v[0]);
        // No infeasible trial is ever reported as best.
        if (std::isfinite(best) && !study.best_trial().feasible()) {
          fmt::print(stderr, "{} {} seed {}: best_trial is infeasible\n", label, p.name, s);
          return 1;
        }
        regret[p.name]["parzen " + label].push_back(best - p.optimum);
        std::cout << nlohmann::json{{"system", "parzen"},
                                    {"sampler", label},
                                    {"problem", p.name},
                                    {"seed", s},
                                    {"regret", best - p.optimum},
                                    {"ms_per_trial", per_trial},
                                    {"trials", n_trials_constrained}}
                  << std::endl;
      }
    }
    if (no_optuna) continue;
    for (const auto& [label, options] : tpe_variants)
      for (const auto& row : optuna_rows_for(p.name, label, n_trials_constrained)) {
        double best = std::numeric_limits<double>::infinity();
        for (const auto& v : row.at("values")) best = std::min(best, v.at(0).get<double>());
        regret[p.name]["optuna " + label].push_back(best - p.optimum);
      }
  }
  if (!functions.empty()) {
    std::vector<std::string> regret_methods;
    for (const auto& [label, name, options] : constrained_samplers)
      regret_methods.push_back("parzen " + label);
    if (!no_optuna)
      for (const auto& m : {"optuna tpe", "optuna tpe-multivariate"}) regret_methods.push_back(m);
    bool complete = true;
    for (const auto& f : functions)
      for (const auto& m : regret_methods) complete &= !regret[f][m].empty();
    fmt::print(
        "\nConstrained regret (best feasible value - optimum) after {} evaluations, {} "
        "seeds: median [interquartile range]\n\n",
        n_trials_constrained, seeds);
    if (!complete) {
      fmt::print("(Optuna rows missing for some problem: run without --optuna-rows)\n");
    } else if (no_optuna) {
      bench::print_regret_table(functions, regret_methods, regret);
    } else {
      bench::print_regret_table(functions, regret_methods, regret, "parzen tpe", "optuna tpe",
                                "parzen TPE vs Optuna TPE");
    }
    fmt::print("\nShare of seeds with regret < 0.1 (the better island)\n\n| function |");
    for (const auto& m : regret_methods) fmt::print(" {} |", m);
    fmt::print("\n|---|");
    for (size_t i = 0; i < regret_methods.size(); ++i) fmt::print("---:|");
    fmt::print("\n");
    for (const auto& f : functions) {
      fmt::print("| {} |", f);
      for (const auto& m : regret_methods) {
        const auto& v = regret[f][m];
        const auto hits = std::count_if(v.begin(), v.end(), [](double r) { return r < 0.1; });
        fmt::print(" {}/{} |", hits, v.size());
      }
      fmt::print("\n");
    }
    fmt::print("\nParzen's median ms per trial on the constrained problems:");
    for (const auto& [label, name, options] : constrained_samplers)
      fmt::print(" {} {};", label,
                 constrained_ms[label].empty()
                     ? std::string("—")
                     : fmt::format("{:.3g}", bench::quantile(constrained_ms[label], 0.5)));
    fmt::print("\n");
  }
  return 0;
}
