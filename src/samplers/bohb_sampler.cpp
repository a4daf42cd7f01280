#include "parzen/bohb_sampler.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "parzen/error.hpp"
#include "parzen/pruners.hpp"
#include "registry/option_check.hpp"
#include "samplers/derived_view.hpp"

namespace parzen {

using internal::check_option;

void validate(const BohbSamplerOptions& o) {
  const std::string budgets = fmt::format("[{}]", fmt::join(o.budgets, ", "));
  check_option(!o.budgets.empty(), "BohbSampler", "budgets", budgets,
               "must list at least one step");
  for (size_t i = 0; i < o.budgets.size(); ++i)
    check_option(o.budgets[i] >= 0 && (i == 0 || o.budgets[i] > o.budgets[i - 1]), "BohbSampler",
                 "budgets", budgets, "must be non-negative and strictly ascending");
  check_option(o.min_points >= 0, "BohbSampler", "min_points", o.min_points, "must be >= 0");
  validate(o.tpe);
}

struct BohbSampler::Impl {
  struct Model {
    std::shared_ptr<TpeSampler> tpe;
    std::shared_ptr<internal::DerivedView> view;
  };
  std::map<int64_t, Model> models{};
  // For current_budget: the view they come from, when each trial was last counted, whether it
  // had reached each budget then, and how many had.
  uint64_t counted_lineage = 0;
  StudyId counted_study = 0;
  std::vector<uint64_t> counted_at{};
  std::vector<std::vector<bool>> reached{};
  std::vector<int64_t> n_reached{};
};

BohbSampler::BohbSampler(BohbSamplerOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  validate(options_);
  if (options_.min_points == 0)
    options_.min_points = std::max<int64_t>(2 * options_.tpe.n_startup_trials, 1);
}

BohbSampler::~BohbSampler() = default;

void BohbSampler::check_pruner(const Pruner& pruner) const {
  const auto* hb = dynamic_cast<const HyperbandPruner*>(&pruner);
  if (!hb || !hb->options().max_resource) return;
  const auto& h = hb->options();
  const auto expected = rungs(h.min_resource, *h.max_resource, h.reduction_factor);
  if (expected == options_.budgets) return;
  throw InvalidArgument(fmt::format(
      "BohbSampler: budgets = [{}] are not the rungs [{}] of the study's HyperbandPruner "
      "(min_resource = {}, max_resource = {}, reduction_factor = {}); make the sampler with "
      "budgets = BohbSampler::rungs({}, {}, {}) for this pruner",
      fmt::join(options_.budgets, ", "), fmt::join(expected, ", "), h.min_resource, *h.max_resource,
      h.reduction_factor, h.min_resource, *h.max_resource, h.reduction_factor));
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
  Impl& c = *impl_;
  if (view.lineage() != c.counted_lineage || view.study_id() != c.counted_study) {
    c.counted_lineage = view.lineage();
    c.counted_study = view.study_id();
    c.counted_at.clear();
    c.reached.assign(n_budgets, {});
    c.n_reached.assign(n_budgets, 0);
  }
  const auto& trials = view.trials();
  if (c.counted_at.size() < trials.size()) {
    c.counted_at.resize(trials.size(), 0);
    for (auto& r : c.reached) r.resize(trials.size(), false);
  }
  for (size_t i = 0; i < trials.size(); ++i) {
    const uint64_t stamp = view.changed_at(i);
    if (stamp != 0 && stamp == c.counted_at[i]) continue;
    for (size_t b = 0; b < n_budgets; ++b) {
      const bool now = reached(trials[i], options_.budgets[b]);
      if (now != c.reached[b][i]) {
        c.n_reached[b] += now ? 1 : -1;
        c.reached[b][i] = now;
      }
    }
    c.counted_at[i] = stamp;
  }
  for (size_t b = n_budgets; b-- > 0;)
    if (c.n_reached[b] >= options_.min_points) return options_.budgets[b];
  return 0;
}

std::pair<Sampler*, const StudyView*> BohbSampler::model(const StudyView& view) {
  const int64_t budget = current_budget(view);
  Impl::Model& m = impl_->models[budget];
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
