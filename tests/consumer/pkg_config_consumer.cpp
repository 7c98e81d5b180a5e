// Built by tests/consumer/pkg_config.cmake with nothing but the installed prefix and
// `pkg-config --cflags --libs fengqiao-sqlite`: a program outside CMake.
#include <cstdio>
#include <cstring>

#include <fengqiao/engine.hpp>
#include <fengqiao/sqlite_storage.hpp>
#include <fengqiao/version.hpp>

int main() {
  if (std::strcmp(fengqiao::version(), FENGQIAO_VERSION_STRING) != 0) return 1;
  auto storage = fengqiao::SqliteStorage::open(":memory:").value_or_throw();
  fengqiao::EngineOptions o;
  o.storage = storage;
  fengqiao::Engine engine(std::move(o));
  std::printf("fengqiao %s, %llu cases\n", fengqiao::version(),
              static_cast<unsigned long long>(engine.count(fengqiao::CaseQuery{})));
  return 0;
}
