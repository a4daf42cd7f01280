#pragma once
// The PostgreSQL server of the tests: ./scripts/test.sh starts a throwaway cluster with
// scripts/pg-server.sh and exports its URL as PARZEN_TEST_POSTGRES_URL. Each call of
// fresh_postgres_url() creates a new, empty database on it, so tests never share state.

#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace parzen_test {

inline const char* postgres_server_url() { return std::getenv("PARZEN_TEST_POSTGRES_URL"); }

inline std::string fresh_postgres_url() {
  static int counter = 0;
  if (!postgres_server_url())
    throw std::runtime_error(
        "PARZEN_TEST_POSTGRES_URL is not set: run the tests through ./scripts/test.sh, which "
        "starts a throwaway PostgreSQL server, or start one with ./scripts/pg-server.sh start and "
        "export the URL it prints");
  const std::string base = postgres_server_url();
  const std::string name = "parzen_t_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  PGconn* conn = PQconnectdb(base.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("cannot reach the test PostgreSQL server: " + message);
  }
  PQclear(PQexec(conn, ("DROP DATABASE IF EXISTS " + name).c_str()));
  PGresult* r = PQexec(conn, ("CREATE DATABASE " + name).c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  const std::string message = PQerrorMessage(conn);
  PQclear(r);
  PQfinish(conn);
  if (!ok) throw std::runtime_error("cannot create a test database: " + message);
  return base.substr(0, base.rfind('/') + 1) + name;
}

}  // namespace parzen_test
