// The PostgreSQL driver (libpq): prepared statements cached by SQL text, `?` placeholders
// rewritten to $n, values exchanged as text. The connection string is libpq's (URI or
// key=value), so passwords may come from PGPASSWORD or ~/.pgpass; no message ever shows one.
//
// Faults. Every round trip uses libpq's asynchronous API in pipeline mode (send everything, one
// sync, then poll() on the socket) under a client-side deadline (`deadline_seconds`, 30 s). On
// the deadline the driver sends a cancel request: when the server answers "canceling statement"
// (SQLSTATE 57014) the statements did not take effect and are re-sent; when it does not answer
// within min(deadline, 5 s) more, the connection is dropped. A dropped or lost connection
// (server restart, pg_terminate_backend, network) is re-established with exponential back-off
// (50 ms doubling to 2 s, jittered) for up to `retry_seconds` (60 s), prepared statements are
// prepared again on the new connection, and reconnects() counts it. Outside an explicit
// transaction the interrupted statements are then re-sent (every batch of the storage is safe
// to re-run); inside one (begin_write/begin_read .. commit) the driver restores the connection
// and throws ConnectionLost so the caller reruns the whole transaction. When the retry time runs
// out it throws ConnectionLost saying how long it tried and why. Both options are Parzen's: they
// are removed from the connection string before libpq sees it (libpq refuses unknown ones).

#include <libpq-fe.h>
#include <poll.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "parzen/error.hpp"
#include "parzen/storage.hpp"
#include "storage/rdb/driver.hpp"
#include "storage/utf8.hpp"

