// SqliteStorage::check_integrity: SQLite's own page-level check, then fengqiao's
// invariants between the tables.
#pragma once

#include "fengqiao/error.hpp"
#include "sqlite/connection.hpp"
#include "sqlite/errors.hpp"

namespace fengqiao::sqlite_detail {

// Reads the whole file in one read transaction (or inside the caller's open one); `compact`:
// the file is of schema 5 or later (snapshots and events as compact blobs). Throws
// SQLite::Exception for what the database reports.
Status check_file(Connection& c, const Where& where, bool compact);

}  // namespace fengqiao::sqlite_detail
