#include "parzen/importance.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "importance/importance_internal.hpp"
#include "parzen/error.hpp"
#include "parzen/study.hpp"

namespace parzen {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void check(const ImportanceOptions& o) {
  if (!(o.baseline_quantile >= 0 && o.baseline_quantile <= 1))
    throw InvalidArgument("importance: baseline_quantile = " + std::to_string(o.baseline_quantile) +
                          ", must be in [0, 1]");
  if (!(o.prior_weight > 0 && std::isfinite(o.prior_weight)))
    throw InvalidArgument("importance: prior_weight = " + std::to_string(o.prior_weight) +
                          ", must be > 0 and finite");
  if (o.n_steps < 2)
    throw InvalidArgument("importance: n_steps = " + std::to_string(o.n_steps) + ", must be >= 2");
  if (o.n_trees < 1)
    throw InvalidArgument("importance: n_trees = " + std::to_string(o.n_trees) + ", must be >= 1");
  if (o.max_depth < 1)
    throw InvalidArgument("importance: max_depth = " + std::to_string(o.max_depth) +
                          ", must be >= 1");
}

// The internal value of a parameter without to_internal's checks (the storage checked the value
// when the trial was written): a float's own value, an integer's, a choice's index.
double fast_internal(const Distribution& d, const ParamValue& v, const FrozenTrial& t,
                     const std::string& name) {
  if (std::holds_alternative<FloatDistribution>(d)) {
    if (const auto* x = std::get_if<double>(&v)) return *x;
  } else if (std::holds_alternative<IntDistribution>(d)) {
    if (const auto* x = std::get_if<int64_t>(&v)) return static_cast<double>(*x);
  } else {
    const auto& choices = std::get<CategoricalDistribution>(d).choices;
    for (size_t i = 0; i < choices.size(); ++i)
      if (choices[i] == v) return static_cast<double>(i);
  }
  return t.internal_param(name);
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

}  // namespace

std::string_view to_string(ImportanceEvaluator evaluator) {
  return evaluator == ImportanceEvaluator::Fanova ? "fanova" : "ped-anova";
}

ImportanceEvaluator importance_evaluator_from_string(std::string_view name) {
  const std::string n = lower(name);
  if (n == "ped-anova" || n == "ped_anova" || n == "pedanova") return ImportanceEvaluator::PedAnova;
  if (n == "fanova") return ImportanceEvaluator::Fanova;
  throw InvalidArgument("unknown importance evaluator '" + std::string(name) +
                        "': use ped-anova (the default) or fanova");
}

ParamImportances param_importances(const std::vector<FrozenTrial>& trials,
                                   const std::vector<Direction>& directions,
                                   const ImportanceOptions& options) {
  check(options);
  if (directions.empty()) throw InvalidArgument("importance: the study has no directions");
  if (options.objective >= directions.size())
    throw InvalidArgument(
        "importance: objective index " + std::to_string(options.objective) +
        " is out of range: the study has " + std::to_string(directions.size()) +
        (directions.size() == 1
             ? " objective (index 0)"
             : " objectives (indices 0 to " + std::to_string(directions.size() - 1) + ")"));
  std::vector<const FrozenTrial*> complete;
  for (const auto& t : trials)
    if (t.state == TrialState::Complete && t.values.size() == directions.size() &&
        std::isfinite(t.values[options.objective]))
      complete.push_back(&t);
  if (complete.size() < 2)
    throw InvalidArgument("importance needs at least 2 complete trials, the study has " +
                          std::to_string(complete.size()));

  // The parameters to evaluate, with their distributions.
  std::map<std::string, Distribution> space;
  if (options.params.empty()) {
    // The intersection search space: the parameters every complete trial has, with one
    // distribution.
    space = complete.front()->distributions;
    for (const auto* t : complete) {
      auto found = t->distributions.begin();
      for (auto it = space.begin(); it != space.end();) {
        while (found != t->distributions.end() && found->first < it->first) ++found;
        if (found == t->distributions.end() || found->first != it->first ||
            !(found->second == it->second))
          it = space.erase(it);
        else
          ++it;
      }
    }
    if (space.empty())
      throw InvalidArgument(
          "importance: no parameter is common to every complete trial (a conditional search "
          "space); name the parameters to evaluate (--params / params=[...]): each is then "
          "measured on the trials that have all of them");
  } else {
    const std::set<std::string> wanted(options.params.begin(), options.params.end());
    if (wanted.size() != options.params.size())
      throw InvalidArgument("importance: a parameter is named twice in params: " +
                            join(options.params));
    for (const auto& p : wanted) {
      const bool seen = std::any_of(complete.begin(), complete.end(), [&](const FrozenTrial* t) {
        return t->distributions.count(p) > 0;
      });
      if (!seen) {
        std::set<std::string> known;
        for (const auto* t : complete)
          for (const auto& [name, d] : t->distributions) known.insert(name);
        throw InvalidArgument("importance: no complete trial has the parameter '" + p +
                              "' (check its spelling); the complete trials' parameters: " +
                              join(std::vector<std::string>(known.begin(), known.end())));
      }
    }
    std::vector<const FrozenTrial*> having;
    for (const auto* t : complete) {
      if (!std::all_of(wanted.begin(), wanted.end(),
                       [&](const std::string& p) { return t->distributions.count(p) > 0; }))
        continue;
      for (const auto& p : wanted) {
        const auto& d = t->distributions.at(p);
        const auto [it, fresh] = space.emplace(p, d);
        if (!fresh && !(it->second == d))
          throw InvalidArgument("importance: the parameter '" + p +
                                "' has different distributions in different trials (" +
                                describe(it->second) + " and " + describe(d) +
                                "); its importance cannot be assessed over a changed search space");
      }
      having.push_back(t);
    }
    if (having.size() < 2)
      throw InvalidArgument("importance needs at least 2 complete trials that have every one of " +
                            join(options.params) + "; the study has " +
                            std::to_string(having.size()));
    complete = std::move(having);
  }

  importance::Data data;
  data.lower_is_better = directions[options.objective] == Direction::Minimize;
  std::vector<std::string> single;
  std::vector<int> slot;  // per parameter of `space`: its column, or -1 (single-valued)
  for (const auto& [name, d] : space) {
    if (is_single(d)) {
      single.push_back(name);
      slot.push_back(-1);
      continue;
    }
    slot.push_back(static_cast<int>(data.names.size()));
    data.names.push_back(name);
    data.distributions.push_back(d);
    data.columns.emplace_back().reserve(complete.size());
  }
  // Walk each trial's parameters beside the space: both are ordered by name.
  for (const auto* t : complete) {
    auto it = t->params.begin();
    size_t k = 0;
    for (const auto& [name, d] : space) {
      const int column = slot[k++];
      if (column < 0) continue;
      while (it != t->params.end() && it->first < name) ++it;
      if (it == t->params.end() || it->first != name)
        throw InvalidArgument("importance: trial " + std::to_string(t->number) +
                              " has no value for its parameter '" + name + "'");
      data.columns[static_cast<size_t>(column)].push_back(fast_internal(d, it->second, *t, name));
    }
  }
  data.values.reserve(complete.size());
  for (const auto* t : complete) data.values.push_back(t->values[options.objective]);

  ParamImportances result;
  if (!data.names.empty()) {
    std::vector<double> raw = options.evaluator == ImportanceEvaluator::Fanova
                                  ? importance::fanova(data, options)
                                  : importance::ped_anova(data, options);
    double sum = 0;
    for (double& v : raw) {
      if (!(v > 0) || !std::isfinite(v)) v = 0;
      sum += v;
    }
    const double n = static_cast<double>(raw.size());
    for (size_t i = 0; i < raw.size(); ++i)
      result.emplace_back(data.names[i], sum > 0 ? raw[i] / sum : 1.0 / n);
  }
  for (const auto& name : single) result.emplace_back(name, 0.0);
  std::stable_sort(result.begin(), result.end(), [](const auto& a, const auto& b) {
    if (a.second != b.second) return a.second > b.second;
    return a.first < b.first;
  });
  return result;
}

ParamImportances param_importances(const Study& study, const ImportanceOptions& options) {
  return param_importances(study.trials(), study.directions(), options);
}

}  // namespace parzen
