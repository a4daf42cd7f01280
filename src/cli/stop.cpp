// `parzen stop STUDY [--storage URL]` (docs/cli.md).
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/experiment.hpp"
#include "parzen/error.hpp"
#include "parzen/stop_request.hpp"

namespace parzen::cli {

namespace {

// "parzen stop (ann@host1)": who asked, as the request records it.
std::string requester() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  const char* user = std::getenv("USER");
  if (!user || !*user) user = std::getenv("LOGNAME");
  if (!user || !*user) {
    const passwd* pw = getpwuid(getuid());
    user = pw ? pw->pw_name : nullptr;
  }
  return fmt::format("parzen stop ({}@{})", user && *user ? user : "?", *host ? host : "?");
}

// resume_hint's text at the start of a sentence.
std::string capitalized(std::string text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 32);
  return text;
}

}  // namespace

int cmd_stop(const std::string& url, const std::string& name) {
  auto storage = open_existing_storage(url);
  const auto id = storage->find_study(name);
  if (!id) {
    std::string known;
    for (const auto& s : storage->studies()) known += (known.empty() ? "" : ", ") + s.name;
    throw NotFound(
        fmt::format("no study '{}' in {}{}", name, redact_storage_url(storage_url(url)),
                    known.empty() ? " (it holds no studies)" : "; its studies: " + known));
  }
  const StudyInfo info = storage->study(*id);
  if (const auto pending = stop_request(*storage, info.id)) {
    fmt::print("Study '{}' is already stopped (stop {}); nothing changed. {}.\n", name,
               describe(*pending), capitalized(resume_hint(info)));
    return 0;
  }
  const StopRequest r = request_stop(*storage, info.id, requester());
  fmt::print(
      "Stop requested for study '{}' in {} ({}).\n"
      "Its `parzen run` and `parzen worker` processes (and Python's study.optimize) start no new "
      "trial, let their running trials finish and exit 0.\n"
      "{}.\n",
      name, redact_storage_url(storage_url(url)), r.requested_at, capitalized(resume_hint(info)));
  return 0;
}

}  // namespace parzen::cli
