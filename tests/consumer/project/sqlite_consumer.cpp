// Uses fengqiao::sqlite: an engine on an in-memory SQLite database.
#include <cstdio>
#include <fengqiao/fengqiao.hpp>
#include <fengqiao/sqlite_storage.hpp>

int main() {
  using namespace fengqiao;
  EngineOptions options;
  options.storage = SqliteStorage::open(":memory:").value_or_throw();
  Engine engine(std::move(options));
  engine.register_case("EXT-1", {"u1", Role::citizen, "public"},
                       {{"channel", "online"}, {"category", "consumer"}, {"urgency", "normal"},
                        {"jurisdiction", {"daxinganling"}}, {"parties", {{{"name", "Zhou"}}}}, {"summary", "s"}});
  auto refused = engine.try_act("EXT-1", Action::accept, {"h", Role::handler, "court"});
  std::printf("installed fengqiao works: %s\n", refused.error().describe().c_str());
  return refused.error().code == ErrorCode::invalid_transition ? 0 : 1;
}
