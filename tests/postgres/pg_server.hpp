// The throwaway PostgreSQL server of the tests (pg_cluster.sh, ctest fixture `postgres`)
// and fresh databases and schemas on it, each dropped when the object goes.
//
// The server's connection string is read from the file named by FENGQIAO_PG_CONNINFO_FILE
// (ctest sets it). Without a server every test here fails, saying how to start one: a
// PostgreSQL test never passes by skipping.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include <pqxx/pqxx>

namespace fengqiao::testing {

// The server's connection string (to its `postgres` database).
inline std::string pg_server() {
  const char* file = std::getenv("FENGQIAO_PG_CONNINFO_FILE");
  if (!file || !*file)
    throw std::runtime_error(
        "FENGQIAO_PG_CONNINFO_FILE is not set: run the PostgreSQL tests through ctest (fixture `postgres` starts a "
        "throwaway server), or start one with tests/postgres/pg_cluster.sh start <dir> and point the variable at "
        "<dir>/conninfo");
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line) || line.empty())
    throw std::runtime_error(std::string("no PostgreSQL connection string in ") + file +
                             ": did the postgres_start fixture fail? See its output");
  return line;
}

// A name no other test process uses at the same time.
inline std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
}

// A new, empty database on the test server, dropped (connections and all) at the end.
class TestDatabase {
 public:
  explicit TestDatabase(const std::string& prefix = "fq") : name_(unique_name(prefix)) {
    pqxx::connection admin(pg_server());
    pqxx::nontransaction tx(admin);
    tx.exec("CREATE DATABASE " + tx.quote_name(name_) + " ENCODING 'UTF8' TEMPLATE template0");
  }
  ~TestDatabase() {
    try {
      pqxx::connection admin(pg_server());
      pqxx::nontransaction tx(admin);
      tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
    } catch (...) {
      // The server is stopped with the fixture anyway.
    }
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& name() const { return name_; }
  // libpq takes the last value of a repeated keyword: this overrides the server's dbname.
  std::string conninfo() const { return pg_server() + " dbname=" + name_; }

 private:
  std::string name_;
};

// The database every test of one program shares (schemas keep the tests apart).
inline TestDatabase& program_database() {
  static TestDatabase db("fq_test");
  return db;
}

// A new, empty schema in program_database(); a storage opened on conninfo() lives in it.
class TestSchema {
 public:
  TestSchema() : name_(unique_name("s")) {
    pqxx::connection c(program_database().conninfo());
    pqxx::nontransaction tx(c);
    tx.exec("CREATE SCHEMA " + tx.quote_name(name_));
  }
  ~TestSchema() {
    try {
      pqxx::connection c(program_database().conninfo());
      pqxx::nontransaction tx(c);
      tx.exec("DROP SCHEMA IF EXISTS " + tx.quote_name(name_) + " CASCADE");
    } catch (...) {
    }
  }
  TestSchema(const TestSchema&) = delete;
  TestSchema& operator=(const TestSchema&) = delete;

  const std::string& name() const { return name_; }
  std::string conninfo() const { return program_database().conninfo() + " options=-csearch_path=" + name_; }

 private:
  std::string name_;
};

}  // namespace fengqiao::testing
