#include "sqlite/integrity.hpp"

#include "fengqiao/chain.hpp"
#include "sqlite/rows.hpp"

namespace fengqiao::sqlite_detail {
namespace {

Status problem(const Where& where, const std::string& what) {
  return make_error(ErrorCode::storage_error, describe_file(where) + " fails its integrity check: " + what);
}

Status check_pages(Connection& c, const Where& where) {
  SQLite::Statement st(c.database(), "PRAGMA integrity_check(20)");
  std::string report;
  while (st.executeStep()) {
    const std::string line = st.getColumn(0).getString();
    if (line == "ok") return Status::success();
    report += (report.empty() ? "" : "; ") + line;
  }
  return problem(where, report);
}

// Each case: version = number of events = last seq, the snapshot agrees with its row's
// columns, and the last event left the state the snapshot has. A case that fails one of
// these was written half, or changed behind fengqiao's back.
Status check_cases(Connection& c, const Where& where) {
  SQLite::Statement st(c.database(),
                       "SELECT c.id, c.version, c.state, c.supervision, c.level, c.lead, c.jurisdiction, c.next_due,"
                       " c.snapshot,"
                       " (SELECT count(*) FROM events e WHERE e.case_id = c.id),"
                       " (SELECT max(seq) FROM events e WHERE e.case_id = c.id),"
                       " (SELECT json FROM events e WHERE e.case_id = c.id ORDER BY seq DESC LIMIT 1)"
                       " FROM cases c ORDER BY c.id");
  while (st.executeStep()) {
    const std::string id = st.getColumn(0).getString();
    const std::int64_t version = st.getColumn(1).getInt64();
    const std::int64_t events = st.getColumn(9).getInt64();
    const std::int64_t last_seq = st.getColumn(10).isNull() ? 0 : st.getColumn(10).getInt64();
    const std::string in_case = "case \"" + id + "\" ";
    if (events != version || last_seq != version)
      return problem(where, in_case + "is at version " + std::to_string(version) + " but has " +
                                std::to_string(events) + " events (last seq " + std::to_string(last_seq) + ")");
    const Case snapshot = snapshot_from(st.getColumn(8).getString(), id);
    if (snapshot.id != id || static_cast<std::int64_t>(snapshot.version) != version)
      return problem(where, in_case + "has a snapshot of \"" + snapshot.id + "\" version " +
                                std::to_string(snapshot.version));
    const CaseColumns want = columns_of(snapshot);
    const bool lead_matches = st.getColumn(5).isNull() ? !want.lead : want.lead == st.getColumn(5).getString();
    const bool due_matches =
        st.getColumn(7).isNull() ? !want.next_due : want.next_due == st.getColumn(7).getInt64();
    if (want.state != st.getColumn(2).getString() || want.supervision != st.getColumn(3).getString() ||
        want.level != st.getColumn(4).getInt() || !lead_matches || want.jurisdiction != st.getColumn(6).getString() ||
        !due_matches)
      return problem(where, in_case + "has indexed columns that disagree with its snapshot");
    const Event last = event_from(st.getColumn(11).getString(), id, last_seq);
    if (last.state_after != snapshot.state)
      return problem(where, in_case + "is " + std::string(to_string(snapshot.state)) + " but its last event left it " +
                                std::string(to_string(last.state_after)));
  }
  SQLite::Statement orphans(c.database(),
                            "SELECT case_id FROM events WHERE case_id NOT IN (SELECT id FROM cases) LIMIT 1");
  if (orphans.executeStep())
    return problem(where, "events of case \"" + orphans.getColumn(0).getString() + "\" have no case row");
  return Status::success();
}

// Each visit: its JSON is a visit with the row's id, the columns the filters read agree
// with it, and its visit_keys rows are exactly its parties' id_numbers and phones (a query
// by person would otherwise miss it or find it wrongly).
Status check_visits(Connection& c, const Where& where) {
  SQLite::Statement has(c.database(), "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'visits'");
  has.executeStep();
  if (has.getColumn(0).getInt64() == 0) return Status::success();  // a version-1 file, read as it is
  SQLite::Statement st(c.database(), "SELECT id, at, kind, channel, case_id, json FROM visits ORDER BY id");
  SQLite::Statement keys(c.database(), "SELECT key FROM visit_keys WHERE visit_id = ?1 ORDER BY key");
  while (st.executeStep()) {
    const std::string id = st.getColumn(0).getString();
    const std::string in_visit = "visit \"" + id + "\" ";
    const Visit v = visit_from(st.getColumn(5).getString(), id);
    const bool case_matches = st.getColumn(4).isNull() ? !v.case_id : v.case_id == st.getColumn(4).getString();
    if (v.id != id || to_seconds(v.at) != st.getColumn(1).getInt64() || to_string(v.kind) != st.getColumn(2).getString() ||
        to_string(v.channel) != st.getColumn(3).getString() || !case_matches)
      return problem(where, in_visit + "has indexed columns that disagree with its record");
    std::vector<std::string> stored;
    keys.reset();
    keys.bind(1, id);
    while (keys.executeStep()) stored.push_back(keys.getColumn(0).getString());
    if (stored != visit_keys_of(v))
      return problem(where, in_visit + "has visit_keys rows that disagree with its parties");
  }
  SQLite::Statement orphans(c.database(),
                            "SELECT visit_id FROM visit_keys WHERE visit_id NOT IN (SELECT id FROM visits) LIMIT 1");
  if (orphans.executeStep())
    return problem(where, "visit_keys name visit \"" + orphans.getColumn(0).getString() + "\", which has no row");
  return Status::success();
}

// The configuration records: numbered 1..n without gaps (a commit's config_seq check
// relies on it), each reading back as the record of its row's seq and instant.
Status check_configurations(Connection& c, const Where& where) {
  SQLite::Statement has(c.database(),
                        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'configurations'");
  has.executeStep();
  if (has.getColumn(0).getInt64() == 0) return Status::success();  // a version-1 or 2 file, read as it is
  SQLite::Statement st(c.database(), "SELECT seq, at, json FROM configurations ORDER BY seq");
  std::int64_t expected = 1;
  while (st.executeStep()) {
    const std::int64_t seq = st.getColumn(0).getInt64();
    if (seq != expected)
      return problem(where, "configuration records are not numbered 1, 2, ...: seq " + std::to_string(seq) +
                                " follows " + std::to_string(expected - 1));
    const ConfigRecord r = config_from(st.getColumn(2).getString(), seq);
    if (to_seconds(r.at) != st.getColumn(1).getInt64())
      return problem(where, "configuration record " + std::to_string(seq) + " has an `at` column that disagrees with its record");
    ++expected;
  }
  return Status::success();
}

// Every case's hash chain (chain.hpp), recomputed from its event rows in seq order: the
// first event whose content no longer matches its hash, whose hash does not link to the
// one before, that is missing or out of place, or a snapshot whose chain_head is not the
// last hash. A file before schema 4, opened read-only (not migrated), has no chain.
Status check_chains(Connection& c, const Where& where) {
  SQLite::Statement version(c.database(), "SELECT value FROM meta WHERE key = 'schema_version'");
  if (!version.executeStep() || std::stoi(version.getColumn(0).getString()) < 4) return Status::success();
  SQLite::Statement cases(c.database(), "SELECT id, snapshot FROM cases ORDER BY id");
  SQLite::Statement events(c.database(), "SELECT seq, json FROM events WHERE case_id = ?1 ORDER BY seq");
  while (cases.executeStep()) {
    const std::string id = cases.getColumn(0).getString();
    const Case snapshot = snapshot_from(cases.getColumn(1).getString(), id);
    chain::Checker checker(id);
    std::optional<chain::Break> broken;
    events.reset();
    events.bind(1, id);
    while (!broken && events.executeStep())
      broken = checker.next(event_from(events.getColumn(1).getString(), id, events.getColumn(0).getInt64()));
    if (!broken) broken = checker.finish(snapshot.chain_head, snapshot.version);
    if (broken) return problem(where, "hash chain broken: " + broken->describe());
  }
  return Status::success();
}

}  // namespace

Status check_file(Connection& c, const Where& where) {
  const bool own_transaction = !c.in_transaction();
  if (own_transaction) c.run_once("BEGIN");  // one consistent view of all tables
  try {
    Status s = check_pages(c, where);
    if (s) s = check_cases(c, where);
    // After the counts (a half-written case is reported as such), before the rest: the
    // chains name the first event whose content was changed, or that was moved or removed.
    if (s) s = check_chains(c, where);
    if (s) s = check_visits(c, where);
    if (s) s = check_configurations(c, where);
    if (own_transaction) c.run_once("COMMIT");
    return s;
  } catch (...) {
    if (own_transaction && c.in_transaction()) c.run_once("ROLLBACK");
    throw;
  }
}

}  // namespace fengqiao::sqlite_detail