namespace parzen::rdb {
namespace {

using Clock = std::chrono::steady_clock;

constexpr double kDefaultRetrySeconds = 60;
constexpr double kDefaultDeadlineSeconds = 30;
constexpr double kDefaultConnectTimeoutSeconds = 10;
constexpr double kMaxCancelWaitSeconds = 5;
constexpr double kFirstBackoffSeconds = 0.05;
constexpr double kMaxBackoffSeconds = 2;

// "postgresql://user:secret@host/db" -> "postgresql://user:***@host/db".
std::string without_password(const std::string& conninfo) {
  const auto scheme = conninfo.find("://");
  if (scheme == std::string::npos) return "the PostgreSQL server";
  return redact_storage_url(conninfo);
}

// `?` -> `$1`, `$2`, ... outside quoted literals.
std::string numbered_placeholders(const std::string& sql) {
  std::string out;
  int n = 0;
  bool quoted = false;
  for (char c : sql) {
    if (c == '\'') quoted = !quoted;
    if (c == '?' && !quoted) {
      out += fmt::format("${}", ++n);
    } else {
      out += c;
    }
  }
  return out;
}

std::string trimmed(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

Clock::duration seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}
double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Parzen's own options in the connection string, and the string libpq gets without them.
struct Options {
  double retry_seconds = kDefaultRetrySeconds;
  double deadline_seconds = kDefaultDeadlineSeconds;
  std::string libpq;  // the connection string without Parzen's options
};

// `shown`: the connection string without its password, for the message.
void set_option(Options& o, const std::string& key, const std::string& value,
                const std::string& shown) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(value.c_str(), &end);
  const bool deadline = key == "deadline_seconds";
  const bool ok = !value.empty() && end == value.c_str() + value.size() && errno == 0 &&
                  std::isfinite(v) && (deadline ? v > 0 : v >= 0);
  if (!ok)
    throw InvalidArgument(fmt::format(
        "storage URL {}: {}='{}' is not a number of seconds {}; e.g. {}={}", shown, key, value,
        deadline ? "> 0" : ">= 0", key, deadline ? kDefaultDeadlineSeconds : kDefaultRetrySeconds));
  (deadline ? o.deadline_seconds : o.retry_seconds) = v;
}

bool is_parzen_option(const std::string& key) {
  return key == "retry_seconds" || key == "deadline_seconds";
}

// Splits retry_seconds and deadline_seconds out of a postgresql:// URI (query parameters) or a
// key=value connection string (pairs separated by spaces; values may be single-quoted).
Options parse_options(const std::string& conninfo) {
  Options o;
  if (conninfo.find("://") != std::string::npos) {
    const auto q = conninfo.find('?');
    if (q == std::string::npos) {
      o.libpq = conninfo;
      return o;
    }
    std::string kept;
    size_t pos = q + 1;
    while (pos <= conninfo.size()) {
      size_t amp = conninfo.find('&', pos);
      if (amp == std::string::npos) amp = conninfo.size();
      const std::string param = conninfo.substr(pos, amp - pos);
      const auto eq = param.find('=');
      const std::string key = param.substr(0, eq);
      if (is_parzen_option(key)) {
        set_option(o, key, eq == std::string::npos ? "" : param.substr(eq + 1),
                   without_password(conninfo));
      } else if (!param.empty()) {
        kept += (kept.empty() ? "" : "&") + param;
      }
      pos = amp + 1;
    }
    o.libpq = conninfo.substr(0, q) + (kept.empty() ? "" : "?" + kept);
    return o;
  }
  // key=value pairs: copy every pair but ours, verbatim.
  std::vector<std::pair<std::string, std::string>> ours;
  std::string shown;  // the pairs with password=***
  size_t i = 0;
  const size_t n = conninfo.size();
  const auto space = [&](size_t k) {
    return k < n && std::isspace(static_cast<unsigned char>(conninfo[k]));
  };
  while (i < n) {
    while (space(i)) ++i;
    if (i >= n) break;
    const size_t begin = i;
    while (i < n && conninfo[i] != '=' && !space(i)) ++i;
    const std::string key = conninfo.substr(begin, i - begin);
    while (space(i)) ++i;
    if (i < n && conninfo[i] == '=') ++i;
    while (space(i)) ++i;
    std::string value;
    if (i < n && conninfo[i] == '\'') {
      for (++i; i < n && conninfo[i] != '\''; ++i) {
        if (conninfo[i] == '\\' && i + 1 < n) ++i;
        value += conninfo[i];
      }
      ++i;
    } else {
      while (i < n && !space(i)) {
        if (conninfo[i] == '\\' && i + 1 < n) ++i;
        value += conninfo[i++];
      }
    }
    const std::string pair = conninfo.substr(begin, std::min(i, n) - begin);
    shown += (shown.empty() ? "" : " ") + (key == "password" ? "password=***" : pair);
    if (is_parzen_option(key)) {
      ours.emplace_back(key, value);
    } else {
      o.libpq += (o.libpq.empty() ? "" : " ") + pair;
    }
  }
  for (const auto& [key, value] : ours) set_option(o, key, value, "'" + shown + "'");
  return o;
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// Waits until the socket is readable (or writable, with `write`); false at the deadline.
enum class Ready { Yes, Timeout, Error };
Ready wait_socket(PGconn* c, bool read, bool write, Clock::time_point deadline) {
  const int fd = PQsocket(c);
  if (fd < 0) return Ready::Error;
  pollfd p{fd, static_cast<short>((read ? POLLIN : 0) | (write ? POLLOUT : 0)), 0};
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Ready::Timeout;
    const int n = poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count() + 1, 1000)));
    if (n > 0) return Ready::Yes;
    if (n < 0 && errno != EINTR) return Ready::Error;
  }
}

// Asks the server to cancel the connection's running statement, from a detached thread: libpq's
// PQcancel blocks until the server answers, which a frozen server never does.
void send_cancel(PGconn* c) {
  PGcancel* cancel = PQgetCancel(c);
  if (!cancel) return;
  std::thread([cancel] {
    char error[256];
    PQcancel(cancel, error, sizeof error);
    PQfreeCancel(cancel);
  }).detach();
}

class PgConnection final : public Connection {
 public:
  explicit PgConnection(const std::string& conninfo)
      : options_(parse_options(conninfo)), shown_(without_password(conninfo)) {
    std::string reason;
    conn_ = connect(Clock::now() + seconds(connect_timeout_seconds()), reason);
    if (!conn_)
      throw StorageError(
          fmt::format("cannot connect to the PostgreSQL database {}: {}", shown_, reason));
    describe_ =
        fmt::format("PostgreSQL database '{}' on {}:{}", PQdb(conn_), PQhost(conn_), PQport(conn_));
  }

