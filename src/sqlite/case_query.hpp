// CaseQuery as SQL. Each combination of filters has its own statement text (so SQLite
// picks the matching index for it), prepared once and cached; values are always bound.
#pragma once

#include <string>

#include <SQLiteCpp/Statement.h>

#include "fengqiao/storage.hpp"

namespace fengqiao::sqlite_detail {

enum class QueryShape { rows, count };

// The statement text for the filters `q` uses.
std::string query_sql(const CaseQuery& q, QueryShape shape);
// Binds q's values to a statement made from query_sql(q, shape).
void bind_query(SQLite::Statement& st, const CaseQuery& q, QueryShape shape);

}  // namespace fengqiao::sqlite_detail
