// Shared helpers for the test programs: a manual clock, the spec's sample actors and a
// registration payload, so each test reads as the scenario it checks.
#pragma once

#include <memory>
#include <string>

#include <fengqiao/engine.hpp>
#include <fengqiao/memory_storage.hpp>

namespace fengqiao::testing {

inline Instant at(const std::string& iso) { return parse_instant(iso).value(); }

// The 2025 National Day calendar of the sample histories.
inline BusinessCalendar national_day_2025() {
  return BusinessCalendar::from_json(nlohmann::json::parse(R"({"weekend":["sat","sun"],
      "holidays":["2025-10-01","2025-10-02","2025-10-03","2025-10-04","2025-10-05","2025-10-06","2025-10-07","2025-10-08"],
      "workdays":["2025-09-28","2025-10-11"]})"))
      .value();
}

inline const Actor intake{"u-intake-1", Role::intake, "center"};
inline const Actor dispatcher{"u-disp-1", Role::dispatcher, "center"};
inline const Actor supervisor{"u-su-1", Role::supervisor, "center"};
inline const Actor mediator{"u-med-1", Role::mediator, "mediation_committee"};
inline const Actor citizen{"citizen-88", Role::citizen, "public"};          // no party of the cases below
inline const Actor party_citizen{"citizen-wl", Role::citizen, "public"};  // Wang Li's account: a party
inline const Actor lead_handler{"u-hj-1", Role::handler, "justice_xilinji"};
inline const Actor other_handler{"u-hp-1", Role::handler, "police_xilinji"};
inline const Actor admin{"u-admin", Role::admin, "center"};

inline nlohmann::json registration(const std::string& urgency = "normal", const std::string& category = "neighbour") {
  return {{"channel", "walk_in"},
          {"category", category},
          {"urgency", urgency},
          {"jurisdiction", {"daxinganling", "mohe", "xilinji"}},
          {"parties", {{{"name", "Wang Li"}, {"phone", "13900000001"}, {"account", "citizen-wl"}}, {{"name", "Zhao Gang"}}}},
          {"summary", "Dispute over a shared fence between two households."}};
}

// An engine on a manual clock starting at `start`, with the National Day calendar.
struct Bench {
  std::shared_ptr<ManualClock> clock;
  std::shared_ptr<MemoryStorage> storage = std::make_shared<MemoryStorage>();
  std::unique_ptr<Engine> engine;

  explicit Bench(const std::string& start = "2025-09-01T09:00:00+08:00", DeadlineRules rules = DeadlineRules())
      : clock(std::make_shared<ManualClock>(at(start))) {
    EngineOptions o;
    o.clock = clock;
    o.storage = storage;
    o.calendar = national_day_2025();
    o.rules = std::move(rules);
    engine = std::make_unique<Engine>(std::move(o));
  }
  Engine* operator->() { return engine.get(); }
  void set(const std::string& iso) { clock->set(at(iso)); }
};

}  // namespace fengqiao::testing
