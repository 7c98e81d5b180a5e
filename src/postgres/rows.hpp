// The PostgreSQL adapter's rows: the shared SQL row codec (storage/rows.hpp), the same
// keys and JSON as the SQLite adapter's, plus what only PostgreSQL needs.
#pragma once

#include <string_view>

#include "storage/rows.hpp"

namespace fengqiao::postgres_detail {

// Every name of the shared codec, unqualified as the adapter has always used them.
using namespace storage_detail;

// PostgreSQL text cannot hold a NUL byte (libpq would also cut the parameter there): an
// id or indexed text with one could not be stored as given. The JSON columns escape it.
inline bool has_nul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

}  // namespace fengqiao::postgres_detail
