#pragma once
// Samplers propose parameter values. A trial's parameters come from two paths:
//  - relative sampling: once per trial, before the objective runs, the sampler infers a search
//    space from the history (infer_relative_space) and draws all of it jointly
//    (sample_relative); model-based samplers (TPE, GP) model correlations here;
//  - independent sampling: a parameter the relative draw did not cover (a conditional branch, a
//    first trial, a changed distribution) is drawn alone by sample_independent.
// Values are in internal form (see distributions.hpp).
//
// One study, one lock (the rules every sampler follows and may rely on):
//  - A sampler object serves one Study object: Study::create/load bind it, and a second study
//    (or a second live Study object, which has its own lock) is refused with InvalidArgument.
//    A study is told apart by its identity (storage id, creation time, directions and a random
//    token stored with it), not its name: the same name in another storage, or a study deleted
//    and created again, is another study; see study_binding.hpp. A sampler may therefore keep
//    per-study caches without keying them.
//  - The Study calls every method under that Study's lock, after refreshing the view (except
//    sample_independent, which sees the view as of the trial's ask), so implementations need no
//    locking of their own. Wrapper samplers (BracketSampler, BohbSampler) call their inner
//    samplers under the same lock.
//  - The view is read-only; the few writes a sampler needs (e.g. a grid point's reservation) go
//    through view.writer() (BookkeepingWriter), with the key constants of system_attrs.hpp.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "parzen/distributions.hpp"
#include "parzen/error.hpp"
#include "parzen/frozen_trial.hpp"
#include "parzen/log_level.hpp"
#include "parzen/search_space.hpp"
#include "parzen/study_binding.hpp"
#include "parzen/study_view.hpp"

namespace parzen {

class Sampler {
 public:
  virtual ~Sampler() = default;

  // Called before a new trial is created (not for enqueued trials, which bring their own
  // parameters). Returns system attributes to store with the new trial (e.g. the grid point it
  // reserved). Throws StudyExhausted when the sampler has nothing left to propose.
  virtual nlohmann::json before_trial(const StudyView& view) {
    (void)view;
    return nlohmann::json::object();
  }

  virtual SearchSpace infer_relative_space(const StudyView& view, const FrozenTrial& trial) {
    (void)view;
    (void)trial;
    return {};
  }

  // Internal values for (a subset of) `space`.
  virtual std::map<std::string, double> sample_relative(const StudyView& view,
                                                        const FrozenTrial& trial,
                                                        const SearchSpace& space) {
    (void)view;
    (void)trial;
    (void)space;
    return {};
  }

  // The internal value of one parameter.
  virtual double sample_independent(const StudyView& view, const FrozenTrial& trial,
                                    const std::string& name, const Distribution& distribution) = 0;

  // Called once a trial has finished (state and values already stored).
  virtual void after_trial(const StudyView& view, const FrozenTrial& trial) {
    (void)view;
    (void)trial;
  }

  // Refuses options that cannot serve a study of `n_objectives` objectives (TPE's
  // constraints_method = "ctpe" with several, NSGA-III reference points of another dimension):
  // throws OptionError naming the option. Study::create and Study::load call it before anything
  // is stored, and the CLI when it reads an experiment, so such a sampler never fails a trial.
  virtual void check_objectives(size_t n_objectives) const { (void)n_objectives; }

  // False when the sampler never reads the view's trials (random, grid, quasi-random): ask()
  // then skips refreshing the view once the new trial exists (one storage read fewer). Samplers
  // that read the history see it as of that refresh for the whole trial.
  virtual bool samples_from_history() const { return true; }

  // Called by Study::create and Study::load (not virtual: every sampler is bound alike); see
  // StudyBinding. Throw InvalidArgument when the sampler already serves another study (another
  // identity, whatever its name) or another live Study object. bind_to_study returns true when
  // the binding changed.
  void check_study(const std::string& study_name, const StudyIdentity* existing,
                   const std::shared_ptr<const void>& owner) {
    binding_.check(typeid(*this), study_name, existing, owner);
  }
  bool bind_to_study(const StudyIdentity& study, const std::shared_ptr<const void>& owner) {
    return binding_.bind(typeid(*this), study, owner);
  }
  void release_study(const std::shared_ptr<const void>& owner) { binding_.release(owner); }

  // Where the sampler's own messages go (warnings, CMA-ES restarts): Study::create connects the
  // study's logger, so they follow the study's log level and, from Python, reach the "parzen"
  // logger. Without one (a sampler used outside a study) they go to stderr as
  // "[parzen] warning: ...". A sampler that owns other samplers passes it on.
  using Logger = std::function<void(LogLevel, const std::string&)>;
  virtual void set_logger(Logger logger) { logger_ = std::move(logger); }

 protected:
  void log(LogLevel level, const std::string& message) const;  // through the logger above