  ~PgConnection() override { drop(); }

  std::vector<Row> query(const std::string& sql, const std::vector<Value>& params = {}) override {
    return std::move(exchange({{sql, params}}).at(0));
  }

  // Statements up to the pipeline's sync run as one implicit transaction (unless inside an
  // explicit BEGIN): an error rolls them all back.
  std::vector<std::vector<Row>> write_batch(const std::vector<Statement>& statements) override {
    return exchange(statements);
  }

  std::vector<std::vector<Row>> pipeline(const std::vector<Statement>& statements) override {
    return exchange(statements);
  }

  int64_t changes() override { return changes_; }
  // BEGIN is re-sent like any statement outside a transaction (a connection lost while idle is
  // restored here); the transaction starts once it succeeded.
  void begin_write() override {
    exchange({{"BEGIN"}});
    in_transaction_ = true;
  }
  // One snapshot for every read until commit.
  void begin_read() override {
    exchange({{"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"}});
    in_transaction_ = true;
  }
  // A ConnectionLost from commit() means the outcome is unknown (the COMMIT may have run before
  // the connection dropped); reconnects() has moved.
  void commit() override {
    struct End {
      bool& flag;
      ~End() { flag = false; }
    } end{in_transaction_};
    exchange({{"COMMIT"}});
  }
  // Never throws: on a lost connection there is nothing to roll back (the server did); on a
  // frozen one the connection is dropped and restored by the next statement.
  void rollback() override {
    in_transaction_ = false;
    if (!conn_ || PQtransactionStatus(conn_) == PQTRANS_IDLE) return;
    quiet_rollback();
  }
  std::string dialect() const override { return "postgresql"; }
  std::string describe() const override { return describe_; }
  uint64_t reconnects() const override { return reconnects_; }

  std::string pin_identity(const std::string& token_sql, const std::string& expected) override {
    identity_sql_.clear();  // no check while pinning
    const std::string with_system =
        "SELECT (" + token_sql + "), (SELECT system_identifier::text FROM pg_control_system())";
    std::string identity;
    try {
      identity = identity_of(exchange({{with_system}}).at(0));
      identity_sql_ = with_system;
    } catch (const ConnectionLost&) {
      throw;
    } catch (const StorageError&) {
      // A role that may not call pg_control_system() (some managed services): the token only.
      const std::string token_only = "SELECT (" + token_sql + "), NULL";
      identity = identity_of(exchange({{token_only}}).at(0));
      identity_sql_ = token_only;
    }
    if (!expected.empty() && identity != expected)
      throw DatabaseReplaced(
          fmt::format("the {} reached through {} is not the database this process opened first "
                      "({}; now {}); nothing was written to it. Another server or database "
                      "answers at that address: check the storage URL",
                      describe_, shown_, expected, identity));
    identity_ = identity;
    return identity;
  }

 private:
  // "token T, server S" from the identity query's row (S "-" when the role cannot read it).
  static std::string identity_of(const std::vector<Row>& rows) {
    const auto text = [&](size_t i) {
      return rows.empty() || rows[0].size() <= i || is_null(rows[0][i]) ? std::string("-")
             : std::holds_alternative<std::string>(rows[0][i])          ? as_text(rows[0][i])
                                                               : std::to_string(as_int(rows[0][i]));
    };
    return fmt::format("Parzen token {}, server system identifier {}", text(0), text(1));
  }

  // After a reconnect: the identity pinned by pin_identity() must be the same. Returns false
  // when the connection was lost again while asking (the caller goes on restoring it); throws
  // DatabaseReplaced, and poisons this connection, on another database.
  bool same_database() {
    if (identity_sql_.empty()) return true;
    const Attempt a = attempt({{identity_sql_}});
    if (a.outcome == Attempt::Lost || a.outcome == Attempt::TimedOut ||
        a.outcome == Attempt::Cancelled) {
      drop();
      return false;
    }
    const std::string now = a.outcome == Attempt::Ok
                                ? identity_of(a.rows.at(0))
                                : fmt::format("no Parzen schema: {}", trimmed(a.error));
    if (now == identity_) return true;
    drop();
    replaced_ = fmt::format(
        "reconnected to the {} at {}, but it is not the database this process started on "
        "(it was: {}; it is now: {}): another server or database answers at that address. "
        "Stopping without writing anything to it; check the storage URL (give each server a "
        "port or host of its own), restart the original server, then resume the study",
        describe_, shown_, identity_, now);
    throw DatabaseReplaced(replaced_);
  }

