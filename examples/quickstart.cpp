// The README's quick start: one dispute through the six-step closed loop.
#include <iostream>

#include <fengqiao/engine.hpp>

int main() {
  using fengqiao::Action;
  using fengqiao::Role;

  // An in-memory engine on the system clock, Sat/Sun off, +08:00.
  fengqiao::Engine engine;
  engine.subscribe([](const fengqiao::Event& e, const fengqiao::Case& c) {
    std::cout << c.id << ": " << (e.action ? to_string(*e.action) : to_string(e.type)) << " -> "
              << to_string(c.state) << '\n';
  });

  const fengqiao::Actor intake{"u-intake-1", Role::intake, "center"};
  const fengqiao::Actor dispatcher{"u-disp-1", Role::dispatcher, "center"};
  const fengqiao::Actor handler{"u-hj-1", Role::handler, "justice_xilinji"};

  // 1. Registration: the registering officer becomes the first responder.
  engine.register_case("C-2025-0001", intake,
                       {{"channel", "walk_in"},
                        {"category", "neighbour"},
                        {"urgency", "normal"},
                        {"jurisdiction", {"daxinganling", "mohe", "xilinji"}},
                        {"parties", {{{"name", "Wang Li"}}, {{"name", "Zhao Gang"}}}},
                        {"summary", "Dispute over a shared fence."}});
  // 2. Dispatch to a lead department on a legal route; it signs for the case.
  engine.act("C-2025-0001", Action::dispatch, dispatcher,
             {{"route", "people_mediation"}, {"lead", "justice_xilinji"}, {"co", {"police_xilinji"}}});
  engine.act("C-2025-0001", Action::accept, handler);
  // 3. Handling ends in an agreement; 5. feedback to the party; 6. follow-up.
  engine.act("C-2025-0001", Action::resolve, handler,
             {{"method", "people_mediation"}, {"agreement", "Fence moved 0.5 m east."}});
  engine.act("C-2025-0001", Action::give_feedback, dispatcher, {{"medium", "phone"}, {"content", "Agreement sent."}});

  // A refusal changes nothing and says why (the non-throwing form returns it).
  auto refused = engine.try_act("C-2025-0001", Action::follow_up, handler, {{"satisfaction", "satisfied"}});
  std::cout << "refused: " << refused.error().describe() << '\n';

  fengqiao::Case closed = engine.act("C-2025-0001", Action::follow_up, dispatcher, {{"satisfaction", "satisfied"}});
  std::cout << "final state: " << to_string(closed.state) << ", events: " << engine.history("C-2025-0001").size()
            << '\n';
  return closed.state == fengqiao::State::closed ? 0 : 1;
}
