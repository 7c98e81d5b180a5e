#include "sqlite/visit_query.hpp"

#include <cstdint>
#include <limits>

#include "sqlite/rows.hpp"

namespace fengqiao::sqlite_detail {
namespace {

// Fixed parameter numbers, whatever the filters.
constexpr int kAfterId = 1, kId = 2, kFrom = 3, kTo = 4, kKind = 5, kChannel = 6, kCase = 7, kIdNumber = 8,
              kPhone = 9, kLimit = 10;

}  // namespace

std::string visit_query_sql(const VisitQuery& q, QueryShape shape) {
  std::string sql = shape == QueryShape::rows ? "SELECT id, json FROM visits" : "SELECT count(*) FROM visits";
  sql += " WHERE id > ?1";
  if (q.id) sql += " AND id = ?2";
  if (q.from) sql += " AND at >= ?3";
  if (q.to) sql += " AND at < ?4";
  if (q.kind) sql += " AND kind = ?5";
  if (q.channel) sql += " AND channel = ?6";
  if (q.case_id) sql += " AND case_id = ?7";
  if (q.id_number) sql += " AND id IN (SELECT visit_id FROM visit_keys WHERE key = ?8)";
  if (q.phone) sql += " AND id IN (SELECT visit_id FROM visit_keys WHERE key = ?9)";
  if (shape == QueryShape::rows) sql += " ORDER BY id LIMIT ?10";
  return sql;
}

void bind_visit_query(SQLite::Statement& st, const VisitQuery& q, QueryShape shape) {
  // Every visit id is non-empty (the engine refuses others), so `id > ''` matches all.
  st.bind(kAfterId, q.after_id);
  if (q.id) st.bind(kId, *q.id);
  if (q.from) st.bind(kFrom, static_cast<int64_t>(to_seconds(*q.from)));
  if (q.to) st.bind(kTo, static_cast<int64_t>(to_seconds(*q.to)));
  if (q.kind) st.bind(kKind, std::string(to_string(*q.kind)));
  if (q.channel) st.bind(kChannel, std::string(to_string(*q.channel)));
  if (q.case_id) st.bind(kCase, *q.case_id);
  // An empty value names no party (VisitQuery::matches), and no key row is ever empty.
  if (q.id_number) st.bind(kIdNumber, q.id_number->empty() ? std::string() : "id_number:" + *q.id_number);
  if (q.phone) st.bind(kPhone, q.phone->empty() ? std::string() : "phone:" + *q.phone);
  if (shape == QueryShape::rows) {
    const bool unlimited = q.limit == 0 || q.limit > static_cast<std::size_t>(std::numeric_limits<int64_t>::max());
    st.bind(kLimit, unlimited ? int64_t{-1} : static_cast<int64_t>(q.limit));
  }
}

}  // namespace fengqiao::sqlite_detail
