// export_cases reports what it cannot write instead of throwing (issue 12, "What was seen"
// 5): stored text that is not UTF-8 cannot become a JSON line, and the error names the
// record that holds it.
#include <doctest/doctest.h>

#include <sstream>

#include <fengqiao/engine.hpp>
#include <fengqiao/history.hpp>
#include <fengqiao/memory_storage.hpp>

using namespace fengqiao;

TEST_CASE("export_cases returns storage_error naming the event when stored text is not UTF-8") {
  // MemoryStorage keeps strings as given, as an adapter of an embedder's may; a SQLite
  // file edited outside fengqiao can hold such bytes too.
  auto storage = std::make_shared<MemoryStorage>();
  EngineOptions o;
  o.storage = storage;
  o.clock = std::make_shared<ManualClock>(parse_instant("2025-09-01T09:00:00+08:00").value());
  Engine engine(o);
  const Actor intake{"u1", Role::intake, "center"};
  engine.register_case("C-1", intake,
                       {{"channel", "walk_in"}, {"category", "neighbour"}, {"urgency", "normal"}, {"jurisdiction", {"a"}},
                        {"parties", {{{"name", "W"}}}}, {"summary", "fine"}});
  engine.register_case("C-2", intake,
                       {{"channel", "walk_in"}, {"category", "neighbour"}, {"urgency", "normal"}, {"jurisdiction", {"a"}},
                        {"parties", {{{"name", "W"}}}}, {"summary", std::string("bad \xff bytes")}});
  std::ostringstream out;
  Status s = Status::success();
  REQUIRE_NOTHROW(s = history::export_cases(*storage, {}, out));
  REQUIRE_FALSE(s);
  CHECK(s.error().code == ErrorCode::storage_error);
  CHECK_MESSAGE(s.error().message.find("event 1 of case \"C-2\"") != std::string::npos, s.error().message);
  // The cases that could be written were.
  CHECK(out.str().find("\"C-1\"") != std::string::npos);
}
