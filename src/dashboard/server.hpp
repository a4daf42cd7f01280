#pragma once
// `parzen dashboard`: an HTTP server (Debian's cpp-httplib) for the web dashboard's static files
// (dashboard/dist) and its JSON API (api.hpp; docs/dashboard.md). Binds 127.0.0.1 by default and
// is read-only unless allow_writes, when writes also need the bearer token.

#include <cstdint>
#include <functional>
#include <string>

namespace parzen::dashboard {

struct ServerOptions {
  std::string storage{};  // a storage URL or a plain .db path
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (printed)
  bool allow_writes = false;
  std::string token_file{};  // the write token's file; else $PARZEN_DASHBOARD_TOKEN; else random
  std::string static_dir{};  // the app's files; empty: the build's or install's dashboard/dist
};

// The app's directory when none is given: the build tree's dashboard/dist if it exists, else the
// installed share/parzen/dashboard. May not exist (the server then answers / with a JSON error
// saying how to build the app).
std::string default_static_dir();

// Runs the server until SIGINT or SIGTERM; returns the exit status. Prints the URL (and, with
// allow_writes, the token) to stdout once listening. Throws parzen::Error for a storage that
// cannot be opened, a port that cannot be bound or an unreadable token file.
int run_server(const ServerOptions& options);

// Constant-time comparison of two secrets (time depends only on the lengths).
bool same_secret(const std::string& a, const std::string& b);

}  // namespace parzen::dashboard
