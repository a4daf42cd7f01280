#include "cli/importance.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/run.hpp"
#include "parzen/error.hpp"
#include "parzen/importance.hpp"
#include "parzen/storage.hpp"

namespace parzen::cli {
namespace {

size_t objective_index(const std::string& text, const std::vector<std::string>& metrics) {
  if (text.empty()) return 0;
  for (size_t i = 0; i < metrics.size(); ++i)
    if (metrics[i] == text) return i;
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      text.size() < 10) {
    const auto i = static_cast<size_t>(std::stoul(text));
    if (i < metrics.size()) return i;
  }
  std::string known;
  for (size_t i = 0; i < metrics.size(); ++i)
    known += fmt::format("{}{} ({})", i ? ", " : "", i, metrics[i]);
  throw InvalidArgument(
      fmt::format("--objective {}: the study has no such objective; use one of {}", text, known));
}

// A bar of `fraction` x `width` cells, in eighths of a cell.
std::string bar(double fraction, int width) {
  static const char* const kEighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
  const auto eighths = static_cast<long>(std::lround(std::clamp(fraction, 0.0, 1.0) * width * 8));
  std::string out;
  for (long i = 0; i < eighths / 8; ++i) out += "█";
  out += kEighths[eighths % 8];
  return out;
}

}  // namespace

int cmd_importance(const ImportanceArgs& a) {
  ImportanceOptions o;
  o.evaluator = importance_evaluator_from_string(a.evaluator);
  o.params = a.params;
  o.baseline_quantile = a.baseline_quantile;
  o.evaluate_on_local = !a.global;
  o.n_trees = a.n_trees;
  o.max_depth = a.max_depth;
  o.seed = a.seed;

  auto storage = open_existing_storage(a.storage);
  const auto id = storage->find_study(a.study);
  if (!id) {
    std::string known;
    for (const auto& s : storage->studies()) known += (known.empty() ? "" : ", ") + s.name;
    throw NotFound(
        fmt::format("no study '{}' in {}{}", a.study, redact_storage_url(a.storage),
                    known.empty() ? " (it holds no studies)" : "; its studies: " + known));
  }
  const StudyInfo info = storage->study(*id);
  const auto metrics = metric_names(info);
  o.objective = objective_index(a.objective, metrics);
  const auto trials = storage->trials(info.id);
  ParamImportances result;
  try {
    result = param_importances(trials, info.directions, o);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(fmt::format("study '{}': {}", a.study, e.what()));
  }

  // The parameters some complete trial has that were not evaluated (conditional ones, or ones
  // whose range changed), to say so.
  std::set<std::string> evaluated, left_out;
  for (const auto& [name, v] : result) evaluated.insert(name);
  size_t n_complete = 0;
  for (const auto& t : trials) {
    if (t.state != TrialState::Complete) continue;
    ++n_complete;
    for (const auto& [name, d] : t.distributions)
      if (!evaluated.count(name)) left_out.insert(name);
  }
  // The trials used: complete ones that have every evaluated parameter.
  size_t n_used = 0;
  for (const auto& t : trials)
    if (t.state == TrialState::Complete &&
        std::all_of(evaluated.begin(), evaluated.end(),
                    [&](const std::string& p) { return t.params.count(p) > 0; }))
      ++n_used;

  // What the ranking cannot show by itself, said on stderr (the table or JSON stays on stdout):
  // several objectives with none chosen, and values that do not vary at all.
  if (a.objective.empty() && info.directions.size() > 1) {
    std::string others;
    for (size_t i = 1; i < metrics.size(); ++i)
      others += fmt::format("{}{} ({})", i > 1 ? ", " : "", i, metrics[i]);
    fmt::print(stderr,
               "parzen: note: study '{}' has {} objectives; this ranks objective 0 ({}). "
               "--objective {} ranks another\n",
               info.name, info.directions.size(), metrics[0], others);
  }
  {
    std::optional<double> low, high;
    for (const auto& t : trials) {
      if (t.state != TrialState::Complete || t.values.size() <= o.objective) continue;
      const double v = t.values[o.objective];
      if (!std::isfinite(v)) continue;
      low = low ? std::min(*low, v) : v;
      high = high ? std::max(*high, v) : v;
    }
    if (low && *low == *high)
      fmt::print(stderr,
                 "parzen: warning: every complete trial of study '{}' has the same {} ({:g}): no "
                 "parameter makes a difference, and the shares below are equal by convention, "
                 "not measured\n",
                 info.name, metrics[o.objective], *low);
  }

  if (a.json) {
    nlohmann::ordered_json j;
    j["study"] = info.name;
    j["evaluator"] = std::string(to_string(o.evaluator));
    j["objective"] = o.objective;
    j["metric"] = metrics[o.objective];
    j["direction"] = std::string(to_string(info.directions[o.objective]));
    j["n_trials"] = n_used;
    nlohmann::ordered_json imp = nlohmann::ordered_json::object();
    for (const auto& [name, v] : result) imp[name] = v;
    j["importances"] = imp;
    j["left_out"] = std::vector<std::string>(left_out.begin(), left_out.end());
    fmt::print("{}\n", j.dump(2));
    return 0;
  }

  fmt::print("Study:      {}\n", info.name);
  fmt::print("Objective:  {} ({})\n", metrics[o.objective],
             to_string(info.directions[o.objective]));
  if (o.evaluator == ImportanceEvaluator::PedAnova)
    fmt::print("Evaluator:  ped-anova (what matters to reach the top {:g} %, {})\n",
               100 * o.baseline_quantile,
               o.evaluate_on_local ? "within the region the trials explored"
                                   : "within the whole search space");
  else
    fmt::print("Evaluator:  fanova ({} trees, seed {})\n", o.n_trees, o.seed);
  fmt::print("Trials:     {} of {} complete\n\n", n_used, n_complete);

  size_t name_width = std::string("parameter").size();
  for (const auto& [name, v] : result) name_width = std::max(name_width, name.size());
  const double top = result.empty() ? 0.0 : result.front().second;
  fmt::print("{:<4}  {:<{}}  {:>10}\n", "rank", "parameter", name_width, "importance");
  for (size_t i = 0; i < result.size(); ++i) {
    const auto& [name, v] = result[i];
    // Bars scaled to the largest importance, 40 cells wide.
    fmt::print("{:<4}  {:<{}}  {:>10.4f}  {}\n", i + 1, name, name_width, v,
               bar(top > 0 ? v / top : 0.0, 40));
  }
  if (!left_out.empty() && a.params.empty()) {
    std::string names;
    for (const auto& n : left_out) names += (names.empty() ? "" : ", ") + n;
    fmt::print(
        "\nNot evaluated (not in every complete trial with one range): {}. Name parameters with "
        "--params to measure them on the trials that have them.\n",
        names);
  }
  return 0;
}

}  // namespace parzen::cli
