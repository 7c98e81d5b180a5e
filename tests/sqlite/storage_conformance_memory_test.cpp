// The reference adapter passes the conformance kit.
#include <doctest/doctest.h>

#include <fengqiao/memory_storage.hpp>
#include <fengqiao/testing/storage_conformance.hpp>

struct MemoryStorageFactory {
  std::shared_ptr<fengqiao::Storage> open() { return std::make_shared<fengqiao::MemoryStorage>(); }
};
TYPE_TO_STRING(MemoryStorageFactory);
TEST_CASE_TEMPLATE_INVOKE(fengqiao_storage_conformance, MemoryStorageFactory);
