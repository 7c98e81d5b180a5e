// Uses only fengqiao::core: an engine on the in-memory storage, and a case through JSON.
#include <cstdio>
#include <fengqiao/fengqiao.hpp>
#include <nlohmann/json.hpp>

int main() {
  using namespace fengqiao;
  Engine engine{EngineOptions{}};
  engine.register_case("CORE-1", {"u1", Role::citizen, "public"},
                       {{"channel", "online"}, {"category", "neighbour"}, {"urgency", "normal"},
                        {"jurisdiction", {"daxinganling"}}, {"parties", {{{"name", "Wang"}}}}, {"summary", "s"}});
  const Case c = engine.get("CORE-1");
  const Case back = nlohmann::json(c).get<Case>();
  std::printf("core alone works: %s\n", std::string(to_string(back.state)).c_str());
  return back.id == "CORE-1" && back.state == c.state ? 0 : 1;
}
