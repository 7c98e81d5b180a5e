// Deadlines: a manual clock, a holiday calendar, and advance_to() firing warnings,
// overdue notices and the escalation ladder in order.
#include <iostream>

#include <fengqiao/engine.hpp>

int main() {
  using namespace fengqiao;
  auto clock = std::make_shared<ManualClock>(parse_instant("2025-09-26T10:00:00+08:00").value());

  EngineOptions options;
  options.clock = clock;
  // China's 2025 National Day: Oct 1-8 off, Sunday Sep 28 and Saturday Oct 11 worked.
  options.calendar = BusinessCalendar::from_json({{"holidays", {"2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04",
                                                                "2025-10-05", "2025-10-06", "2025-10-07", "2025-10-08"}},
                                                  {"workdays", {"2025-09-28", "2025-10-11"}}})
                         .value();
  Engine engine(std::move(options));
  engine.subscribe([](const Event& e, const Case& c) {
    if (e.type == EventType::action) return;
    std::cout << format_instant(e.at) << "  " << c.id << "  " << to_string(e.type) << " (" << to_string(*e.stage)
              << (e.type == EventType::escalated ? ", level " + std::to_string(e.level) : std::string()) << ")";
    if (!e.notified.empty()) std::cout << " -> notifies " << e.notified.front();
    std::cout << '\n';
  });

  const Actor grid{"u-grid-7", Role::grid_worker, "grid_xilinji_3"};
  for (const char* urgency : {"normal", "urgent", "emergency"}) {
    engine.register_case(std::string("C-") + urgency, grid,
                         {{"channel", "grid"},
                          {"category", "land"},
                          {"urgency", urgency},
                          {"jurisdiction", {"daxinganling", "mohe", "xilinji"}},
                          {"parties", {{{"name", "Li Hua"}}}},
                          {"summary", "Boundary stones moved."}});
    const Case c = engine.get(std::string("C-") + urgency);
    std::cout << c.id << " must be dispatched by " << format_instant(*c.deadline()) << '\n';
  }

  // Nobody dispatches anything for three weeks: every instant fires exactly once, in
  // due-time order, ties by case id.
  clock->set(parse_instant("2025-10-17T00:00:00+08:00").value());
  auto report = engine.poll();
  std::cout << report.fired << " deadline events fired; calling poll() again fires " << engine.poll().fired << '\n';
  return 0;
}
