// Compiled as C++20: every public header, and a short closed loop through them.
#include <fengqiao/fengqiao.hpp>
#ifdef FENGQIAO_HAVE_SQLITE
#include <fengqiao/sqlite_storage.hpp>
#endif

#include <cstdio>

static_assert(__cplusplus >= 202002L, "this test must be compiled as C++20");

int main() {
  using namespace fengqiao;
  auto clock = std::make_shared<ManualClock>(parse_instant("2025-09-01T09:00:00+08:00").value());
  EngineOptions options;
  options.clock = clock;
  Engine engine(std::move(options));
  engine.register_case("C20-1", {"u1", Role::intake, "center"},
                       {{"channel", "hotline"}, {"category", "neighbour"}, {"urgency", "urgent"},
                        {"jurisdiction", {"daxinganling", "mohe"}}, {"parties", {{{"name", "Li"}}}}, {"summary", "s"}});
  Case c = engine.act("C20-1", Action::decline, {"u2", Role::dispatcher, "center"},
                      {{"reason", "not a dispute"}, {"guidance", "see the court"}});
  std::printf("%s\n", std::string(to_string(c.state)).c_str());
  return c.state == State::concluded && c.outcome == Outcome::declined ? 0 : 1;
}
