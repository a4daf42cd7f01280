#pragma once
// Which study a sampler or pruner serves. A sampler's (or pruner's) state belongs to one study:
// its caches, its engine's position and its models are built from that study's trials, so the
// object serves exactly one Study object (one lock, one view) and refuses a second.
//
// A study is identified by its StudyIdentity, not by its name: a study of the same name in
// another storage, or one deleted and created again under its old name, is another study. The
// identity holds what a storage keeps for the study (id, creation time, directions) and a random
// token stored with it when it is first opened (keys::study_token), because a re-created study
// can get its predecessor's id (SQLite reuses the largest deleted id) and creation times are
// only as fine as the storage's clock and column (REAL seconds in SQL storages).
//
// Study::create and Study::load bind the sampler and pruner they are given; binding it again
// from a Study object of another study, or from a second live Study object of the same study,
// throws InvalidArgument. Once every copy of the Study object that held it is gone, the same
// study may take it again (a study reloaded with its sampler, also through a new storage object
// on the same file or database); another study never may.

#include <memory>
#include <mutex>
#include <string>
#include <typeinfo>
#include <vector>

#include "parzen/frozen_trial.hpp"

namespace parzen {

class Storage;

struct StudyIdentity {
  std::string name{};
  StudyId id = -1;
  Clock::time_point datetime_created{};
  std::vector<Direction> directions{};
  std::string token{};  // the study system attribute keys::study_token

  bool operator==(const StudyIdentity&) const = default;
};

// The identity of stored study `study`; stores a fresh token first when the study has none (a
// new study, or one created before tokens existed). Every Study object of the study reads the
// same token: the first to store one wins (Storage::add_study_system_attr_if_absent).
StudyIdentity study_identity(Storage& storage, StudyId study);

class StudyBinding {
 public:
  StudyBinding() = default;
  // A copy of a sampler starts unbound: it has served no study yet.
  StudyBinding(const StudyBinding&) {}
  StudyBinding& operator=(const StudyBinding&) { return *this; }

  // Throws InvalidArgument unless the Study object whose lifetime `owner` tracks may bind this
  // object to study `name`, whose identity is `existing` when it is stored already and null when
  // it is about to be created. Changes nothing: Study::create calls it before storing a study,
  // so that a refused sampler leaves no study behind. `type` names the sampler or pruner.
  void check(const std::type_info& type, const std::string& name, const StudyIdentity* existing,
             const std::shared_ptr<const void>& owner);
  // Binds to `study` for `owner`. Returns true when this call changed the binding. Throws
  // InvalidArgument when bound to another study, or to another live Study object.
  bool bind(const std::type_info& type, const StudyIdentity& study,
            const std::shared_ptr<const void>& owner);
  // Undoes a bind that returned true, for a Study::create that failed after binding.
  void release(const std::shared_ptr<const void>& owner);

 private:
  void check_locked(const std::type_info& type, const std::string& name,
                    const StudyIdentity* existing, const std::shared_ptr<const void>& owner);

  std::mutex mu_{};
  bool bound_ = false;
  StudyIdentity study_{};
  std::weak_ptr<const void> owner_{};
};

}  // namespace parzen
