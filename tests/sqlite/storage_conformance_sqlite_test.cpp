// The SQLite adapter passes the conformance kit, with both durability settings, and as a
// private in-memory database.
#include <doctest/doctest.h>

#include <fengqiao/sqlite_storage.hpp>
#include <fengqiao/testing/storage_conformance.hpp>

// Short, so that the kit's check of a call waiting past it takes half a second.
constexpr std::chrono::milliseconds kBusyTimeout{500};

template <fengqiao::SqliteOptions::Synchronous kSync>
struct SqliteFileFactory {
  fengqiao::testing::TempDir dir;
  std::shared_ptr<fengqiao::Storage> open() {
    fengqiao::SqliteOptions o;
    o.synchronous = kSync;
    o.busy_timeout = busy_timeout;
    return fengqiao::SqliteStorage::open(dir.file("cases.db"), o).value_or_throw();
  }
  static constexpr bool reopenable = true;
  static constexpr bool shared = true;
  static constexpr std::chrono::milliseconds busy_timeout = kBusyTimeout;
};
using SqliteNormal = SqliteFileFactory<fengqiao::SqliteOptions::Synchronous::normal>;
using SqliteFull = SqliteFileFactory<fengqiao::SqliteOptions::Synchronous::full>;

struct SqliteInMemoryFactory {
  std::shared_ptr<fengqiao::Storage> open() {
    fengqiao::SqliteOptions o;
    o.busy_timeout = busy_timeout;
    return fengqiao::SqliteStorage::open(":memory:", o).value_or_throw();
  }
  static constexpr std::chrono::milliseconds busy_timeout = kBusyTimeout;
};

TYPE_TO_STRING(SqliteNormal);
TYPE_TO_STRING(SqliteFull);
TYPE_TO_STRING(SqliteInMemoryFactory);
TEST_CASE_TEMPLATE_INVOKE(fengqiao_storage_conformance, SqliteNormal, SqliteFull, SqliteInMemoryFactory);
