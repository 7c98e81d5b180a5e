// The whole of what an adapter author writes to run fengqiao's conformance kit.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <fengqiao/testing/storage_conformance.hpp>

#include "journal_storage.hpp"

struct JournalStorageFactory {
  fengqiao::testing::TempDir dir;
  std::shared_ptr<fengqiao::Storage> open() {
    return journal::JournalStorage::open(dir.file("cases.journal"), {busy_timeout}).value_or_throw();
  }
  static constexpr bool reopenable = true;  // durable; `shared` stays off: one process per journal
  static constexpr std::chrono::milliseconds busy_timeout{500};  // the kit waits it out once
};
TYPE_TO_STRING(JournalStorageFactory);
TEST_CASE_TEMPLATE_INVOKE(fengqiao_storage_conformance, JournalStorageFactory);