 private:
  StudyBinding binding_{};
  Logger logger_{};
};

// ---------------------------------------------------------------------------------------------
// Random search: every parameter independently and uniformly (log-uniformly for log parameters,
// uniformly over the admissible values for stepped and integer ones, over the choices for
// categorical ones).
struct RandomSamplerOptions {
  // Seed of the sampler's draws; unset: a fresh random seed. Each trial's draws come from a mix
  // of (seed, study name, trial number, parameter name), so with a seed a study proposes the same
  // parameters on every run, resumed or not, with any number of workers.
  std::optional<uint64_t> seed{};
};

// Every RandomSamplerOptions is valid; declared so that every options struct has its validate()
// (see validate(const TpeSamplerOptions&) for the message form of the others).
void validate(const RandomSamplerOptions& options);

class RandomSampler : public Sampler {
 public:
  explicit RandomSampler(RandomSamplerOptions options = {});
  static std::shared_ptr<RandomSampler> make(RandomSamplerOptions options = {}) {
    return std::make_shared<RandomSampler>(options);
  }
  double sample_independent(const StudyView& view, const FrozenTrial& trial,
                            const std::string& name, const Distribution& distribution) override;
  bool samples_from_history() const override { return false; }

  // Draws the internal value of `distribution` from a uniform variate u in [0, 1). Shared with
  // the quasi-random sampler, which feeds it low-discrepancy variates instead.
  static double from_unit(const Distribution& distribution, double u);

 private:
  uint64_t seed_;
};

// ---------------------------------------------------------------------------------------------
// Grid search: every combination of the given values exactly once, across all workers of the
// study (each combination is reserved atomically in the storage before its trial is created).
// When every combination has been reserved, asking for a trial throws StudyExhausted and
// Study::optimize stops.
struct GridSamplerOptions {
  // Parameter names with the values to try, in the order the grid enumerates them (the last
  // parameter varies fastest). The objective must suggest exactly these names.
  std::vector<std::pair<std::string, std::vector<ParamValue>>> grid{};
  // Visit the combinations in a random order (seeded) instead of enumeration order.
  bool shuffle = false;
  std::optional<uint64_t> seed{};
};

// Throws OptionError (key "grid") for an empty grid, a parameter given twice, an empty or
// repeated list of values, more combinations than 64 bits count, or more than 10^8 combinations
// to shuffle. GridSampler's constructor calls it.
void validate(const GridSamplerOptions& options);

class GridSampler : public Sampler {
 public:
  explicit GridSampler(GridSamplerOptions options);
  static std::shared_ptr<GridSampler> make(GridSamplerOptions options) {
    return std::make_shared<GridSampler>(std::move(options));
  }
  // Number of combinations.
  uint64_t size() const { return size_; }
  // The combination with the given index, as parameter name -> value.
  std::map<std::string, ParamValue> combination(uint64_t index) const;

  nlohmann::json before_trial(const StudyView& view) override;
  double sample_independent(const StudyView& view, const FrozenTrial& trial,
                            const std::string& name, const Distribution& distribution) override;
  bool samples_from_history() const override { return false; }

 private:
  GridSamplerOptions options_{};
  uint64_t size_ = 1;
  std::vector<uint64_t> order_{};  // visiting order when shuffled
  uint64_t cursor_ = 0;            // positions before it are known to be reserved
};

// ---------------------------------------------------------------------------------------------
// Quasi-random search: a scrambled Sobol sequence over the search space of the first complete
// trial (Boost.Random's Sobol engine with a random linear matrix scramble and a digital shift,
// as in Owen's and Matoušek's scrambling). Point i of the sequence goes to trial number i, so
// workers on many hosts fill the sequence without coordination. Parameters outside that space
// (and the very first trial) are sampled at random.
struct QmcSamplerOptions {
  std::optional<uint64_t> seed{};
  // Scramble the sequence; without it the points are Sobol's own (starting at the origin).
  bool scramble = true;
};

// Every QmcSamplerOptions is valid; declared so that every options struct has its validate().
void validate(const QmcSamplerOptions& options);

class QmcSampler : public Sampler {
 public:
  explicit QmcSampler(QmcSamplerOptions options = {});
  static std::shared_ptr<QmcSampler> make(QmcSamplerOptions options = {}) {
    return std::make_shared<QmcSampler>(options);
  }
  SearchSpace infer_relative_space(const StudyView& view, const FrozenTrial& trial) override;
  std::map<std::string, double> sample_relative(const StudyView& view, const FrozenTrial& trial,
                                                const SearchSpace& space) override;
  double sample_independent(const StudyView& view, const FrozenTrial& trial,
                            const std::string& name, const Distribution& distribution) override;
  bool samples_from_history() const override { return false; }

 private:
  QmcSamplerOptions options_{};
  uint64_t scramble_seed_{};
  RandomSampler fallback_{};
  std::optional<SearchSpace> space_{};  // fixed once the first trial completes
};

}  // namespace parzen
