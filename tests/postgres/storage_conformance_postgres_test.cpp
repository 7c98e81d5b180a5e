// The PostgreSQL adapter passes the conformance kit: each check on a fresh schema of a
// real server, durable (reopenable) and shared by several live objects.
#include <doctest/doctest.h>

#include <fengqiao/postgres_storage.hpp>
#include <fengqiao/testing/storage_conformance.hpp>

#include "pg_server.hpp"

// Short, so that the kit's check of a call waiting past it takes half a second.
constexpr std::chrono::milliseconds kBusyTimeout{500};

struct PostgresFactory {
  fengqiao::testing::TestSchema schema;
  std::shared_ptr<fengqiao::Storage> open() {
    fengqiao::PostgresOptions o;
    o.busy_timeout = busy_timeout;
    return fengqiao::PostgresStorage::open(schema.conninfo(), o).value_or_throw();
  }
  static constexpr bool reopenable = true;
  static constexpr bool shared = true;
  static constexpr std::chrono::milliseconds busy_timeout = kBusyTimeout;
};

TYPE_TO_STRING(PostgresFactory);
TEST_CASE_TEMPLATE_INVOKE(fengqiao_storage_conformance, PostgresFactory);
