// The sizes of what SqliteStorage writes for each step of the loop: the snapshot blob (the
// cases row) and the event blob (the events row), read back from a file the adapter wrote:
// case k of it is taken through steps 0..k, so its snapshot is the one after step k, and
// the events of the case taken through all six are the six steps' events.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <string>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fengqiao/sqlite_storage.hpp>

#include "common/workload.hpp"

namespace fqbench {

struct StepRow {
  std::size_t snapshot_bytes = 0;
  std::size_t event_bytes = 0;
  const char* state = "";  // the cases.state column after the step
  bool has_lead = false;
  bool has_due = false;
};

inline std::array<StepRow, 6> loop_rows(const std::filesystem::path& scratch_file) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(scratch_file.string() + suffix);
  std::array<StepRow, 6> rows;
  static const char* const states[6] = {"registered", "dispatched", "handling", "concluded", "feedback_given", "closed"};
  {
    fengqiao::EngineOptions o;
    o.storage = fengqiao::SqliteStorage::open(scratch_file.string()).value_or_throw();
    o.clock = std::make_shared<fengqiao::ManualClock>(kMonday9am);
    fengqiao::Engine engine(std::move(o));
    for (int k = 0; k < 6; ++k) {
      const std::string id = case_id(12345670 + k);
      for (int s = 0; s <= k; ++s) flow().step(engine, id, s);
      const fengqiao::Case c = engine.get(id);
      rows[k].state = states[k];
      rows[k].has_lead = c.lead.has_value();
      rows[k].has_due = c.next_due().has_value();
    }
  }
  {
    SQLite::Database db(scratch_file.string(), SQLite::OPEN_READONLY);
    SQLite::Statement snapshot(db, "SELECT length(snapshot) FROM cases WHERE id = ?1");
    SQLite::Statement event(db, "SELECT length(body) FROM events WHERE case_id = ?1 AND seq = ?2");
    for (int k = 0; k < 6; ++k) {
      snapshot.reset();
      snapshot.bind(1, case_id(12345670 + k));
      snapshot.executeStep();
      rows[k].snapshot_bytes = static_cast<std::size_t>(snapshot.getColumn(0).getInt64());
      event.reset();
      event.bind(1, case_id(12345675));
      event.bind(2, k + 1);
      event.executeStep();
      rows[k].event_bytes = static_cast<std::size_t>(event.getColumn(0).getInt64());
    }
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(scratch_file.string() + suffix);
  return rows;
}

}  // namespace fqbench
