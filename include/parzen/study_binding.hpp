#pragma once
// Which Study a sampler or pruner serves. A sampler's (or pruner's) state belongs to one study:
// its caches, its engine's position and its models are built from that study's trials, so the
// object serves exactly one Study object (one lock, one view) and refuses a second.
//
// Study::create and Study::load bind the sampler and pruner they are given; binding it again
// from a Study object of another study, or from a second live Study object of the same study,
// throws InvalidArgument. Once every copy of the Study object that held it is gone, the same
// study may take it again (a study reloaded with its sampler); another study never may.

#include <memory>
#include <mutex>
#include <string>
#include <typeinfo>

namespace parzen {

class StudyBinding {
 public:
  StudyBinding() = default;
  // A copy of a sampler starts unbound: it has served no study yet.
  StudyBinding(const StudyBinding&) {}
  StudyBinding& operator=(const StudyBinding&) { return *this; }

  // Binds to the Study object whose lifetime `owner` tracks, serving study `study_name`. `type`
  // names the sampler or pruner in the message. Returns true when this call changed the binding.
  // Throws InvalidArgument when bound to another study, or to another live Study object.
  bool bind(const std::type_info& type, const std::string& study_name,
            const std::shared_ptr<const void>& owner);
  // Undoes a bind that returned true, for a Study::create that failed after binding.
  void release(const std::shared_ptr<const void>& owner);

 private:
  std::mutex mu_{};
  bool bound_ = false;
  std::string study_{};
  std::weak_ptr<const void> owner_{};
};

}  // namespace parzen
