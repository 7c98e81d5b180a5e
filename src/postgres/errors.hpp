// How PostgreSQL's failures become fengqiao Errors: a lock still held after busy_timeout,
// and a deadlock PostgreSQL broke, are `busy`; a serialization failure is `conflict`; a
// unique violation is the caller's duplicate code; anything else is storage_error. Every
// message names the server and says what the caller can do, and a lost connection says
// whether the change is known not to be stored or its outcome is unknown.
#pragma once

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fengqiao/error.hpp"

namespace fengqiao::postgres_detail {

// What an error message needs to know about the database it happened on.
struct Where {
  std::string server;  // the connection string, password masked
  std::chrono::milliseconds busy_timeout;
};

// The connection string as it may appear in messages: "password=..." and the password
// of a postgresql://user:password@host URI are replaced by "***".
std::string masked(const std::string& connection);

// The message prefix every error shares: PostgreSQL "<masked connection string>".
std::string describe_server(const Where& where);

// Another thread's batch held this object for longer than busy_timeout: the call did
// nothing (reported as `busy`).
class HeldByBatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the call was doing, for the message and the mapping.
struct Doing {
  std::string what;                        // completes "... while <what>"
  std::optional<ErrorCode> on_unique;      // a unique violation means this (duplicate_case, ...)
  std::string if_unknown;                  // how to tell whether a write whose COMMIT was lost is stored
};

// Any exception escaping a storage operation, mapped as described above.
Error translate(const std::exception& e, const Where& where, const Doing& doing);

}  // namespace fengqiao::postgres_detail
