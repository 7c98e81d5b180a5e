// PostgresStorage::check_integrity: fengqiao's invariants between the tables
// (storage/integrity.hpp, the rules the SQLite adapter checks too), read from the server
// in pages so that memory stays bounded whatever the number of cases.
#pragma once

#include <pqxx/transaction_base>

#include "fengqiao/error.hpp"
#include "postgres/errors.hpp"

namespace fengqiao::postgres_detail {

// Reads the whole schema in `tx` (the caller's snapshot: a repeatable-read transaction,
// or the open batch's). Throws what libpqxx throws, and DataError for unreadable rows.
Status check_schema(pqxx::transaction_base& tx, const Where& where);

}  // namespace fengqiao::postgres_detail
