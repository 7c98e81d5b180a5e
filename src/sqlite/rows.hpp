// The SQLite adapter's rows: the shared SQL row codec (storage/rows.hpp).
#pragma once

#include "storage/rows.hpp"

namespace fengqiao::sqlite_detail {

// Every name of the shared codec, unqualified as the adapter has always used them.
using namespace storage_detail;

}  // namespace fengqiao::sqlite_detail
