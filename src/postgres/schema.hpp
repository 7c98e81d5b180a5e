// The PostgreSQL schema: its migrations, and the checks and creation done at open.
#pragma once

#include <cstdint>

#include <pqxx/connection>

#include "fengqiao/error.hpp"
#include "fengqiao/postgres_storage.hpp"
#include "postgres/errors.hpp"

namespace fengqiao::postgres_detail {

// The advisory locks fengqiao takes, as (class, lock space) pairs: the class is one of
// these, the lock space the hash of the schema's name (so that two stores in two schemas
// of one database never wait for each other).
enum LockClass : std::int32_t {
  kSchemaLock = 0x46510001,  // creating or migrating the schema
  kConfigLock = 0x46510002,  // shared by commits, exclusive by commit_configuration
  kOutboxLock = 0x46510003,  // held from a transaction's first outbox id to its end
  kRelayLock = 0x46510004,   // the relay lease: session-level, held by one connection
};

// Checks the connection's schema and creates or migrates it as `options` allow; returns
// the lock space. A refused schema is left exactly as it was (the checks only read).
// Throws what libpqxx throws; returns storage_error for refusals.
Result<std::int32_t> prepare_schema(pqxx::connection& c, const PostgresOptions& options, const Where& where);

}  // namespace fengqiao::postgres_detail
