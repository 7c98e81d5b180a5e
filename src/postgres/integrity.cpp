#include "postgres/integrity.hpp"

#include <pqxx/pqxx>

#include "postgres/rows.hpp"
#include "storage/integrity.hpp"

namespace fengqiao::postgres_detail {
namespace {

using storage_detail::CaseRow;
using storage_detail::ConfigRow;
using storage_detail::VisitRow;

// Rows per page: one statement per page, whatever the number of cases.
constexpr int kPage = 1000;

std::optional<std::string> optional_text(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::string>();
}

// The schema's rows for the shared checks, each table read in key order by keyset pages
// (`id > last`), all in the caller's transaction, so the pages are one consistent view.
class ServerRows final : public storage_detail::IntegrityRows {
 public:
  explicit ServerRows(pqxx::transaction_base& tx) : tx_(tx) {}

  void cases(const std::function<bool(const CaseRow&)>& visit) override {
    std::string after;  // every id is non-empty
    for (;;) {
      const pqxx::result page = tx_.exec_params(
          "SELECT c.id, c.version, c.state, c.supervision, c.level, c.lead, c.jurisdiction, c.next_due, c.snapshot,"
          " (SELECT count(*) FROM events e WHERE e.case_id = c.id),"
          " (SELECT max(seq) FROM events e WHERE e.case_id = c.id),"
          " (SELECT json FROM events e WHERE e.case_id = c.id ORDER BY seq DESC LIMIT 1)"
          " FROM cases c WHERE c.id > $1 ORDER BY c.id LIMIT $2",
          after, kPage);
      for (const auto& r : page) {
        CaseRow row;
        row.id = r[0].as<std::string>();
        row.version = r[1].as<std::int64_t>();
        row.columns.state = r[2].as<std::string>();
        row.columns.supervision = r[3].as<std::string>();
        row.columns.level = r[4].as<int>();
        row.columns.lead = optional_text(r[5]);
        row.columns.jurisdiction = r[6].as<std::string>();
        if (!r[7].is_null()) row.columns.next_due = r[7].as<std::int64_t>();
        row.snapshot = r[8].as<std::string>();
        row.events = r[9].as<std::int64_t>();
        row.last_seq = r[10].is_null() ? 0 : r[10].as<std::int64_t>();
        row.last_event = optional_text(r[11]);
        if (!visit(row)) return;
        after = row.id;
      }
      if (page.size() < static_cast<std::size_t>(kPage)) return;
    }
  }

  std::optional<std::string> orphan_events() override {
    return first_text("SELECT e.case_id FROM events e WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = e.case_id) LIMIT 1");
  }

  // The PostgreSQL adapter stored hashes from its first schema on.
  bool chained() override { return true; }

  // A page of cases, then their events in one range read of the events' primary key,
  // merged in byte order (COLLATE "C" sorts as std::string compares). Events of a case
  // without a row in that range are skipped here: orphan_events reported them.
  void histories(const std::function<bool(const std::string&, const std::string&)>& on_case,
                 const std::function<bool(std::int64_t, const std::string&)>& on_event) override {
    std::string after;
    for (;;) {
      const pqxx::result page =
          tx_.exec_params("SELECT id, snapshot FROM cases WHERE id > $1 ORDER BY id LIMIT $2", after, kPage);
      if (page.empty()) return;
      const pqxx::result events = tx_.exec_params(
          "SELECT case_id, seq, json FROM events WHERE case_id >= $1 AND case_id <= $2 ORDER BY case_id, seq",
          page[0][0].as<std::string>(), page[page.size() - 1][0].as<std::string>());
      std::size_t next = 0;
      for (const auto& c : page) {
        const std::string id = c[0].as<std::string>();
        if (!on_case(id, c[1].as<std::string>())) return;
        while (next < events.size() && events[next][0].as<std::string>() < id) ++next;
        for (; next < events.size() && events[next][0].as<std::string>() == id; ++next)
          if (!on_event(events[next][1].as<std::int64_t>(), events[next][2].as<std::string>())) return;
        after = id;
      }
      if (page.size() < static_cast<std::size_t>(kPage)) return;
    }
  }

  void visits(const std::function<bool(const VisitRow&)>& visit) override {
    std::string after;
    for (;;) {
      // The keys as a JSON array in byte order: a key may hold any text but NUL.
      const pqxx::result page = tx_.exec_params(
          "SELECT v.id, v.at, v.kind, v.channel, v.case_id, v.json,"
          " coalesce((SELECT json_agg(k.key ORDER BY k.key) FROM visit_keys k WHERE k.visit_id = v.id), '[]')::text"
          " FROM visits v WHERE v.id > $1 ORDER BY v.id LIMIT $2",
          after, kPage);
      for (const auto& r : page) {
        VisitRow row;
        row.id = r[0].as<std::string>();
        row.at = r[1].as<std::int64_t>();
        row.kind = r[2].as<std::string>();
        row.channel = r[3].as<std::string>();
        row.case_id = optional_text(r[4]);
        row.json = r[5].as<std::string>();
        row.keys = nlohmann::json::parse(r[6].as<std::string>()).get<std::vector<std::string>>();
        if (!visit(row)) return;
        after = row.id;
      }
      if (page.size() < static_cast<std::size_t>(kPage)) return;
    }
  }

  std::optional<std::string> orphan_visit_keys() override {
    return first_text(
        "SELECT k.visit_id FROM visit_keys k WHERE NOT EXISTS (SELECT 1 FROM visits v WHERE v.id = k.visit_id) LIMIT 1");
  }

  // Few rows (one per calendar or rules change): one statement.
  void configurations(const std::function<bool(const ConfigRow&)>& visit) override {
    for (const auto& r : tx_.exec("SELECT seq, at, json FROM configurations ORDER BY seq"))
      if (!visit(ConfigRow{r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<std::string>()})) return;
  }

 private:
  std::optional<std::string> first_text(const char* sql) {
    const pqxx::result r = tx_.exec(sql);
    if (r.empty()) return std::nullopt;
    return r[0][0].as<std::string>();
  }

  pqxx::transaction_base& tx_;
};

}  // namespace

Status check_schema(pqxx::transaction_base& tx, const Where& where) {
  ServerRows rows(tx);
  if (auto found = storage_detail::first_problem(rows))
    return make_error(ErrorCode::storage_error, describe_server(where) + " fails its integrity check: " + *found);
  return Status::success();
}

}  // namespace fengqiao::postgres_detail
