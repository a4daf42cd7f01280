#include "dashboard/server.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>

#include "cli/commands.hpp"
#include "cli/experiment.hpp"
#include "dashboard/api.hpp"
#include "parzen/error.hpp"
#include "parzen/storage.hpp"

namespace parzen::dashboard {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kJson = "application/json; charset=utf-8";
// The largest request body (notes, tells): 1 MiB.
constexpr size_t kMaxBody = 1u << 20;

// The header the pre-routing handler moves Accept-Encoding to: the server sends API answers
// uncompressed (a local connection carries them faster than brotli or gzip would pack them;
// httplib's brotli runs at quality 11, seconds for a 100 000-trial answer).
constexpr const char* kAcceptEncodingMoved = "X-Parzen-Accept-Encoding";

void json_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(dump(json{{"error", message}}), kJson);
}

// A non-negative decimal integer of at most 18 digits (so it fits int64_t); nullopt otherwise.
std::optional<int64_t> parse_id(const std::string& s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + (ch - '0');
  }
  return v;
}

std::optional<uint64_t> parse_u64(const std::string& s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(ch - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

// A user-supplied text as a message shows it: at most 64 bytes, and control characters (a NUL
// from %00 would cut the message short) written as \xNN.
std::string shown(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size() && i < 64; ++i) {
    const auto ch = static_cast<unsigned char>(text[i]);
    if (ch < 0x20 || ch == 0x7f)
      out += fmt::format("\\x{:02x}", ch);
    else
      out += static_cast<char>(ch);
  }
  if (text.size() > 64) out += "...";
  return out;
}

int64_t id_or_throw(const std::string& text, const char* what) {
  if (auto v = parse_id(text)) return *v;
  throw InvalidArgument(
      fmt::format("{} '{}' is not a number (expected 0, 1, 2, ...)", what, shown(text)));
}

std::string query(const httplib::Request& req, const char* key, const std::string& fallback) {
  return req.has_param(key) ? req.get_param_value(key) : fallback;
}

// Sends a shared text without copying it into the response.
void send_shared(httplib::Response& res, std::shared_ptr<const std::string> text,
                 const char* type) {
  const size_t size = text->size();
  res.set_content_provider(
      size, type, [text = std::move(text)](size_t offset, size_t length, httplib::DataSink& sink) {
        return sink.write(text->data() + offset, std::min(length, text->size() - offset));
      });
}

std::string mime_type(const fs::path& p) {
  static const std::map<std::string, std::string> types = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".map", "application/json; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
  };
  auto it = types.find(p.extension().string());
  return it == types.end() ? "application/octet-stream" : it->second;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// The Host header's name part: "127.0.0.1:8080" -> "127.0.0.1", "[::1]:8080" -> "::1".
std::string host_name(const std::string& header) {
  if (!header.empty() && header.front() == '[') {
    const auto end = header.find(']');
    return end == std::string::npos ? header : header.substr(1, end - 1);
  }
  return header.substr(0, header.find(':'));
}

std::string random_token() {
  std::random_device rd;
  std::string out;
  for (int i = 0; i < 32; ++i) out += fmt::format("{:02x}", rd() & 0xFF);
  return out;
}

std::string read_token(const ServerOptions& o) {
  if (!o.token_file.empty()) {
    std::ifstream in(o.token_file, std::ios::binary);
    if (!in) throw Error(fmt::format("--token-file {}: cannot read the file", o.token_file));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string t = ss.str();
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
    if (t.size() < 16)
      throw InvalidArgument(fmt::format(
          "--token-file {}: the token is {} characters long; use at least 16 (e.g. `openssl "
          "rand -hex 32 > {}`)",
          o.token_file, t.size(), o.token_file));
    return t;
  }
  if (const char* env = std::getenv("PARZEN_DASHBOARD_TOKEN"); env && *env) {
    if (std::string(env).size() < 16)
      throw InvalidArgument(
          "PARZEN_DASHBOARD_TOKEN is shorter than 16 characters; use a longer secret");
    return env;
  }
  return random_token();
}

// The file under `root` that the URL path names, or nullopt for a path that tries to leave it
// (a ".." segment, a backslash, a NUL) or names nothing. "/" is index.html.
std::optional<fs::path> static_file(const fs::path& root, const std::string& url_path) {
  if (url_path.empty() || url_path.front() != '/') return std::nullopt;
  if (url_path.find('\\') != std::string::npos || url_path.find('\0') != std::string::npos)
    return std::nullopt;
  fs::path rel;
  std::stringstream parts(url_path.substr(1));
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == ".." || part.front() == '.') return std::nullopt;  // no dot files either
    rel /= part;
  }
  if (rel.empty()) rel = "index.html";
  std::error_code ec;
  const fs::path base = fs::canonical(root, ec);
  if (ec) return std::nullopt;
  fs::path file = fs::canonical(base / rel, ec);
  if (ec) return std::nullopt;
  if (fs::is_directory(file, ec)) file /= "index.html";
  // Symbolic links out of the directory are refused too.
  const auto [b, f] = std::mismatch(base.begin(), base.end(), file.begin(), file.end());
  if (b != base.end() || !fs::is_regular_file(file, ec)) return std::nullopt;
  return file;
}

}  // namespace

bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

std::string default_static_dir() {
#ifdef PARZEN_DASHBOARD_BUILD_DIST
  if (fs::is_directory(PARZEN_DASHBOARD_BUILD_DIST)) return PARZEN_DASHBOARD_BUILD_DIST;
#endif
#ifdef PARZEN_DASHBOARD_INSTALL_DIST
  return PARZEN_DASHBOARD_INSTALL_DIST;
#else
  return "dashboard/dist";
#endif
}

int run_server(const ServerOptions& o) {
  if (o.port < 0 || o.port > 65535)
    throw InvalidArgument(fmt::format("--port {} is out of range: 0 to 65535", o.port));
  auto storage = cli::open_existing_storage(o.storage);
  auto api = std::make_shared<Api>(storage);
  const std::string token = o.allow_writes ? read_token(o) : std::string();
  const fs::path root =
      o.static_dir.empty() ? fs::path(default_static_dir()) : fs::path(o.static_dir);
  if (!o.static_dir.empty() && !fs::is_directory(root))
    throw NotFound(fmt::format("--static-dir {}: no such directory", o.static_dir));
  const bool check_host = is_loopback(o.host);

  // SIGINT and SIGTERM go to a thread that stops the server (httplib's threads inherit the mask).
  // Our own disposition, as a handler would set: a shell starts background jobs with SIGINT
  // ignored, and an ignored signal is discarded before sigwait could take it.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  httplib::Server svr;
  // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, with which a second dashboard
  // on the same port would start and share its connections with the first.
  svr.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // 64 threads: each open connection (a browser keeps up to 6; idle keep-alive ones until the
  // 5-second keep-alive timeout) holds a thread while open.
  svr.new_task_queue = [] { return new httplib::ThreadPool(64); };
  svr.set_keep_alive_timeout(5);
  svr.set_payload_max_length(kMaxBody);
  svr.set_read_timeout(10, 0);
  svr.set_write_timeout(30, 0);
  svr.set_keep_alive_max_count(1000);
  svr.set_default_headers({
      {"Content-Security-Policy",
       "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
  });

  svr.set_pre_routing_handler([check_host](const httplib::Request& req, httplib::Response& res) {
    // No compression by httplib (see kAcceptEncodingMoved). The request object is not const;
    // httplib hands it to handlers as const.
    auto& headers = const_cast<httplib::Request&>(req).headers;
    if (auto it = headers.find("Accept-Encoding"); it != headers.end()) {
      headers.emplace(kAcceptEncodingMoved, it->second);
      headers.erase("Accept-Encoding");
    }
    // A body length that is not a number (-5, abc) is answered at once: httplib would wait for
    // a body until the read timeout first. The connection is closed (no body can be framed).
    // A length over the limit is left to httplib, which reads and discards the body before its
    // 413, so that a client still sending it gets the answer instead of a reset connection.
    if (req.has_header("Content-Length")) {
      const std::string length = req.get_header_value("Content-Length");
      if (!parse_u64(length)) {
        json_error(res, 400,
                   fmt::format("Content-Length '{}' is not a length in bytes", shown(length)));
        res.set_header("Connection", "close");
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    // A page from another site that resolves its own name to 127.0.0.1 (DNS rebinding) sends
    // its own name as Host: refused.
    if (check_host && req.has_header("Host") &&
        !is_loopback(host_name(req.get_header_value("Host")))) {
      json_error(res, 403,
                 "the Host header names another host; open the dashboard as http://127.0.0.1:PORT "
                 "or http://localhost:PORT");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  // Every handler maps the library's errors onto statuses with a JSON body.
  using Body = std::function<void(const httplib::Request&, httplib::Response&)>;
  const auto guarded = [](Body body) {
    return [body = std::move(body)](const httplib::Request& req, httplib::Response& res) {
      const auto start = std::chrono::steady_clock::now();
      try {
        body(req, res);
      } catch (const InvalidArgument& e) {
        json_error(res, 400, e.what());
      } catch (const NotFound& e) {
        json_error(res, 404, e.what());
      } catch (const InvalidState& e) {
        json_error(res, 409, e.what());
      } catch (const std::exception& e) {
        json_error(res, 500, e.what());
      }
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
      res.set_header("Server-Timing", fmt::format("app;dur={:.3f}", ms));
      res.set_header("Cache-Control", "no-store");
    };
  };
  const auto writes = [&o, token, guarded](Body body) {
    return guarded([&o, token, body = std::move(body)](const httplib::Request& req,
                                                       httplib::Response& res) {
      if (!o.allow_writes) {
        json_error(res, 403,
                   "the dashboard is read-only; start it with --allow-writes to change studies");
        return;
      }
      // The scheme name is case-insensitive (RFC 9110, 11.1): "Bearer", "bearer", "BEARER".
      const std::string auth = req.get_header_value("Authorization");
      const std::string prefix = "bearer ";
      const bool bearer =
          auth.size() >= prefix.size() &&
          std::equal(prefix.begin(), prefix.end(), auth.begin(), [](char p, char a) {
            return p == std::tolower(static_cast<unsigned char>(a));
          });
      if (!bearer || !same_secret(auth.substr(prefix.size()), token)) {
        json_error(res, 403,
                   "this write needs the header 'Authorization: Bearer TOKEN' with the token "
                   "`parzen dashboard --allow-writes` printed (or its --token-file)");
        return;
      }
      body(req, res);
    });
  };

  svr.Get("/api/studies", guarded([api](const httplib::Request&, httplib::Response& res) {
            res.set_content(api->studies(), kJson);
          }));
  svr.Get(R"(/api/studies/([^/]+)/trials)",
          guarded([api](const httplib::Request& req, httplib::Response& res) {
            const auto id = id_or_throw(req.matches[1], "study id");
            const std::string since = query(req, "since", "0");
            const auto v = parse_u64(since);
            if (!v)
              throw InvalidArgument(fmt::format(
                  "since '{}' is not a version (a non-negative integer from an earlier answer)",
                  shown(since)));
            const std::string compact = query(req, "compact", "0");
            if (compact != "0" && compact != "1")
              throw InvalidArgument(fmt::format("compact '{}' is not 0 or 1", shown(compact)));
            send_shared(res, api->trials(id, *v, compact == "1"), kJson);
          }));
  svr.Get(R"(/api/studies/([^/]+)/trials/([^/]+))",
          guarded([api](const httplib::Request& req, httplib::Response& res) {
            res.set_content(api->trial(id_or_throw(req.matches[1], "study id"),
                                       id_or_throw(req.matches[2], "trial number")),
                            kJson);
          }));
  // What the page may offer: the Stop button and the other writes only when they are allowed.
  svr.Get("/api/server", guarded([&o](const httplib::Request&, httplib::Response& res) {
            res.set_content(dump(json{{"allow_writes", o.allow_writes}}), kJson);
          }));
  svr.Get(R"(/api/studies/([^/]+)/pareto)",
          guarded([api](const httplib::Request& req, httplib::Response& res) {
            res.set_content(api->pareto(id_or_throw(req.matches[1], "study id")), kJson);
          }));
  svr.Get(R"(/api/studies/([^/]+)/importance)",
          guarded([api](const httplib::Request& req, httplib::Response& res) {
            const auto id = id_or_throw(req.matches[1], "study id");
            const auto objective = id_or_throw(query(req, "objective", "0"), "objective");
            if (objective > 1000) throw InvalidArgument("objective is out of range");
            res.set_content(api->importance(id, query(req, "evaluator", "ped-anova"),
                                            static_cast<int>(objective)),
                            kJson);
          }));
  svr.Get(
      R"(/api/studies/([^/]+)/trials/([^/]+)/log)",
      guarded([api](const httplib::Request& req, httplib::Response& res) {
        const auto id = id_or_throw(req.matches[1], "study id");
        const auto number = id_or_throw(req.matches[2], "trial number");
        const std::string tail = query(req, "tail_bytes", std::to_string(Api::kDefaultTailBytes));
        const auto n = parse_u64(tail);
        if (!n)
          throw InvalidArgument(fmt::format("tail_bytes '{}' is not a number", tail.substr(0, 64)));
        res.set_content(api->log(id, number, query(req, "stream", "stdout"), *n), kJson);
      }));
  svr.Get(R"(/api/studies/([^/]+)/export)",
          guarded([api](const httplib::Request& req, httplib::Response& res) {
            const auto id = id_or_throw(req.matches[1], "study id");
            const std::string format = query(req, "format", "csv");
            auto [text, name] = api->export_file(id, format);
            res.set_header("Content-Disposition", fmt::format("attachment; filename=\"{}\"", name));
            res.set_content(std::move(text), format == "csv" ? "text/csv; charset=utf-8" : kJson);
          }));
  svr.Get(R"(/api/studies/([^/]+)/trials/([^/]+)/note)",
          guarded([api](const httplib::Request& req, httplib::Response& res) {
            res.set_content(api->note(id_or_throw(req.matches[1], "study id"),
                                      id_or_throw(req.matches[2], "trial number")),
                            kJson);
          }));
  svr.Post(R"(/api/studies/([^/]+)/trials/([^/]+)/note)",
           writes([api](const httplib::Request& req, httplib::Response& res) {
             res.set_content(api->set_note(id_or_throw(req.matches[1], "study id"),
                                           id_or_throw(req.matches[2], "trial number"), req.body),
                             kJson);
           }));
  svr.Post(R"(/api/studies/([^/]+)/trials/([^/]+)/tell)",
           writes([api](const httplib::Request& req, httplib::Response& res) {
             res.set_content(api->tell(id_or_throw(req.matches[1], "study id"),
                                       id_or_throw(req.matches[2], "trial number"), req.body),
                             kJson);
           }));
  svr.Post(R"(/api/studies/([^/]+)/stop)",
           writes([api](const httplib::Request& req, httplib::Response& res) {
             res.set_content(api->stop(id_or_throw(req.matches[1], "study id"),
                                       fmt::format("the dashboard ({})", shown(req.remote_addr))),
                             kJson);
           }));
  svr.Get("/api/.*", guarded([](const httplib::Request& req, httplib::Response& res) {
            json_error(res, 404, fmt::format("no such endpoint: {}", req.path.substr(0, 200)));
          }));
  svr.Post(".*", guarded([](const httplib::Request& req, httplib::Response& res) {
             json_error(res, req.path.rfind("/api/", 0) == 0 ? 404 : 405,
                        fmt::format("no POST endpoint at {}", req.path.substr(0, 200)));
           }));
  // Methods the dashboard does not use anywhere: 405, as docs/dashboard.md says.
  const auto not_allowed = guarded([](const httplib::Request& req, httplib::Response& res) {
    json_error(res, 405,
               fmt::format("method {} not allowed (the dashboard answers GET, and POST for writes)",
                           req.method.substr(0, 16)));
  });
  svr.Put(".*", not_allowed);
  svr.Patch(".*", not_allowed);
  svr.Delete(".*", not_allowed);
  svr.Get(".*", [root](const httplib::Request& req, httplib::Response& res) {
    const auto file = static_file(root, req.path);
    if (!file) {
      if (req.path == "/" || req.path == "/index.html")
        json_error(res, 404,
                   fmt::format("the dashboard's page is not built: {} has no index.html; build it "
                               "with scripts/build-dashboard.sh (npm) or pass --static-dir",
                               root.string()));
      else
        json_error(res, 404, "no such file");
      return;
    }
    std::ifstream in(*file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    res.set_content(ss.str(), mime_type(*file));
    res.set_header("Cache-Control", "no-cache");
  });
  svr.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const std::string message = res.status == 404   ? "not found"
                                : res.status == 405 ? "method not allowed"
                                : res.status == 413 ? "the request is too large"
                                : res.status == 414 ? "the request URI is too long"
                                                    : "bad request";
    json_error(
        res, res.status,
        fmt::format("{} ({} {})", message, req.method.substr(0, 16), req.path.substr(0, 200)));
  });
  svr.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                               std::exception_ptr) { json_error(res, 500, "internal error"); });

  const int port = o.port == 0 ? svr.bind_to_any_port(o.host) : o.port;
  if (port < 0 || (o.port != 0 && !svr.bind_to_port(o.host, o.port)))
    throw Error(fmt::format(
        "cannot listen on {}:{} (in use, or not an address of this host); choose another "
        "--port or --host",
        o.host, o.port));

  // A signal that comes before the server listens waits for it to (stop() would do nothing).
  std::atomic<bool> finished{false};
  std::thread stopper([&svr, &finished, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    while (!finished && !svr.is_running())
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    svr.stop();
  });
  const std::string shown_host =
      o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  std::cout << fmt::format("parzen dashboard: http://{}:{}/ ({}; {})\n", shown_host, port,
                           redact_storage_url(cli::storage_url(o.storage)),
                           o.allow_writes ? "writes allowed with the token" : "read-only");
  if (o.allow_writes && o.token_file.empty() && !std::getenv("PARZEN_DASHBOARD_TOKEN"))
    std::cout << "token: " << token << "\n";
  if (!check_host)
    std::cout << fmt::format(
        "warning: listening on {}, not only this host: anyone who can reach it can read every "
        "study\n",
        o.host);
  if (!fs::is_regular_file(root / "index.html"))
    std::cout << fmt::format("note: {} has no index.html; only the API is served\n", root.string());
  std::cout.flush();
  // Warm the caches while the first page loads: every study's trials are read once now, so
  // the page's first request for a large study finds them ready instead of waiting for the
  // storage (seconds at 100 000 trials).
  std::thread warm([api] {
    try {
      (void)api->studies();
    } catch (const std::exception& e) {
      std::cerr << "parzen dashboard: warning: reading the studies failed: " << e.what() << "\n";
    }
  });
  const bool ok = svr.listen_after_bind();
  finished = true;
  warm.join();
  // The server stopped on its own (not by a signal): wake the signal thread.
  if (!ok) pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
  return ok ? 0 : 1;
}

}  // namespace parzen::dashboard
