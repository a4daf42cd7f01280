#include "parzen/bohb_sampler.hpp"

#include <fmt/format.h>

#include "parzen/error.hpp"
#include "samplers/derived_view.hpp"

namespace parzen {

BohbSampler::BohbSampler(BohbSamplerOptions options) : options_(std::move(options)) {
  validate(options_);
  if (options_.min_points == 0)
    options_.min_points = std::max<int64_t>(2 * options_.tpe.n_startup_trials, 1);
}

std::vector<int64_t> BohbSampler::rungs(int64_t min_resource, int64_t max_resource,
                                        int64_t reduction_factor) {
  if (min_resource < 1 || max_resource < min_resource || reduction_factor < 2)
    throw InvalidArgument(
        fmt::format("rungs need 1 <= min_resource <= max_resource and "
                    "reduction_factor >= 2, got {}, {}, {}",
                    min_resource, max_resource, reduction_factor));
  std::vector<int64_t> out;
  for (int64_t b = min_resource; b < max_resource; b *= reduction_factor) out.push_back(b);
  out.push_back(max_resource);
  return out;
}

namespace {

bool reached(const FrozenTrial& t, int64_t budget) {
  return t.state != TrialState::Failed && t.intermediate_values.count(budget) != 0;
}

}  // namespace

int64_t BohbSampler::current_budget(const StudyView& view) {
  const size_t n_budgets = options_.budgets.size();
  if (view.lineage() != counted_lineage_ || view.study_id() != counted_study_) {
    counted_lineage_ = view.lineage();
    counted_study_ = view.study_id();
    counted_at_.clear();
    reached_.assign(n_budgets, {});
    n_reached_.assign(n_budgets, 0);
  }
  const auto& trials = view.trials();
  if (counted_at_.size() < trials.size()) {
    counted_at_.resize(trials.size(), 0);
    for (auto& r : reached_) r.resize(trials.size(), false);
  }
  for (size_t i = 0; i < trials.size(); ++i) {
    const uint64_t stamp = view.changed_at(i);
    if (stamp != 0 && stamp == counted_at_[i]) continue;
    for (size_t b = 0; b < n_budgets; ++b) {
      const bool now = reached(trials[i], options_.budgets[b]);
      if (now != reached_[b][i]) {
        n_reached_[b] += now ? 1 : -1;
        reached_[b][i] = now;
      }
    }
    counted_at_[i] = stamp;
  }
  for (size_t b = n_budgets; b-- > 0;)
    if (n_reached_[b] >= options_.min_points) return options_.budgets[b];
  return 0;
}

std::pair<Sampler*, const StudyView*> BohbSampler::model(const StudyView& view) {
  const int64_t budget = current_budget(view);
  Model& m = models_[budget];
  if (!m.tpe) {
    m.tpe = TpeSampler::make(options_.tpe);
    m.view = std::make_shared<internal::DerivedView>();
  }
  if (budget == 0) return {m.tpe.get(), &view};
  // Each trial as an observation at the budget: complete with its value there once it has
  // reported it (a value that never changes afterwards, so the TPE may ingest it once), else a
  // placeholder. Intermediate values and attributes stay out of the copy.
  const StudyView& at_budget = m.view->sync(view, [budget](const FrozenTrial& t) {
    FrozenTrial o;
    o.number = t.number;
    o.id = t.id;
    auto it = t.intermediate_values.find(budget);
    if (t.state != TrialState::Failed && it != t.intermediate_values.end()) {
      o.state = TrialState::Complete;
      o.values = {it->second};
      o.params = t.params;
      o.distributions = t.distributions;
    } else {
      o.state = t.state == TrialState::Running ? TrialState::Running : TrialState::Waiting;
      if (o.state == TrialState::Running) {
        o.params = t.params;
        o.distributions = t.distributions;
      }
    }
    return o;
  });
  return {m.tpe.get(), &at_budget};
}

SearchSpace BohbSampler::infer_relative_space(const StudyView& view, const FrozenTrial& trial) {
  auto [tpe, v] = model(view);
  return tpe->infer_relative_space(*v, trial);
}

std::map<std::string, double> BohbSampler::sample_relative(const StudyView& view,
                                                           const FrozenTrial& trial,
                                                           const SearchSpace& space) {
  auto [tpe, v] = model(view);
  return tpe->sample_relative(*v, trial, space);
}

double BohbSampler::sample_independent(const StudyView& view, const FrozenTrial& trial,
                                       const std::string& name, const Distribution& distribution) {
  auto [tpe, v] = model(view);
  return tpe->sample_independent(*v, trial, name, distribution);
}

}  // namespace parzen
