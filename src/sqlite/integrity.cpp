#include "sqlite/integrity.hpp"

#include "sqlite/rows.hpp"
#include "storage/compact_codec.hpp"
#include "storage/integrity.hpp"

namespace fengqiao::sqlite_detail {
namespace {

using storage_detail::CaseRow;
using storage_detail::ConfigRow;
using storage_detail::VisitRow;

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

std::optional<std::string> optional_text(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return column.getString();
}

// The file's rows for the shared checks (storage/integrity.hpp). A file of an older
// schema, read unmigrated, lacks the tables and the chain its version did not have.
class FileRows final : public storage_detail::IntegrityRows {
 public:
  FileRows(Connection& c, bool compact) : db_(c.database()), compact_(compact), body_(compact ? "body" : "json") {}

  void cases(const std::function<bool(const CaseRow&)>& visit) override {
    SQLite::Statement st(db_,
                         "SELECT c.id, c.version, c.state, c.supervision, c.level, c.lead, c.jurisdiction, c.next_due,"
                         " c.snapshot,"
                         " (SELECT count(*) FROM events e WHERE e.case_id = c.id),"
                         " (SELECT max(seq) FROM events e WHERE e.case_id = c.id),"
                         " (SELECT " + body_ + " FROM events e WHERE e.case_id = c.id ORDER BY seq DESC LIMIT 1)"
                         " FROM cases c ORDER BY c.id");
    while (st.executeStep()) {
      CaseRow row;
      row.id = st.getColumn(0).getString();
      row.version = st.getColumn(1).getInt64();
      row.columns.state = st.getColumn(2).getString();
      row.columns.supervision = st.getColumn(3).getString();
      row.columns.level = st.getColumn(4).getInt();
      row.columns.lead = optional_text(st.getColumn(5));
      row.columns.jurisdiction = st.getColumn(6).getString();
      if (!st.getColumn(7).isNull()) row.columns.next_due = st.getColumn(7).getInt64();
      row.snapshot = st.getColumn(8).getString();
      row.events = st.getColumn(9).getInt64();
      row.last_seq = st.getColumn(10).isNull() ? 0 : st.getColumn(10).getInt64();
      row.last_event = optional_text(st.getColumn(11));
      if (!visit(row)) return;
    }
  }

  std::optional<std::string> orphan_events() override {
    SQLite::Statement st(db_, "SELECT case_id FROM events WHERE case_id NOT IN (SELECT id FROM cases) LIMIT 1");
    if (st.executeStep()) return st.getColumn(0).getString();
    return std::nullopt;
  }

  // Before schema 4 (a file opened read-only, not migrated) events have no hashes.
  bool chained() override {
    SQLite::Statement version(db_, "SELECT value FROM meta WHERE key = 'schema_version'");
    return version.executeStep() && std::stoi(version.getColumn(0).getString()) >= 4;
  }

  void histories(const std::function<bool(const std::string&, const std::string&)>& on_case,
                 const std::function<bool(std::int64_t, const std::string&)>& on_event) override {
    SQLite::Statement cases(db_, "SELECT id, snapshot FROM cases ORDER BY id");
    SQLite::Statement events(db_, "SELECT seq, " + body_ + " FROM events WHERE case_id = ?1 ORDER BY seq");
    while (cases.executeStep()) {
      const std::string id = cases.getColumn(0).getString();
      if (!on_case(id, cases.getColumn(1).getString())) return;
      events.reset();
      events.bind(1, id);
      while (events.executeStep())
        if (!on_event(events.getColumn(0).getInt64(), events.getColumn(1).getString())) return;
    }
  }

  void visits(const std::function<bool(const VisitRow&)>& visit) override {
    if (!has_table("visits")) return;  // a version-1 file, read as it is
    SQLite::Statement st(db_, "SELECT id, at, kind, channel, case_id, json FROM visits ORDER BY id");
    SQLite::Statement keys(db_, "SELECT key FROM visit_keys WHERE visit_id = ?1 ORDER BY key");
    while (st.executeStep()) {
      VisitRow row;
      row.id = st.getColumn(0).getString();
      row.at = st.getColumn(1).getInt64();
      row.kind = st.getColumn(2).getString();
      row.channel = st.getColumn(3).getString();
      row.case_id = optional_text(st.getColumn(4));
      row.json = st.getColumn(5).getString();
      keys.reset();
      keys.bind(1, row.id);
      while (keys.executeStep()) row.keys.push_back(keys.getColumn(0).getString());
      if (!visit(row)) return;
    }
  }

  std::optional<std::string> orphan_visit_keys() override {
    if (!has_table("visit_keys")) return std::nullopt;
    SQLite::Statement st(db_, "SELECT visit_id FROM visit_keys WHERE visit_id NOT IN (SELECT id FROM visits) LIMIT 1");
    if (st.executeStep()) return st.getColumn(0).getString();
    return std::nullopt;
  }

  void configurations(const std::function<bool(const ConfigRow&)>& visit) override {
    if (!has_table("configurations")) return;  // a version-1 or 2 file, read as it is
    SQLite::Statement st(db_, "SELECT seq, at, json FROM configurations ORDER BY seq");
    while (st.executeStep())
      if (!visit(ConfigRow{st.getColumn(0).getInt64(), st.getColumn(1).getInt64(), st.getColumn(2).getString()}))
        return;
  }

  // From schema 5 on, snapshots and events are compact blobs.
  Case snapshot(const std::string& stored, const std::string& id) override {
    if (!compact_) return IntegrityRows::snapshot(stored, id);
    return storage_detail::decode_case(stored, id);
  }
  Event event(const std::string& stored, const std::string& case_id, std::int64_t seq) override {
    if (!compact_) return IntegrityRows::event(stored, case_id, seq);
    return storage_detail::decode_event(stored.data(), stored.size(), case_id, static_cast<std::uint64_t>(seq));
  }

 private:
  bool has_table(const char* name) {
    SQLite::Statement st(db_, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1");
    st.bind(1, name);
    st.executeStep();
    return st.getColumn(0).getInt64() != 0;
  }

  SQLite::Database& db_;
  bool compact_;
  std::string body_;  // the events' column: `body` from schema 5 on, `json` before
};

}  // namespace

Status check_file(Connection& c, const Where& where, bool compact) {
  const bool own_transaction = !c.in_transaction();
  if (own_transaction) c.run_once("BEGIN");  // one consistent view of all tables
  try {
    Status s = check_pages(c, where);
    if (s) {
      FileRows rows(c, compact);
      if (auto found = storage_detail::first_problem(rows)) s = problem(where, *found);
    }
    if (own_transaction) c.run_once("COMMIT");
    return s;
  } catch (...) {
    if (own_transaction && c.in_transaction()) c.run_once("ROLLBACK");
    throw;
  }
}

}  // namespace fengqiao::sqlite_detail
