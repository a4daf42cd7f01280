// The PostgreSQL driver (libpq): prepared statements cached by SQL text, `?` placeholders
// rewritten to $n, values exchanged as text. The connection string is libpq's (URI or
// key=value), so passwords may come from PGPASSWORD or ~/.pgpass; no message ever shows one.

#include <libpq-fe.h>

#include <cmath>
#include <unordered_map>

#include <fmt/format.h>

#include "parzen/error.hpp"
#include "parzen/storage.hpp"
#include "storage/rdb/driver.hpp"
#include "storage/utf8.hpp"

namespace parzen::rdb {
namespace {

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

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

class PgConnection final : public Connection {
 public:
  explicit PgConnection(const std::string& conninfo) : shown_(without_password(conninfo)) {
    conn_ = PQconnectdb(conninfo.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string message = PQerrorMessage(conn_);
      while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
        message.pop_back();
      PQfinish(conn_);
      conn_ = nullptr;
      throw StorageError(
          fmt::format("cannot connect to the PostgreSQL database {}: {}", shown_, message));
    }
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
    describe_ =
        fmt::format("PostgreSQL database '{}' on {}:{}", PQdb(conn_), PQhost(conn_), PQport(conn_));
  }

  ~PgConnection() override {
    if (conn_) PQfinish(conn_);
  }

  std::vector<Row> query(const std::string& sql, const std::vector<Value>& params = {}) override {
    const std::string& name = prepared(sql);
    const Bound bound(params);
    Result r(PQexecPrepared(conn_, name.c_str(), static_cast<int>(bound.values.size()),
                            bound.values.data(), nullptr, nullptr, 0));
    check(r.get(), sql);
    return rows_of(r.get());
  }

  // Statements up to the pipeline's sync run as one implicit transaction (unless inside an
  // explicit BEGIN): an error rolls them all back.
  std::vector<std::vector<Row>> write_batch(const std::vector<Statement>& statements) override {
    return pipeline(statements);
  }

  std::vector<std::vector<Row>> pipeline(const std::vector<Statement>& statements) override {
    std::vector<const std::string*> names;
    for (const auto& s : statements) names.push_back(&prepared(s.sql));
    if (PQenterPipelineMode(conn_) != 1)
      throw StorageError(fmt::format("cannot enter pipeline mode on the {}", describe_));
    for (size_t i = 0; i < statements.size(); ++i) {
      const Bound bound(statements[i].params);
      if (PQsendQueryPrepared(conn_, names[i]->c_str(), static_cast<int>(bound.values.size()),
                              bound.values.data(), nullptr, nullptr, 0) != 1)
        break;  // the connection failed; reported below
    }
    PQpipelineSync(conn_);
    std::vector<std::vector<Row>> out;
    std::string error;
    std::string failed_sql;
    for (size_t i = 0; i < statements.size(); ++i) {
      Result r(PQgetResult(conn_));
      if (!r) {
        if (error.empty()) error = PQerrorMessage(conn_);
        break;
      }
      const auto status = PQresultStatus(r.get());
      if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        out.push_back(rows_of(r.get()));
      } else if (status != PGRES_PIPELINE_ABORTED && error.empty()) {
        error = PQresultErrorMessage(r.get());
        failed_sql = statements[i].sql;
        failed_state_ = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE)
                            ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE)
                            : "";
      }
      Result end(PQgetResult(conn_));  // the NULL that ends each statement's results
    }
    // Drain up to the sync point and leave pipeline mode.
    for (int guard = 0; guard < 1000; ++guard) {
      Result r(PQgetResult(conn_));
      if (r && PQresultStatus(r.get()) == PGRES_PIPELINE_SYNC) break;
      if (!r && PQstatus(conn_) != CONNECTION_OK) break;
    }
    PQexitPipelineMode(conn_);
    if (PQstatus(conn_) != CONNECTION_OK)
      throw StorageError(fmt::format("lost the connection to the {}: {}", describe_,
                                     trimmed(PQerrorMessage(conn_))));
    if (!error.empty()) {
      if (failed_state_ == "23505")
        throw DuplicatedStudy(fmt::format("{}: {}", describe_, trimmed(error)));
      throw StorageError(fmt::format("PostgreSQL error on the {}: {} (in: {})", describe_,
                                     trimmed(error), failed_sql.substr(0, 120)));
    }
    return out;
  }

  int64_t changes() override { return changes_; }
  void begin_write() override { query("BEGIN"); }
  // One snapshot for every read until commit.
  void begin_read() override { query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); }
  void commit() override { query("COMMIT"); }
  void rollback() override {
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) Result(PQexec(conn_, "ROLLBACK"));
  }
  std::string dialect() const override { return "postgresql"; }
  std::string describe() const override { return describe_; }

 private:
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

  // The name of the prepared statement for `sql`, preparing it on first use.
  const std::string& prepared(const std::string& sql) {
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
      const std::string name = fmt::format("parzen_{}", prepared_.size());
      Result r(PQprepare(conn_, name.c_str(), numbered_placeholders(sql).c_str(), 0, nullptr));
      check(r.get(), sql);
      it = prepared_.emplace(sql, name).first;
    }
    return it->second;
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

  static std::string trimmed(std::string message) {
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    return message;
  }

  void check(PGresult* r, const std::string& sql) {
    const auto status = PQresultStatus(r);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    std::string message = r ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    if (PQstatus(conn_) != CONNECTION_OK)
      throw StorageError(fmt::format("lost the connection to the {}: {}", describe_, message));
    if (state && std::string(state) == "23505")
      throw DuplicatedStudy(fmt::format("{}: {}", describe_, message));
    throw StorageError(fmt::format("PostgreSQL error on the {}: {} (in: {})", describe_, message,
                                   sql.substr(0, 120)));
  }

  PGconn* conn_ = nullptr;
  std::string shown_, describe_;
  int64_t changes_ = 0;
  std::unordered_map<std::string, std::string> prepared_;
  std::string failed_state_;
};

}  // namespace

std::unique_ptr<Connection> open_postgres(const std::string& conninfo) {
  return std::make_unique<PgConnection>(conninfo);
}

}  // namespace parzen::rdb
