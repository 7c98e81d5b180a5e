// One SQLite connection with its prepared statements, and the scopes that write through it.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

struct sqlite3;

namespace fengqiao::sqlite_detail {

class Connection {
 public:
  // Throws SQLite::Exception when SQLite cannot open `path` with `flags`.
  Connection(const std::string& path, int flags, int busy_timeout_ms);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The statement for `sql`, prepared on first use and kept for the connection's life:
  // every statement fengqiao runs repeatedly goes through here.
  SQLite::Statement& prepared(const std::string& sql);

  // Runs a statement that returns no rows and is not worth caching (schema, pragmas).
  void run_once(const std::string& sql);

  // True while a transaction is open (SQLite may end one on its own after an error).
  bool in_transaction() const;
  // Rows changed by INSERT, UPDATE and DELETE statements since the connection opened: a
  // write that failed tells by it whether it had written anything.
  int total_changes() const;
  // True when SQLite opened the file read-only (permissions) although writing was asked.
  bool opened_read_only() const;
  sqlite3* handle() const { return db_.getHandle(); }
  SQLite::Database& database() { return db_; }

 private:
  SQLite::Database db_;  // declared first: destroyed after the statements that use it
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> statements_;
};

// A cached statement in use. Resetting it when done matters: a statement left mid-result
// keeps its read snapshot open, so later reads would not see other connections' commits.
class Use {
 public:
  Use(Connection& c, const std::string& sql) : st_(c.prepared(sql)) {}
  ~Use() { st_.tryReset(); }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  SQLite::Statement* operator->() { return &st_; }
  SQLite::Statement& operator*() { return st_; }

 private:
  SQLite::Statement& st_;
};

// One atomic write outside a batch: a transaction of its own, rolled back unless commit()
// was reached. (Inside a batch a write has no scope of its own: SqliteStorage::Impl::write.)
class WriteScope {
 public:
  explicit WriteScope(Connection& c);
  ~WriteScope();
  WriteScope(const WriteScope&) = delete;
  WriteScope& operator=(const WriteScope&) = delete;
  void commit();

 private:
  Connection& c_;
  bool done_ = false;
};

}  // namespace fengqiao::sqlite_detail
