#pragma once
// Pruners decide, from a running trial's intermediate values and the history, whether to stop
// it early. The rules of samplers (sampler.hpp) hold for pruners too: a pruner object serves one
// Study object (bound by Study::create/load; a second study is refused with InvalidArgument), the
// Study calls should_prune under its lock after refreshing the view (no locking needed, per-study
// caches allowed), and writes (e.g. a trial's rung values) go through view.writer().

#include <memory>
#include <string>

#include "parzen/frozen_trial.hpp"
#include "parzen/study_binding.hpp"
#include "parzen/study_view.hpp"

namespace parzen {

class Pruner {
 public:
  virtual ~Pruner() = default;
  // `trial` carries the intermediate values reported so far.
  virtual bool should_prune(const StudyView& view, const FrozenTrial& trial) = 0;

  // Called by Study::create and Study::load; see Sampler::bind_to_study.
  void check_study(const std::string& study_name, const StudyIdentity* existing,
                   const std::shared_ptr<const void>& owner) {
    binding_.check(typeid(*this), study_name, existing, owner);
  }
  bool bind_to_study(const StudyIdentity& study, const std::shared_ptr<const void>& owner) {
    return binding_.bind(typeid(*this), study, owner);
  }
  void release_study(const std::shared_ptr<const void>& owner) { binding_.release(owner); }

 private:
  StudyBinding binding_{};
};

// Never prunes: the default.
class NopPruner : public Pruner {
 public:
  static std::shared_ptr<NopPruner> make() { return std::make_shared<NopPruner>(); }
  bool should_prune(const StudyView& view, const FrozenTrial& trial) override;
};

}  // namespace parzen
