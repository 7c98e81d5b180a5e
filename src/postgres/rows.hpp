// The PostgreSQL adapter's rows: the shared SQL row codec (storage/rows.hpp), the same
// keys and JSON as the SQLite adapter's, plus what only PostgreSQL needs.
#pragma once

#include <string_view>

#include "storage/rows.hpp"

namespace fengqiao::postgres_detail {

using storage_detail::CaseColumns;
using storage_detail::columns_of;
using storage_detail::config_from;
using storage_detail::config_text;
using storage_detail::DataError;
using storage_detail::event_from;
using storage_detail::event_text;
using storage_detail::from_seconds;
using storage_detail::jurisdiction_key;
using storage_detail::jurisdiction_key_end;
using storage_detail::payload_from;
using storage_detail::snapshot_from;
using storage_detail::snapshot_text;
using storage_detail::to_seconds;
using storage_detail::visit_from;
using storage_detail::visit_keys_of;
using storage_detail::visit_text;

// PostgreSQL text cannot hold a NUL byte (libpq would also cut the parameter there): an
// id or indexed text with one could not be stored as given. The JSON columns escape it.
inline bool has_nul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

}  // namespace fengqiao::postgres_detail
