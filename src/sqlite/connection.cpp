#include "sqlite/connection.hpp"

#include <sqlite3.h>

namespace fengqiao::sqlite_detail {

Connection::Connection(const std::string& path, int flags, int busy_timeout_ms)
    : db_(path, flags, busy_timeout_ms) {}

SQLite::Statement& Connection::prepared(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) it = statements_.emplace(sql, std::make_unique<SQLite::Statement>(db_, sql)).first;
  return *it->second;
}

void Connection::run_once(const std::string& sql) {
  SQLite::Statement st(db_, sql);
  while (st.executeStep()) {
  }
}

bool Connection::in_transaction() const { return sqlite3_get_autocommit(db_.getHandle()) == 0; }

int Connection::total_changes() const { return sqlite3_total_changes(db_.getHandle()); }

bool Connection::opened_read_only() const { return sqlite3_db_readonly(db_.getHandle(), "main") == 1; }

// IMMEDIATE takes the write lock up front: the version check and the write then see the
// same database, and a busy database is reported at BEGIN (after busy_timeout) instead
// of as an unretryable lock upgrade halfway through.
static const std::string kBegin = "BEGIN IMMEDIATE";
static const std::string kCommit = "COMMIT";
static const std::string kRollback = "ROLLBACK";

WriteScope::WriteScope(Connection& c) : c_(c) { Use(c_, kBegin)->exec(); }

void WriteScope::commit() {
  Use(c_, kCommit)->exec();
  done_ = true;
}

WriteScope::~WriteScope() {
  if (done_ || !c_.in_transaction()) return;  // committed, or SQLite already rolled back
  try {
    Use(c_, kRollback)->exec();
  } catch (...) {
    // Nothing more can be done here; the connection rolls back when it closes, and the
    // caller already reports the error that brought us here.
  }
}

}  // namespace fengqiao::sqlite_detail
