// The sizes of what SqliteStorage writes for each step of the loop: the snapshot text
// (the cases row) and the event text (the events row), measured by running the loop once
// in memory and encoding the results the way the adapter does (nlohmann::json dump).
#pragma once

#include <array>
#include <cstddef>

#include <fengqiao/memory_storage.hpp>

#include "common/workload.hpp"

namespace fqbench {

struct StepRow {
  std::size_t snapshot_bytes = 0;
  std::size_t event_bytes = 0;
  const char* state = "";  // the cases.state column after the step
  bool has_lead = false;
  bool has_due = false;
};

inline std::array<StepRow, 6> loop_rows() {
  fengqiao::EngineOptions o;
  o.storage = std::make_shared<fengqiao::MemoryStorage>();
  o.clock = std::make_shared<fengqiao::ManualClock>(kMonday9am);
  fengqiao::Engine engine(std::move(o));
  std::array<StepRow, 6> rows;
  const std::string id = case_id(12345678);
  static const char* const states[6] = {"registered", "dispatched", "handling", "concluded", "feedback_given", "closed"};
  for (int s = 0; s < 6; ++s) {
    flow().step(engine, id, s);
    const fengqiao::Case c = engine.get(id);
    const auto events = engine.history(id);
    rows[s].snapshot_bytes = nlohmann::json(c).dump().size();
    rows[s].event_bytes = nlohmann::json(events.back()).dump().size();
    rows[s].state = states[s];
    rows[s].has_lead = c.lead.has_value();
    rows[s].has_due = c.next_due().has_value();
  }
  return rows;
}

}  // namespace fqbench
