// The small store the tampering tests start from (SQLite's sqlite_hash_chain, PostgreSQL's
// postgres_integrity): every kind of event chained, so that each edit has something to
// break.
//   D-1: register, dispatch, accept, a note with an attachment's digest, a supervision
//        order (5 events);
//   D-2: register, dispatch, then its accept clock's warning, deadline and escalations
//        fire (engine events);
//   D-3: register (1 event).
#pragma once

#include <memory>

#include <fengqiao/engine.hpp>

#include "fixtures.hpp"

namespace fengqiao::testing {

inline void make_chained_store(std::shared_ptr<Storage> storage) {
  auto clock = std::make_shared<ManualClock>(at("2025-09-01T09:00:00+08:00"));
  EngineOptions o;
  o.storage = std::move(storage);
  o.clock = clock;
  Engine engine(std::move(o));
  const nlohmann::json dispatch = {{"route", "people_mediation"}, {"lead", "justice_xilinji"}};
  engine.register_case("D-1", intake, registration());
  engine.act("D-1", Action::dispatch, dispatcher, dispatch);
  engine.act("D-1", Action::accept, lead_handler);
  engine.act("D-1", Action::note, lead_handler,
             {{"text", "Site visit with both households."},
              {"attachments",
               {{{"ref", "dms://2025/d1/photo-1.jpg"},
                 {"sha256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
                 {"kind", "photo"}}}}});
  engine.act("D-1", Action::supervise, supervisor, {{"order", "Report by Friday."}});
  engine.register_case("D-2", intake, registration("normal", "labour_wage"));
  engine.act("D-2", Action::dispatch, dispatcher, dispatch);
  clock->set(at("2025-09-05T09:00:00+08:00"));  // D-1's handling clock is far from due
  engine.poll();
  engine.register_case("D-3", intake, registration());
}

}  // namespace fengqiao::testing
