// The database schema and its migrations (docs/STORAGE.md "Schema" explains each column).
#pragma once

#include <string>

#include "fengqiao/error.hpp"
#include "fengqiao/sqlite_storage.hpp"
#include "sqlite/connection.hpp"
#include "sqlite/errors.hpp"

namespace fengqiao::sqlite_detail {

// PRAGMA application_id of every fengqiao database ("FQIQ"): lets `file(1)` and fengqiao
// itself tell our files from other SQLite databases.
constexpr int kApplicationId = 0x46514951;

// Checks what the file holds and brings its schema to SqliteStorage::kSchemaVersion:
// creates it in an empty file, migrates an older one (writable only), refuses a file
// that is not fengqiao's or comes from a newer fengqiao. Refusals change nothing.
// Also sets the connection's journal mode (WAL) and synchronous level. Throws
// SQLite::Exception for what the database reports; returns refusals as Errors.
// `schema_version` is the file's schema once prepared: kSchemaVersion, or an older one for
// a file opened read-only (read as it is).
Status prepare_schema(Connection& c, const SqliteOptions& options, const Where& where, int& schema_version);

}  // namespace fengqiao::sqlite_detail
