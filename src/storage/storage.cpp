#include <fmt/format.h>

#include "parzen/error.hpp"
#include "parzen/storage.hpp"

namespace parzen {

std::shared_ptr<Storage> make_storage(const std::string& url) {
  if (url.empty() || url == "memory:" || url == "memory://") return make_in_memory_storage();
  const auto colon = url.find(':');
  const std::string scheme = colon == std::string::npos ? url : url.substr(0, colon);
  if (scheme == "sqlite" || scheme == "postgresql" || scheme == "postgres")
    throw InvalidArgument(fmt::format(
        "storage '{}': the {} storage is not available in this build yet; use memory:", url,
        scheme));
  throw InvalidArgument(fmt::format(
      "storage '{}': unknown URL; expected memory:, sqlite:///path.db or postgresql://...", url));
}

}  // namespace parzen
