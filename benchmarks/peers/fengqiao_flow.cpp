// fengqiao's side of the peer comparison: the same six-step loop, the same actors and
// data as xstate_flow.mjs and bpmn_flow.mjs, one engine on MemoryStorage (which keeps
// every case and event), the same warm-up rule (min(2000, cases) first, untimed).
//   bench_peer_fengqiao CASES   -> one JSON line: {"engine":"fengqiao",...}
//   bench_peer_fengqiao CASES apply -> the same through the fast path (Engine::apply),
//                                     {"engine":"fengqiao (apply)",...}
#include <iostream>

#include <fengqiao/memory_storage.hpp>
#include <fengqiao/version.hpp>

#include "common/workload.hpp"

int main(int argc, char** argv) {
  using namespace fqbench;
  const std::size_t cases = argc > 1 ? std::stoull(argv[1]) : 10000;
  const bool fast = argc > 2 && std::string(argv[2]) == "apply";
  fengqiao::EngineOptions o;
  o.storage = std::make_shared<fengqiao::MemoryStorage>();
  o.clock = std::make_shared<fengqiao::ManualClock>(kMonday9am);
  fengqiao::Engine engine(std::move(o));
  const Flow& f = flow();
  auto lifecycle = [&](const std::string& id) { fast ? f.apply_lifecycle(engine, id) : f.lifecycle(engine, id); };
  for (std::size_t i = 0; i < std::min<std::size_t>(2000, cases); ++i) lifecycle(case_id(i, "warm-"));
  const auto t0 = SteadyClock::now();
  for (std::size_t i = 0; i < cases; ++i) lifecycle(case_id(i));
  const double seconds = seconds_since(t0);
  fengqiao::CaseQuery closed;
  closed.state = fengqiao::State::closed;
  if (engine.count(closed) != cases + std::min<std::size_t>(2000, cases)) {
    std::cerr << "not every case closed\n";
    return 1;
  }
  std::cout << nlohmann::json{{"engine", fast ? "fengqiao (apply)" : "fengqiao"},
                              {"version", fengqiao::version()},
                              {"cases", cases},
                              {"actions", 6 * cases},
                              {"seconds", seconds},
                              {"actions_per_s", 6.0 * static_cast<double>(cases) / seconds},
                              {"lifecycles_per_s", static_cast<double>(cases) / seconds}}
                   .dump()
            << '\n';
  return 0;
}