  // Parameters as the text libpq sends (NULL for monostate).
  struct Bound {
    std::vector<std::string> text;
    std::vector<const char*> values;
    explicit Bound(const std::vector<Value>& params)
        : text(params.size()), values(params.size(), nullptr) {
      for (size_t i = 0; i < params.size(); ++i) {
        const Value& v = params[i];
        if (std::holds_alternative<std::monostate>(v)) continue;
        if (const auto* n = std::get_if<int64_t>(&v)) {
          text[i] = std::to_string(*n);
        } else if (const auto* d = std::get_if<double>(&v)) {
          text[i] = std::isnan(*d)   ? "NaN"
                    : std::isinf(*d) ? (*d > 0 ? "Infinity" : "-Infinity")
                                     : fmt::format("{}", *d);
        } else {
          text[i] = detail::storable_text(std::get<std::string>(v));
        }
        values[i] = text[i].c_str();
      }
    }
  };

  // What one round trip gave.
  struct Attempt {
    enum Outcome { Ok, SqlError, Cancelled, Lost, TimedOut } outcome = Ok;
    std::vector<std::vector<Row>> rows;
    std::string error, state, sql;
  };

  // libpq's connect_timeout where the connection string sets one, else ours.
  double connect_timeout_seconds() const {
    double timeout = kDefaultConnectTimeoutSeconds;
    if (const char* env = std::getenv("PGCONNECT_TIMEOUT")) timeout = std::atof(env);
    if (PQconninfoOption* opts = PQconninfoParse(options_.libpq.c_str(), nullptr)) {
      for (PQconninfoOption* o = opts; o->keyword; ++o)
        if (std::string(o->keyword) == "connect_timeout" && o->val && *o->val)
          timeout = std::atof(o->val);
      PQconninfoFree(opts);
    }
    return timeout > 0 ? std::max(timeout, 2.0) : kDefaultConnectTimeoutSeconds;
  }

  // One connection attempt until `deadline` (libpq's asynchronous connect: connect_timeout is
  // not enforced by it). Keepalives and tcp_user_timeout get defaults unless the string sets them.
  PGconn* connect(Clock::time_point deadline, std::string& reason) const {
    std::vector<const char*> keys = {"keepalives", "keepalives_idle", "keepalives_interval",
                                     "keepalives_count", "tcp_user_timeout"};
    std::vector<const char*> values = {"1", "10", "5", "3", "30000"};
    if (!std::getenv("PGCONNECT_TIMEOUT")) {
      keys.push_back("connect_timeout");
      values.push_back("10");
    }
    keys.push_back("dbname");  // last: the connection string's own settings win
    values.push_back(options_.libpq.c_str());
    keys.push_back(nullptr);
    values.push_back(nullptr);
    PGconn* c = PQconnectStartParams(keys.data(), values.data(), 1);
    if (!c) {
      reason = "out of memory";
      return nullptr;
    }
    PostgresPollingStatusType status = PGRES_POLLING_WRITING;
    while (PQstatus(c) != CONNECTION_BAD && status != PGRES_POLLING_FAILED) {
      if (status == PGRES_POLLING_OK) {
        PQsetNoticeProcessor(
            c, [](void*, const char*) {}, nullptr);
        if (PQsetnonblocking(c, 1) == 0) return c;
        break;
      }
      const auto ready = wait_socket(c, status == PGRES_POLLING_READING,
                                     status == PGRES_POLLING_WRITING, deadline);
      if (ready == Ready::Timeout) {
        reason = "timeout expired while connecting";
        PQfinish(c);
        return nullptr;
      }
      status = PQconnectPoll(c);
    }
    reason = trimmed(PQerrorMessage(c));
    PQfinish(c);
    return nullptr;
  }

