#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <fengqiao/engine.hpp>
#include <iostream>
using namespace fengqiao;
TEST_CASE("smoke") {
  auto clock = std::make_shared<ManualClock>(parse_instant("2025-09-01T09:00:00+08:00").value());
  EngineOptions o; o.clock = clock;
  Engine e(o);
  Actor intake{"u1", Role::intake, "center"};
  auto c = e.register_case("C-1", intake, {{"channel","walk_in"},{"category","neighbour"},{"urgency","normal"},{"jurisdiction",{"a","b","c"}},{"parties",{{{"name","W"}}}},{"summary","s"}});
  CHECK(c.state == State::registered);
  std::cout << nlohmann::json(c).dump(2) << "\n";
}
