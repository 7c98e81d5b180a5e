// Uses fengqiao::postgres: links against the installed adapter and libpqxx. No server is
// needed: opening one that is not there must be a storage_error naming it.
#include <cstdio>
#include <fengqiao/postgres_storage.hpp>

int main() {
  using namespace fengqiao;
  auto opened = PostgresStorage::open("host=127.0.0.1 port=1 dbname=none connect_timeout=2");
  if (opened) return 1;
  std::printf("installed fengqiao::postgres works: %s\n", opened.error().describe().c_str());
  return opened.error().code == ErrorCode::storage_error ? 0 : 1;
}