  void drop() {
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    prepared_.clear();
  }

  // Re-establishes the connection, with back-off, until `since` + retry_seconds; throws
  // ConnectionLost when that time runs out.
  void restore(Clock::time_point since, std::string reason) {
    drop();
    thread_local std::minstd_rand random{std::random_device{}()};
    double backoff = kFirstBackoffSeconds;
    const auto until = since + seconds(options_.retry_seconds);
    while (true) {
      const auto attempt_deadline = std::min(Clock::now() + seconds(connect_timeout_seconds()),
                                             std::max(until, Clock::now() + seconds(0.1)));
      std::string why;
      conn_ = connect(attempt_deadline, why);
      if (conn_ && same_database()) {
        ++reconnects_;
        return;
      }
      if (!conn_) reason = why;
      if (Clock::now() >= until) throw given_up(since, reason);
      std::uniform_real_distribution<double> jitter(0.5, 1.0);
      const auto pause = std::min(Clock::now() + seconds(backoff * jitter(random)), until);
      std::this_thread::sleep_until(pause);
      backoff = std::min(backoff * 2, kMaxBackoffSeconds);
    }
  }

  ConnectionLost given_up(Clock::time_point since, const std::string& reason) const {
    return ConnectionLost(
        fmt::format(
            "lost the connection to the {} and could not restore it in {:.1f} s of trying "
            "(retry_seconds={} in the storage URL): {}. What the database committed before is "
            "safe; the interrupted statement may or may not have been committed. Check that the "
            "server is running and reachable, then resume the study",
            describe_, seconds_between(since, Clock::now()), options_.retry_seconds, reason),
        true);
  }

  // Runs the statements in one pipeline, re-sending them outside a transaction after a lost
  // connection or a cancelled statement; see the file's comment.
  std::vector<std::vector<Row>> exchange(const std::vector<Statement>& statements) {
    std::optional<Clock::time_point> since;  // when the first fault of this call was seen
    bool restored = false;
    if (!replaced_.empty()) throw DatabaseReplaced(replaced_);
    while (true) {
      if (!conn_) {
        if (in_transaction_)
          throw ConnectionLost(fmt::format(
              "the connection to the {} was lost during this transaction; roll it back and "
              "rerun it",
              describe_));
        if (!since) since = Clock::now();
        restore(*since, "the connection was lost before");
      }
      Attempt a = attempt(statements);
      switch (a.outcome) {
        case Attempt::Ok:
          return std::move(a.rows);
        case Attempt::SqlError:
          if (!in_transaction_ && PQtransactionStatus(conn_) != PQTRANS_IDLE) quiet_rollback();
          if (a.state == "23505")
            throw DuplicatedStudy(fmt::format("{}: {}", describe_, trimmed(a.error)));
          throw StorageError(fmt::format("PostgreSQL error on the {}: {} (in: {})", describe_,
                                         trimmed(a.error), a.sql.substr(0, 120)));
        case Attempt::Cancelled:
          if (in_transaction_)
            throw ConnectionLost(fmt::format(
                "a statement on the {} was cancelled ({}); the server rolled the transaction "
                "back: rerun it",
                describe_, trimmed(a.error)));
          if (PQtransactionStatus(conn_) != PQTRANS_IDLE) quiet_rollback();
          if (!since) since = Clock::now();
          if (Clock::now() >= *since + seconds(options_.retry_seconds))
            throw ConnectionLost(
                fmt::format("a statement on the {} did not finish within its deadline "
                            "(deadline_seconds={} in the storage URL) and was cancelled and "
                            "sent again for {:.1f} s (retry_seconds={}): {}. Nothing of it was "
                            "committed; raise deadline_seconds if statements take that long (in: "
                            "{})",
                            describe_, options_.deadline_seconds,
                            seconds_between(*since, Clock::now()), options_.retry_seconds,
                            trimmed(a.error), a.sql.substr(0, 120)),
                true);
          continue;  // it did not take effect: send it again
        case Attempt::Lost:
        case Attempt::TimedOut:
          if (!since) since = Clock::now();
          if (restored && Clock::now() >= *since + seconds(options_.retry_seconds))
            throw given_up(*since, trimmed(a.error));
          restore(*since, trimmed(a.error));
          restored = true;
          if (in_transaction_)
            throw ConnectionLost(fmt::format(
                "lost the connection to the {} during a transaction ({}); the connection is "
                "restored and the server rolled the transaction back (unless it was committing: "
                "then it may have committed): rerun it",
                describe_, trimmed(a.error)));
          continue;  // outside a transaction: every batch is safe to re-send
      }
    }
  }

