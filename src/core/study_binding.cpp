#include "parzen/study_binding.hpp"

#include <cxxabi.h>

#include <cstdlib>

#include <fmt/format.h>

#include "parzen/error.hpp"

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

}  // namespace

bool StudyBinding::bind(const std::type_info& type, const std::string& study_name,
                        const std::shared_ptr<const void>& owner) {
  std::lock_guard lock(mu_);
  const auto current = owner_.lock();
  if (bound_ && current == owner) return false;
  if (bound_ && study_ != study_name)
    throw InvalidArgument(fmt::format(
        "this {0} already serves study '{1}'; a {0}'s state belongs to one study — create a "
        "new {0} for study '{2}'",
        type_name(type), study_, study_name));
  if (bound_ && current)
    throw InvalidArgument(fmt::format(
        "this {0} already serves another Study object of study '{1}' (each has its own lock); "
        "share that Study object, or create a new {0} for this one",
        type_name(type), study_));
  bound_ = true;
  study_ = study_name;
  owner_ = owner;
  return true;
}

void StudyBinding::release(const std::shared_ptr<const void>& owner) {
  std::lock_guard lock(mu_);
  if (owner_.lock() == owner) {
    bound_ = false;
    study_.clear();
    owner_.reset();
  }
}

}  // namespace parzen
