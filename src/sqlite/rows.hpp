// The SQLite adapter's rows: the shared SQL row codec (storage/rows.hpp).
#pragma once

#include "storage/rows.hpp"

namespace fengqiao::sqlite_detail {

using storage_detail::CaseColumns;
using storage_detail::columns_of;
using storage_detail::config_from;
using storage_detail::config_text;
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

}  // namespace fengqiao::sqlite_detail
