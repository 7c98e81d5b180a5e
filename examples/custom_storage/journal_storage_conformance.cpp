// The whole of what an adapter author writes to run fengqiao's conformance kit.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <fengqiao/testing/storage_conformance.hpp>

#include "journal_storage.hpp"

struct JournalStorageFactory {
  fengqiao::testing::TempDir dir;
  std::shared_ptr<fengqiao::Storage> open() {
    return journal::JournalStorage::open(dir.file("cases.journal")).value_or_throw();
  }
  static constexpr bool reopenable = true;  // durable; `shared` stays off: one process per journal
};
TYPE_TO_STRING(JournalStorageFactory);
TEST_CASE_TEMPLATE_INVOKE(fengqiao_storage_conformance, JournalStorageFactory);
