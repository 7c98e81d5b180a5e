// fengqiao's own invariants between the rows of a SQL store, shared by the SQL adapters'
// check_integrity (SQLite, PostgreSQL): the adapter reads its tables through
// IntegrityRows, in its own SQL, and first_problem decides what is wrong. So both
// adapters check exactly the same things and describe them in the same words.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "storage/rows.hpp"

namespace fengqiao::storage_detail {

// A `cases` row with what its events say about it.
struct CaseRow {
  std::string id;
  std::int64_t version = 0;
  CaseColumns columns;                    // as stored in the row
  std::string snapshot;                   // the snapshot as stored (read by IntegrityRows::snapshot)
  std::int64_t events = 0;                // number of its event rows
  std::int64_t last_seq = 0;              // their largest seq, 0 when none
  std::optional<std::string> last_event;  // that event as stored (read by IntegrityRows::event)
};

// A `visits` row and the keys its `visit_keys` rows hold, in byte order.
struct VisitRow {
  std::string id;
  std::int64_t at = 0;
  std::string kind;
  std::string channel;
  std::optional<std::string> case_id;
  std::string json;
  std::vector<std::string> keys;
};

// A `configurations` row.
struct ConfigRow {
  std::int64_t seq = 0;
  std::int64_t at = 0;
  std::string json;
};

// What a check reads, in the order it reads it. Each reader calls `visit` for every row,
// in the stated order, until it returns false. Tables a store's schema does not have yet
// (an old SQLite file read unmigrated) have no rows.
class IntegrityRows {
 public:
  virtual ~IntegrityRows() = default;
  // Every case, in id order.
  virtual void cases(const std::function<bool(const CaseRow&)>& visit) = 0;
  // The case id of some event row whose case has no row, if there is one.
  virtual std::optional<std::string> orphan_events() = 0;
  // Whether events carry their hash chain (false: a store written before it).
  virtual bool chained() = 0;
  // Every case (id order) with its events (seq order): on_case(id, snapshot JSON), then
  // on_event(seq, event JSON) for each of its events. Either returning false stops it.
  virtual void histories(const std::function<bool(const std::string& id, const std::string& snapshot)>& on_case,
                         const std::function<bool(std::int64_t seq, const std::string& json)>& on_event) = 0;
  // Every visit, in id order.
  virtual void visits(const std::function<bool(const VisitRow&)>& visit) = 0;
  // The visit id named by some visit_keys row that has no visit, if there is one.
  virtual std::optional<std::string> orphan_visit_keys() = 0;
  // Every configuration record, in seq order.
  virtual void configurations(const std::function<bool(const ConfigRow&)>& visit) = 0;
  // Reads a stored snapshot or event: JSON text (rows.hpp) unless the store keeps another
  // form. Throws DataError naming the row when it does not read.
  virtual Case snapshot(const std::string& stored, const std::string& id) { return snapshot_from(stored, id); }
  virtual Event event(const std::string& stored, const std::string& case_id, std::int64_t seq) {
    return event_from(stored, case_id, seq);
  }
};

// The first problem found, described ("case \"C-1\" is at version 5 but has 4 events",
// "hash chain broken: case \"C-1\", event 4: ..."), or nullopt when the rows hold. In
// this order: each case (version = number of events = last seq, its snapshot is its own
// and agrees with its columns, its last event left its state), events without a case,
// the hash chains (after the counts, so that a half-written case is reported as such),
// the visits (columns and person keys agree with the record; no key without a visit),
// the configuration records (numbered 1..n, each reading back at its row's seq and at).
// Stored text that does not read back throws DataError (reported as unreadable data).
std::optional<std::string> first_problem(IntegrityRows& rows);

}  // namespace fengqiao::storage_detail
