#include "sqlite/case_query.hpp"

#include <cstdint>
#include <limits>

#include "sqlite/rows.hpp"

namespace fengqiao::sqlite_detail {
namespace {

// Fixed parameter numbers, whatever the filters: ?1 after_id, ?2 state, ?3 supervision,
// ?4 lead, ?5/?6 jurisdiction key range, ?7 due_before, ?8 limit.
constexpr int kAfterId = 1, kState = 2, kSupervision = 3, kLead = 4, kPathFrom = 5, kPathTo = 6, kDue = 7,
              kLimit = 8;

}  // namespace

std::string query_sql(const CaseQuery& q, QueryShape shape) {
  // The id beside the snapshot: from schema 5 on the snapshot's blob does not hold it.
  std::string sql = shape == QueryShape::rows ? "SELECT id, snapshot FROM cases" : "SELECT count(*) FROM cases";
  // Every id is non-empty, so `id > ''` matches all: one text serves with or without after_id.
  // With a jurisdiction range as the only indexed filter, `+id` keeps the planner off the
  // primary key: `cases` is clustered by id (WITHOUT ROWID, schema 5), and SQLite then
  // prefers walking all of it in id order to the jurisdiction index's range, however few
  // cases the range holds. (An equality filter's index already serves `id > ?` itself.)
  const bool jurisdiction_only = !q.jurisdiction.empty() && !q.state && !q.supervision && !q.lead;
  sql += jurisdiction_only ? " WHERE +id > ?1" : " WHERE id > ?1";
  if (q.state) sql += " AND state = ?2";
  if (q.supervision) sql += " AND supervision = ?3";
  if (q.lead) sql += " AND lead = ?4";
  if (!q.jurisdiction.empty()) sql += " AND jurisdiction >= ?5 AND jurisdiction < ?6";
  if (q.due_before) sql += " AND next_due <= ?7";
  if (shape == QueryShape::rows) sql += " ORDER BY id LIMIT ?8";
  return sql;
}

void bind_query(SQLite::Statement& st, const CaseQuery& q, QueryShape shape) {
  st.bind(kAfterId, q.after_id);
  if (q.state) st.bind(kState, std::string(to_string(*q.state)));
  if (q.supervision) st.bind(kSupervision, std::string(to_string(*q.supervision)));
  if (q.lead) st.bind(kLead, *q.lead);
  if (!q.jurisdiction.empty()) {
    const std::string from = jurisdiction_key(q.jurisdiction);
    st.bind(kPathFrom, from);
    st.bind(kPathTo, jurisdiction_key_end(from));
  }
  if (q.due_before) st.bind(kDue, static_cast<int64_t>(to_seconds(*q.due_before)));
  if (shape == QueryShape::rows) {
    // SQLite reads a negative LIMIT as "no limit".
    const bool unlimited = q.limit == 0 || q.limit > static_cast<std::size_t>(std::numeric_limits<int64_t>::max());
    st.bind(kLimit, unlimited ? int64_t{-1} : static_cast<int64_t>(q.limit));
  }
}

}  // namespace fengqiao::sqlite_detail
