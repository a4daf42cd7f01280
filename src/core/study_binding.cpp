#include "parzen/study_binding.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <random>

#include <fmt/format.h>

#include "math/seed.hpp"
#include "parzen/error.hpp"
#include "parzen/storage.hpp"
#include "parzen/system_attrs.hpp"

namespace parzen {

namespace {

// "TpeSampler" for parzen::TpeSampler.
std::string type_name(const std::type_info& type) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string name = status == 0 && demangled ? demangled : type.name();
  std::free(demangled);
  if (name.rfind("parzen::", 0) == 0) name.erase(0, 8);
  return name;
}

// 128 random bits in hex (math::entropy_seed: a per-thread generator seeded from
// std::random_device, whose construction per call cost more than creating the study).
std::string random_token() {
  std::string token;
  for (int i = 0; i < 4; ++i) token += fmt::format("{:08x}", math::entropy_seed());
  return token;
}

std::string stored_token(const StudyInfo& info) {
  const auto it = info.system_attrs.find(keys::study_token);
  return it != info.system_attrs.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

StudyIdentity study_identity(Storage& storage, StudyId study) {
  StudyInfo info = storage.study(study);
  if (stored_token(info).empty()) {
    storage.add_study_system_attr_if_absent(study, keys::study_token, random_token());
    info = storage.study(study);
  }
  return {.name = info.name,
          .id = info.id,
          .datetime_created = info.datetime_created,
          .directions = info.directions,
          .token = stored_token(info)};
}

void StudyBinding::check(const std::type_info& type, const std::string& name,
                         const StudyIdentity* existing, const std::shared_ptr<const void>& owner) {
  std::lock_guard lock(mu_);
  check_locked(type, name, existing, owner);
}

void StudyBinding::check_locked(const std::type_info& type, const std::string& name,
                                const StudyIdentity* existing,
                                const std::shared_ptr<const void>& owner) {
  if (!bound_) return;
  const auto current = owner_.lock();
  if (current == owner) return;
  if (study_.name != name)
    throw InvalidArgument(fmt::format(
        "this {0} already serves study '{1}'; a {0}'s state belongs to one study — create a "
        "new {0} for study '{2}'",
        type_name(type), study_.name, name));
  if (!existing || *existing != study_)
    throw InvalidArgument(fmt::format(
        "this {0} served another study named '{1}' (one in another storage, or one deleted "
        "since); a {0}'s state belongs to one study — create a new {0} for this study '{1}'",
        type_name(type), name));
  if (current)
    throw InvalidArgument(fmt::format(
        "this {0} already serves another Study object of study '{1}' (each has its own lock); "
        "share that Study object, or create a new {0} for this one",
        type_name(type), name));
}

bool StudyBinding::bind(const std::type_info& type, const StudyIdentity& study,
                        const std::shared_ptr<const void>& owner) {
  std::lock_guard lock(mu_);
  check_locked(type, study.name, &study, owner);
  if (bound_ && owner_.lock() == owner) return false;
  bound_ = true;
  study_ = study;
  owner_ = owner;
  return true;
}

void StudyBinding::release(const std::shared_ptr<const void>& owner) {
  std::lock_guard lock(mu_);
  if (owner_.lock() == owner) {
    bound_ = false;
    study_ = {};
    owner_.reset();
  }
}

}  // namespace parzen
