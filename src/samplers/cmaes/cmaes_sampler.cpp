// CmaEsSampler: see include/parzen/cmaes_sampler.hpp for the rules, cma.hpp for the optimizer.

#include <algorithm>
#include <cmath>
#include <mutex>
#include <random>
#include <set>

#include <fmt/format.h>

#include "math/seed.hpp"
#include "parzen/cmaes_sampler.hpp"
#include "parzen/system_attrs.hpp"
#include "registry/option_check.hpp"
#include "samplers/cmaes/cma.hpp"

namespace parzen {

using internal::check_option;

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

// One dimension of the relative space, mapped to [0, 1].
struct Dim {
  std::string name;
  Distribution distribution;
  bool log = false;
  double low = 0, high = 0;  // in the transformed (log) scale, padded unless discrete
  double step = 0;           // with margin: the grid step in unit space; 0: continuous
  double to_unit(double internal) const {
    const double t = log ? std::log(internal) : internal;
    return (t - low) / (high - low);
  }
  double from_unit(double u) const {
    const double t = low + u * (high - low);
    return nearest_admissible(distribution, log ? std::exp(t) : t);
  }
};

Dim dim_of(const std::string& name, const Distribution& distribution, bool margin) {
  Dim d{.name = name, .distribution = distribution};
  std::visit(Overloaded{
                 [&](const FloatDistribution& f) {
                   d.log = f.log;
                   if (f.log) {
                     d.low = std::log(f.low);
                     d.high = std::log(f.high);
                   } else if (f.step && margin) {
                     d.low = f.low;
                     d.high = f.high;
                     d.step = *f.step / (f.high - f.low);
                   } else {
                     const double half = f.step ? *f.step / 2 : 0.0;
                     d.low = f.low - half;
                     d.high = f.high + half;
                   }
                 },
                 [&](const IntDistribution& i) {
                   d.log = i.log;
                   const double lo = static_cast<double>(i.low), hi = static_cast<double>(i.high);
                   if (i.log) {
                     d.low = std::log(lo - 0.5);
                     d.high = std::log(hi + 0.5);
                   } else if (margin) {
                     d.low = lo;
                     d.high = hi;
                     d.step = static_cast<double>(i.step) / (hi - lo);
                   } else {
                     const double half = static_cast<double>(i.step) / 2;
                     d.low = lo - half;
                     d.high = hi + half;
                   }
                 },
                 [&](const CategoricalDistribution&) {},
             },
             distribution);
  return d;
}

bool finished(TrialState s) {
  return s == TrialState::Complete || s == TrialState::Pruned || s == TrialState::Failed;
}

std::optional<int64_t> state_index_of(const FrozenTrial& t) {
  const auto it = t.system_attrs.find(keys::cmaes_state_index);
  if (it == t.system_attrs.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

const char* restart_name(CmaEsRestart r) {
  switch (r) {
    case CmaEsRestart::None:
      return "";
    case CmaEsRestart::Ipop:
      return "ipop";
    case CmaEsRestart::Bipop:
      return "bipop";
  }
  return "?";
}

}  // namespace

namespace internal {

struct CmaEsState {
  uint64_t seed = 0;
  std::shared_ptr<Sampler> independent{};
  IntersectionSearchSpace intersection{};
  // The history, scanned incrementally.
  uint64_t lineage = 0;
  size_t scan_from = 0;
  std::vector<char> counted{};
  std::map<int64_t, std::vector<int64_t>> by_state{};  // state k -> usable finished trials
  int64_t max_state_seen = -1;
  int64_t n_complete = 0;  // complete trials (and usable pruned ones: consider_pruned_trials)
  // The current distribution: state k as stored under keys::cmaes_state(k).
  int64_t k = -1;
  nlohmann::json meta{};  // restarts, popsize0, names, BIPOP's bookkeeping
  std::optional<cmaes::Cma> cma{};
  std::set<std::string> warned{};
  bool warned_one_dimension = false;
};

}  // namespace internal

void validate(const CmaEsSamplerOptions& o) {
  const char* owner = "CmaEsSampler";
  check_option(!o.sigma0 || (*o.sigma0 > 0 && std::isfinite(*o.sigma0)), owner, "sigma0", o.sigma0,
               "must be > 0 and finite (or unset: 1/6 of the unit range)");
  check_option(o.n_startup_trials >= 0, owner, "n_startup_trials", o.n_startup_trials,
               "must be >= 0");
  check_option(!o.popsize || *o.popsize >= 2, owner, "popsize", o.popsize,
               "must be >= 2 (or unset: 4 + floor(3 ln n))");
  check_option(o.inc_popsize >= 1, owner, "inc_popsize", o.inc_popsize, "must be >= 1");
  check_option(!(o.use_separable_cma && o.with_margin), owner, "with_margin", o.with_margin,
               "cannot be combined with use_separable_cma = true (as in Optuna)");
  if (o.x0)
    for (const auto& [name, value] : *o.x0)
      check_option(std::isfinite(value), owner, "x0", value,
                   fmt::format("must be finite (parameter '{}')", name));
  check_option(o.source_trials.empty() || (!o.x0 && !o.sigma0), owner, "source_trials",
               o.source_trials.size(),
               "cannot be combined with x0 or sigma0 (the warm start sets both)");
}

CmaEsSampler::CmaEsSampler(CmaEsSamplerOptions options) : options_(std::move(options)) {
  validate(options_);
  state_ = std::make_unique<internal::CmaEsState>();
  state_->seed = options_.seed ? *options_.seed : math::entropy_seed();
  state_->independent = options_.independent_sampler
                            ? options_.independent_sampler
                            : std::make_shared<RandomSampler>(RandomSamplerOptions{state_->seed});
}

CmaEsSampler::~CmaEsSampler() = default;

SearchSpace CmaEsSampler::infer_relative_space(const StudyView& view, const FrozenTrial& trial) {
  (void)trial;
  SearchSpace space;
  for (const auto& [name, distribution] :
       without_single_values(state_->intersection.calculate(view)))
    if (!std::holds_alternative<CategoricalDistribution>(distribution))
      space.emplace(name, distribution);
  return space;
}

namespace {

// The value CMA-ES ranks a finished trial by (smaller is better), if it counts.
std::optional<double> solution_value(const FrozenTrial& t, const CmaEsSamplerOptions& o,
                                     Direction direction) {
  double v;
  if (t.state == TrialState::Complete && !t.values.empty()) {
    v = t.values[0];
  } else if (t.state == TrialState::Pruned && o.consider_pruned_trials &&
             !t.intermediate_values.empty()) {
    v = t.intermediate_values.rbegin()->second;
  } else {
    return std::nullopt;
  }
  if (std::isnan(v)) return std::nullopt;
  return direction == Direction::Maximize ? -v : v;
}

}  // namespace

std::map<std::string, double> CmaEsSampler::sample_relative(const StudyView& view,
                                                            const FrozenTrial& trial,
                                                            const SearchSpace& space) {
  if (view.directions().size() != 1)
    throw InvalidArgument(
        "CmaEsSampler optimises one objective; this study has several (use \"nsga2\" or "
        "\"tpe\")");
  if (space.empty()) return {};
  auto& s = *state_;
  const Direction direction = view.directions()[0];

  // Scan the trials finished since the last call.
  if (view.lineage() != s.lineage) {
    s.lineage = view.lineage();
    s.scan_from = 0;
    s.counted.clear();
    s.by_state.clear();
    s.n_complete = 0;
  }
  const auto& trials = view.trials();
  s.counted.resize(trials.size(), 0);
  bool prefix = true;
  for (size_t i = s.scan_from; i < trials.size(); ++i) {
    const FrozenTrial& t = trials[i];
    const auto k = state_index_of(t);
    if (k) s.max_state_seen = std::max(s.max_state_seen, *k);
    if (!s.counted[i] && finished(t.state)) {
      s.counted[i] = 1;
      // The trials n_startup_trials counts: complete ones and, with consider_pruned_trials,
      // pruned ones with a report (as Optuna's _get_trials).
      if (t.state == TrialState::Complete ||
          (t.state == TrialState::Pruned && options_.consider_pruned_trials &&
           !t.intermediate_values.empty()))
        ++s.n_complete;
      if (k && solution_value(t, options_, direction)) s.by_state[*k].push_back(t.number);
    }
    if (prefix && s.counted[i])
      s.scan_from = i + 1;
    else
      prefix = false;
  }
  if (s.n_complete < options_.n_startup_trials) return {};
  if (space.size() == 1) {
    if (!s.warned_one_dimension && options_.warn_independent_sampling)
      log(LogLevel::Warning,
          "CmaEsSampler needs two or more float/int parameters; the one parameter is drawn by "
          "the independent sampler (set warn_independent_sampling = false if this is intended)");
    s.warned_one_dimension = true;
    s.warned.insert(space.begin()->first);  // said once: not again per parameter
    return {};
  }

  std::vector<Dim> dims;
  nlohmann::json names = nlohmann::json::array();
  for (const auto& [name, distribution] : space) {
    dims.push_back(dim_of(name, distribution, options_.with_margin));
    names.push_back(name);
  }
  const auto n = static_cast<Eigen::Index>(dims.size());

  const auto initial = [&](std::optional<int64_t> popsize, int64_t restarts,
                           std::optional<double> sigma_scale) {
    cmaes::CmaConfig c;
    c.mean = Eigen::VectorXd::Constant(n, 0.5);
    c.sigma = options_.sigma0 ? *options_.sigma0 : 1.0 / 6.0;
    c.bounds.resize(n, 2);
    c.bounds.col(0).setZero();
    c.bounds.col(1).setOnes();
    c.steps = Eigen::VectorXd::Zero(n);
    for (Eigen::Index i = 0; i < n; ++i) c.steps[i] = dims[static_cast<size_t>(i)].step;
    c.population_size = popsize;
    c.separable = options_.use_separable_cma;
    c.n_max_resampling = 10 * n;
    c.restart_criteria = options_.restart_strategy != CmaEsRestart::None;
    if (restarts > 0) {
      std::mt19937_64 rng(math::trial_seed(s.seed, view.study_name(), restarts, "cmaes:restart"));
      std::uniform_real_distribution<double> u(0, 1);
      for (Eigen::Index i = 0; i < n; ++i) c.mean[i] = u(rng);
      if (sigma_scale) c.sigma *= *sigma_scale;
    } else if (!options_.source_trials.empty()) {
      std::vector<std::pair<Eigen::VectorXd, double>> solutions;
      for (const auto& t : options_.source_trials) {
        const auto v = solution_value(t, options_, direction);
        if (!v || t.distributions.size() != dims.size()) continue;
        Eigen::VectorXd x(n);
        bool compatible = true;
        for (Eigen::Index i = 0; i < n && compatible; ++i) {
          const auto& d = dims[static_cast<size_t>(i)];
          compatible = t.distributions.contains(d.name) && t.params.contains(d.name);
          if (compatible) x[i] = d.to_unit(t.internal_param(d.name));
        }
        if (compatible) solutions.emplace_back(std::move(x), *v);
      }
      if (solutions.empty())
        throw InvalidArgument(
            "CmaEsSampler: no source trial is compatible (complete, with exactly the parameters "
            "of this search space: " +
            names.dump() + ")");
      auto ws = cmaes::warm_start_mgd(std::move(solutions));
      c.mean = ws.mean;
      c.sigma = ws.sigma;
      c.cov = ws.cov;
    } else if (options_.x0) {
      for (Eigen::Index i = 0; i < n; ++i) {
        const auto& d = dims[static_cast<size_t>(i)];
        const auto it = options_.x0->find(d.name);
        if (it != options_.x0->end()) c.mean[i] = std::clamp(d.to_unit(it->second), 0.0, 1.0);
      }
    }
    c.sigma = std::max(c.sigma, 1e-8);
    return cmaes::Cma(c);
  };

  const auto load = [&](int64_t k, const nlohmann::json& stored) {
    s.k = k;
    s.meta = stored.at("meta");
    s.cma = cmaes::Cma::from_json(stored.at("cma"));
  };
  const auto store = [&](int64_t k, const cmaes::Cma& cma, nlohmann::json meta) {
    // Stored without the eigendecomposition (every worker, this one included, continues from
    // the stored value, so all draw alike).
    nlohmann::json value{{"meta", meta}, {"cma", cma.to_json(false)}};
    if (view.writer().reserve(keys::cmaes_state(k), value)) {
      s.k = k;
      s.meta = std::move(meta);
      s.cma = cmaes::Cma::from_json(value["cma"]);
    } else {
      load(k, view.study_system_attr(keys::cmaes_state(k)));
    }
  };

  // The newest stored state this worker knows of.
  if (s.k < 0 || s.max_state_seen > s.k) {
    const int64_t want = std::max<int64_t>(0, s.max_state_seen);
    const auto stored = view.study_system_attr(keys::cmaes_state(want));
    if (!stored.is_null()) {
      load(want, stored);
    } else if (want == 0) {
      const nlohmann::json meta{{"restarts", 0},     {"names", names},    {"popsize0", nullptr},
                                {"small_n_eval", 0}, {"large_n_eval", 0}, {"poptype", "large"}};
      auto cma = initial(options_.popsize, 0, std::nullopt);
      auto m = meta;
      m["popsize0"] = cma.population_size();
      store(0, cma, m);
    }
  }
  if (!s.cma) return {};
  if (s.meta.at("names") != names && s.cma->generation() == 0 &&
      s.meta.at("restarts").get<int64_t>() == 0) {
    // The space changed before the first update (the intersection search space shrinks when a
    // conditional parameter of the first trials is missing from a later one). Optuna keeps no
    // distribution before its first update, so it starts afresh in the new space and counts
    // every trial drawn for generation 0; so does this: state k + 1 is a first distribution
    // over the new space, and its generation is assembled from the trials of states
    // first_state..k + 1 (those that have the new space's parameters).
    nlohmann::json meta = s.meta;
    meta["names"] = names;
    meta["first_state"] = s.meta.value("first_state", s.k);
    auto cma = initial(options_.popsize, 0, std::nullopt);
    meta["popsize0"] = cma.population_size();
    store(s.k + 1, cma, std::move(meta));
  }
  if (s.meta.at("names") != names) {
    if (options_.warn_independent_sampling && s.warned.insert("\x01space").second)
      log(LogLevel::Warning,
          fmt::format("CmaEsSampler does not support a search space that changes (it was {}, now "
                      "{}); the independent sampler draws instead",
                      s.meta.at("names").dump(), names.dump()));
    return {};
  }

  // Tell every generation that has its population, storing the next state.
  for (;;) {
    const auto popsize = static_cast<size_t>(s.cma->population_size());
    // This generation's trials: those of state k, and of the states it replaced (first_state:
    // a first distribution restarted in a changed space) that have all its parameters.
    std::vector<int64_t> numbers;
    for (int64_t j = s.meta.value("first_state", s.k); j <= s.k; ++j)
      if (const auto it = s.by_state.find(j); it != s.by_state.end())
        for (int64_t number : it->second)
          if (std::all_of(dims.begin(), dims.end(), [&](const Dim& d) {
                const auto& params = trials[static_cast<size_t>(number)].params;
                return params.contains(d.name);
              }))
            numbers.push_back(number);
    if (numbers.size() < popsize) break;
    // Computed here and offered to the storage; when another worker stored it first, store()
    // loads theirs. (No read first: a study's system attributes are read all at once.)
    std::sort(numbers.begin(), numbers.end());
    numbers.resize(popsize);
    std::vector<std::pair<Eigen::VectorXd, double>> solutions;
    for (int64_t number : numbers) {
      const FrozenTrial& t = trials[static_cast<size_t>(number)];
      Eigen::VectorXd x(n);
      const auto told = t.system_attrs.find(keys::cmaes_x_for_tell);
      if (options_.with_margin && told != t.system_attrs.end() && told->is_array() &&
          static_cast<Eigen::Index>(told->size()) == n) {
        for (Eigen::Index i = 0; i < n; ++i) x[i] = (*told)[static_cast<size_t>(i)].get<double>();
      } else {
        for (Eigen::Index i = 0; i < n; ++i) {
          const auto& d = dims[static_cast<size_t>(i)];
          x[i] = d.to_unit(t.internal_param(d.name));
        }
      }
      solutions.emplace_back(std::move(x), *solution_value(t, options_, direction));
    }
    cmaes::Cma next = *s.cma;
    next.tell(std::move(solutions));
    nlohmann::json meta = s.meta;
    meta.erase("first_state");
    std::string stop;
    if (options_.restart_strategy != CmaEsRestart::None) stop = next.stop_reason();
    if (!stop.empty()) {
      const int64_t restarts = meta.at("restarts").get<int64_t>() + 1;
      meta["restarts"] = restarts;
      meta["last_stop"] = stop;
      meta["last_stop_trials"] = next.population_size() * next.generation();
      const int64_t popsize0 = meta.at("popsize0").get<int64_t>();
      std::optional<double> sigma_scale;
      int64_t new_popsize;
      if (options_.restart_strategy == CmaEsRestart::Ipop) {
        new_popsize = next.population_size() * options_.inc_popsize;
      } else {
        const int64_t n_eval = next.population_size() * next.generation();
        const bool small = meta.at("poptype") == "small";
        const std::string spent = small ? "small_n_eval" : "large_n_eval";
        meta[spent] = meta.at(spent).get<int64_t>() + n_eval;
        const double multiplier =
            std::pow(static_cast<double>(options_.inc_popsize), static_cast<double>(restarts));
        if (meta.at("small_n_eval").get<int64_t>() < meta.at("large_n_eval").get<int64_t>()) {
          meta["poptype"] = "small";
          std::mt19937_64 rng(math::trial_seed(s.seed, view.study_name(), restarts, "cmaes:bipop"));
          std::uniform_real_distribution<double> u01(0, 1);
          const double u = u01(rng), v = u01(rng);
          new_popsize =
              std::max<int64_t>(2, static_cast<int64_t>(std::floor(static_cast<double>(popsize0) *
                                                                   std::pow(multiplier, u * u))));
          sigma_scale = std::pow(10.0, -2.0 * v);
        } else {
          meta["poptype"] = "large";
          new_popsize = static_cast<int64_t>(static_cast<double>(popsize0) * multiplier);
        }
      }
      next = initial(new_popsize, restarts, sigma_scale);
      log(LogLevel::Info,
          fmt::format("CmaEsSampler: run {} ended after {} trials ({}); restart {} ({}) with a "
                      "population of {}",
                      restarts, meta.at("last_stop_trials").get<int64_t>(), stop, restarts,
                      restart_name(options_.restart_strategy), new_popsize));
    }
    store(s.k + 1, next, std::move(meta));
  }

  // This trial's draw.
  std::mt19937_64 rng(math::trial_seed(s.seed, view.study_name(), trial.number, "cmaes"));
  const auto [x_eval, x_tell] = s.cma->ask(rng);
  view.writer().set_trial_system_attr(trial.id, keys::cmaes_state_index, s.k);
  if (options_.with_margin)
    view.writer().set_trial_system_attr(
        trial.id, keys::cmaes_x_for_tell,
        std::vector<double>(x_tell.data(), x_tell.data() + x_tell.size()));
  s.max_state_seen = std::max(s.max_state_seen, s.k);
  std::map<std::string, double> out;
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto& d = dims[static_cast<size_t>(i)];
    out[d.name] = d.from_unit(x_eval[i]);
  }
  return out;
}

double CmaEsSampler::sample_independent(const StudyView& view, const FrozenTrial& trial,
                                        const std::string& name, const Distribution& distribution) {
  if (options_.warn_independent_sampling && state_->n_complete >= options_.n_startup_trials &&
      state_->n_complete > 0 && state_->warned.insert(name).second)
    log(LogLevel::Warning,
        fmt::format(
            "CmaEsSampler: parameter '{}' (trial {}) is drawn by the independent sampler, not "
            "CMA-ES (CMA-ES covers float and int parameters present in every trial; set "
            "warn_independent_sampling = false if this is intended)",
            name, trial.number));
  return state_->independent->sample_independent(view, trial, name, distribution);
}

void CmaEsSampler::after_trial(const StudyView& view, const FrozenTrial& trial) {
  state_->independent->after_trial(view, trial);
}

nlohmann::json CmaEsSampler::distribution() const {
  const auto& s = *state_;
  if (!s.cma) return nullptr;
  const auto cov = s.cma->cov();
  nlohmann::json c = nlohmann::json::array();
  for (Eigen::Index i = 0; i < cov.rows(); ++i) {
    nlohmann::json row = nlohmann::json::array();
    for (Eigen::Index j = 0; j < cov.cols(); ++j) row.push_back(cov(i, j));
    c.push_back(row);
  }
  const auto& m = s.cma->mean();
  return {{"state", s.k},
          {"restarts", s.meta.at("restarts")},
          {"restart_strategy", restart_name(options_.restart_strategy)},
          {"last_stop", s.meta.value("last_stop", "")},
          {"popsize", s.cma->population_size()},
          {"generation", s.cma->generation()},
          {"mean", std::vector<double>(m.data(), m.data() + m.size())},
          {"sigma", s.cma->sigma()},
          {"C", c}};
}

}  // namespace parzen
