#include "parzen/pruner.hpp"

namespace parzen {

bool NopPruner::should_prune(const StudyView& /*view*/, const FrozenTrial& /*trial*/) {
  return false;
}

}  // namespace parzen
