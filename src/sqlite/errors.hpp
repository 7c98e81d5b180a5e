// How SQLite's failures become fengqiao Errors: a lock held past busy_timeout is `busy`,
// anything else storage_error; always naming the file, and saying what the caller can do
// about it (retry, restore a backup, upgrade).
#pragma once

#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fengqiao/error.hpp"

#include "storage/rows.hpp"

namespace fengqiao::sqlite_detail {

// What an error message needs to know about the database it happened on.
struct Where {
  std::string path;
  std::chrono::milliseconds busy_timeout;
};

// Stored text that fengqiao cannot read back (a snapshot or event that is not valid
// JSON for its type): the file was changed behind fengqiao's back or is damaged.
using storage_detail::DataError;

// Another thread's batch held this connection for longer than busy_timeout: the call
// did nothing (reported as `busy`).
class HeldByBatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `doing` completes "... while <doing>", e.g. "committing case \"C-1\"".
Error database_error(int sqlite_code, std::string_view sqlite_message, const Where& where, std::string_view doing);

// Any exception escaping a storage operation, mapped as above (SQLite::Exception by its
// code, HeldByBatch as busy, DataError as damage, anything else as an unexpected failure).
Error translate(const std::exception& e, const Where& where, std::string_view doing);

// The message prefix every error shares: SQLite database "<path>".
std::string describe_file(const Where& where);

}  // namespace fengqiao::sqlite_detail
