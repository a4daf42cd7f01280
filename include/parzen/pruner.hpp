#pragma once
// Pruners decide, from a running trial's intermediate values and the history, whether to stop
// it early. The Study calls should_prune under its sampling lock, after refreshing the view.

#include <memory>

#include "parzen/frozen_trial.hpp"
#include "parzen/study_view.hpp"

namespace parzen {

class Pruner {
 public:
  virtual ~Pruner() = default;
  // `trial` carries the intermediate values reported so far.
  virtual bool should_prune(const StudyView& view, const FrozenTrial& trial) = 0;
};

// Never prunes: the default.
class NopPruner : public Pruner {
 public:
  static std::shared_ptr<NopPruner> make() { return std::make_shared<NopPruner>(); }
  bool should_prune(const StudyView& view, const FrozenTrial& trial) override;
};

}  // namespace parzen
