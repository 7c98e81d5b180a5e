// The reference adapter passes the conformance kit.
#include <doctest/doctest.h>

#include <fengqiao/memory_storage.hpp>
#include <fengqiao/testing/storage_conformance.hpp>

struct MemoryStorageFactory {
  // Short, so that the kit's check of a call waiting past it takes half a second.
  static constexpr std::chrono::milliseconds busy_timeout{500};
  std::shared_ptr<fengqiao::Storage> open() {
    fengqiao::MemoryStorageOptions o;
    o.busy_timeout = busy_timeout;
    return std::make_shared<fengqiao::MemoryStorage>(o);
  }
};
TYPE_TO_STRING(MemoryStorageFactory);
TEST_CASE_TEMPLATE_INVOKE(fengqiao_storage_conformance, MemoryStorageFactory);