  // ROLLBACK with the deadline; on any fault the connection is dropped (the server rolls back).
  void quiet_rollback() {
    const Attempt a = attempt({{"ROLLBACK"}});
    if (a.outcome != Attempt::Ok || PQtransactionStatus(conn_) != PQTRANS_IDLE) drop();
  }

  // The next result, waiting until `deadline`; nullopt on a timeout; a null Result (with the
  // connection bad) when the connection failed.
  enum class Got { Result, Timeout, Lost };
  Got next_result(Result& out, Clock::time_point deadline) {
    while (true) {
      const int flush = PQflush(conn_);
      if (flush < 0) return Got::Lost;
      if (flush == 0 && !PQisBusy(conn_)) {
        out.reset(PQgetResult(conn_));
        return Got::Result;
      }
      const auto ready = wait_socket(conn_, true, flush == 1, deadline);
      if (ready == Ready::Timeout) return Got::Timeout;
      if (ready == Ready::Error || !PQconsumeInput(conn_)) return Got::Lost;
    }
  }

  static bool connection_failure(const std::string& state) {
    return state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03";
  }

  // One round trip: prepares the statements new to this connection (each behind its own sync,
  // so a bad one does not skip the others), sends every statement and one sync, reads it all.
  Attempt attempt(const std::vector<Statement>& statements) {
    Attempt a;
    const auto lost = [&](const std::string& reason) {
      a.outcome = Attempt::Lost;
      a.error = reason.empty() ? trimmed(PQerrorMessage(conn_)) : reason;
      if (a.error.empty()) a.error = "the server closed the connection";
      return a;
    };
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) return lost("");
    std::vector<std::string> names(statements.size());
    std::vector<std::pair<const std::string*, std::string>> to_prepare;  // sql, name
    std::unordered_map<std::string, std::string> pending;
    for (size_t i = 0; i < statements.size(); ++i) {
      const std::string& sql = statements[i].sql;
      if (auto it = prepared_.find(sql); it != prepared_.end()) {
        names[i] = it->second;
      } else if (auto p = pending.find(sql); p != pending.end()) {
        names[i] = p->second;
      } else {
        names[i] = fmt::format("parzen_{}", next_name_++);
        pending.emplace(sql, names[i]);
        to_prepare.emplace_back(&sql, names[i]);
      }
    }
    if (PQenterPipelineMode(conn_) != 1) return lost("");
    bool sent = true;
    for (const auto& [sql, name] : to_prepare)
      sent = sent &&
             PQsendPrepare(conn_, name.c_str(), numbered_placeholders(*sql).c_str(), 0, nullptr) ==
                 1 &&
             PQpipelineSync(conn_) == 1;
    for (size_t i = 0; i < statements.size() && sent; ++i) {
      const Bound bound(statements[i].params);
      sent = PQsendQueryPrepared(conn_, names[i].c_str(), static_cast<int>(bound.values.size()),
                                 bound.values.data(), nullptr, nullptr, 0) == 1;
    }
    sent = sent && PQpipelineSync(conn_) == 1;
    if (!sent) return lost("");

