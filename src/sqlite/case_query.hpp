// CaseQuery as SQL. Each combination of filters has its own statement text (so SQLite
// picks the matching index for it), prepared once and cached; values are always bound.
#pragma once

#include <string>

#include <SQLiteCpp/Statement.h>

#include "fengqiao/storage.hpp"

namespace fengqiao::sqlite_detail {

// first_due(): one descent of the due index (next_due, id), whatever the number of cases.
inline const std::string kFirstDueSql =
    "SELECT next_due, id FROM cases WHERE next_due <= ?1 ORDER BY next_due, id LIMIT 1";

enum class QueryShape { rows, count };

// The statement text for the filters `q` uses.
std::string query_sql(const CaseQuery& q, QueryShape shape);
// Binds q's values to a statement made from query_sql(q, shape).
void bind_query(SQLite::Statement& st, const CaseQuery& q, QueryShape shape);

}  // namespace fengqiao::sqlite_detail
