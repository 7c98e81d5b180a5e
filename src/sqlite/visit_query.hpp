// VisitQuery as SQL, made the way CaseQuery's is (case_query.hpp): one statement text per
// combination of filters, prepared once and cached; values are always bound.
#pragma once

#include <string>

#include <SQLiteCpp/Statement.h>

#include "fengqiao/visit.hpp"
#include "sqlite/case_query.hpp"  // QueryShape

namespace fengqiao::sqlite_detail {

std::string visit_query_sql(const VisitQuery& q, QueryShape shape);
void bind_visit_query(SQLite::Statement& st, const VisitQuery& q, QueryShape shape);

}  // namespace fengqiao::sqlite_detail