    auto deadline = Clock::now() + seconds(options_.deadline_seconds);
    bool cancel_sent = false;
    // Reads the next result into r; false when the round trip failed (a set).
    const auto read = [&](Result& r) {
      while (true) {
        const Got got = next_result(r, deadline);
        if (got == Got::Result) return true;
        if (got == Got::Lost) {
          lost("");
          return false;
        }
        if (cancel_sent) {
          a.outcome = Attempt::TimedOut;
          a.error = fmt::format(
              "no answer within {} s (deadline_seconds in the storage URL), nor to the cancel "
              "request after it",
              options_.deadline_seconds);
          return false;
        }
        send_cancel(conn_);
        cancel_sent = true;
        deadline =
            Clock::now() + seconds(std::min(options_.deadline_seconds, kMaxCancelWaitSeconds));
      }
    };
    // Takes one statement's result (and the NULL after it); false when the round trip failed.
    bool failed = false;  // the statement taken last failed
    const auto take = [&](const std::string& sql, std::vector<Row>* rows) {
      failed = false;
      Result r;
      if (!read(r)) return false;
      if (!r) {
        lost("");
        return false;
      }
      const auto status = PQresultStatus(r.get());
      if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        if (rows) *rows = rows_of(r.get());
      } else if (status != PGRES_PIPELINE_ABORTED) {
        const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
        const std::string code = state ? state : "";
        const std::string message = PQresultErrorMessage(r.get());
        failed = true;
        if (PQstatus(conn_) != CONNECTION_OK || connection_failure(code)) {
          lost(trimmed(message));
          return false;
        }
        if (a.outcome == Attempt::Ok) {
          a.outcome = code == "57014" ? Attempt::Cancelled : Attempt::SqlError;
          a.error = message;
          a.state = code;
          a.sql = sql;
        }
      }
      Result end;  // the NULL that ends each statement's results
      if (!read(end)) return false;
      if (end) {
        lost("unexpected result from the server");
        return false;
      }
      return true;
    };
    const auto sync = [&] {
      Result r;
      if (!read(r)) return false;
      if (!r || PQresultStatus(r.get()) != PGRES_PIPELINE_SYNC) {
        lost(r ? "unexpected result from the server" : "");
        return false;
      }
      return true;
    };
    for (const auto& [sql, name] : to_prepare) {
      if (!take(*sql, nullptr)) return a;
      const bool prepared = !failed;
      if (!sync()) return a;
      if (prepared) prepared_.emplace(*sql, name);
    }
    a.rows.resize(statements.size());
    for (size_t i = 0; i < statements.size(); ++i)
      if (!take(statements[i].sql, &a.rows[i])) return a;
    if (!sync()) return a;
    if (PQexitPipelineMode(conn_) != 1) return lost("");
    return a;
  }

  std::vector<Row> rows_of(PGresult* r) {
    const char* tuples = PQcmdTuples(r);
    changes_ = tuples && *tuples ? std::stoll(tuples) : 0;
    std::vector<Row> rows;
    const int n_rows = PQntuples(r), n_cols = PQnfields(r);
    for (int i = 0; i < n_rows; ++i) {
      Row row(static_cast<size_t>(n_cols));
      for (int c = 0; c < n_cols; ++c) {
        if (PQgetisnull(r, i, c)) continue;
        const char* cell = PQgetvalue(r, i, c);
        switch (PQftype(r, c)) {
          case 20:  // int8
          case 21:  // int2
          case 23:  // int4
            row[static_cast<size_t>(c)] = static_cast<int64_t>(std::stoll(cell));
            break;
          case 700:   // float4
          case 701:   // float8
          case 1700:  // numeric
            row[static_cast<size_t>(c)] = std::strtod(cell, nullptr);
            break;
          default:
            row[static_cast<size_t>(c)] =
                std::string(cell, static_cast<size_t>(PQgetlength(r, i, c)));
        }
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

  Options options_;
  PGconn* conn_ = nullptr;
  std::string shown_, describe_;
  int64_t changes_ = 0;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
  uint64_t next_name_ = 0;
  bool in_transaction_ = false;
  uint64_t reconnects_ = 0;
  std::string identity_sql_;  // pin_identity's query; empty: nothing pinned
  std::string identity_;      // what it answered at the first connection
  std::string replaced_;      // set once another database answered: every call throws it
};

}  // namespace

std::unique_ptr<Connection> open_postgres(const std::string& conninfo) {
  return std::make_unique<PgConnection>(conninfo);
}

}  // namespace parzen::rdb
