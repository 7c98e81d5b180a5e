// Uses fengqiao::testing: the conformance kit on the reference adapter, and a random
// history from the compiled part of the component.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <fengqiao/memory_storage.hpp>
#include <fengqiao/testing/random_history.hpp>
#include <fengqiao/testing/storage_conformance.hpp>

struct InstalledMemoryFactory {
  std::shared_ptr<fengqiao::Storage> open() { return std::make_shared<fengqiao::MemoryStorage>(); }
};
TYPE_TO_STRING(InstalledMemoryFactory);
TEST_CASE_TEMPLATE_INVOKE(fengqiao_storage_conformance, InstalledMemoryFactory);

TEST_CASE("a random history from the installed library") {
  fengqiao::testing::RandomHistoryOptions options;
  options.seed = 7;
  const auto run = fengqiao::testing::drive_random_history(options);
  CHECK(run.accepted > 0);
  CHECK(run.refused > 0);
}
