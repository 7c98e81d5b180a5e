// How cases, events, visits and configuration records map to rows: each stored whole as
// the JSON text of its to_json (lossless, and fields added to the types later flow
// through without a schema change), plus the few columns that queries and the due index
// read, derived from it.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "fengqiao/case.hpp"
#include "fengqiao/configuration.hpp"
#include "fengqiao/event.hpp"
#include "fengqiao/time.hpp"
#include "fengqiao/visit.hpp"

namespace fengqiao::postgres_detail {

// Stored text fengqiao cannot read back: the database was changed behind fengqiao's back.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The indexed columns of a `cases` row, derived from its snapshot.
struct CaseColumns {
  std::string state;
  std::string supervision;
  int level = 0;
  std::optional<std::string> lead;
  std::string jurisdiction;              // jurisdiction_key(path)
  std::optional<std::int64_t> next_due;  // seconds since the epoch
};
CaseColumns columns_of(const Case& c);

// The path as one text whose byte prefixes are exactly its path prefixes:
// "/daxinganling/mohe/xilinji/". Each element escapes '%' as %25 and '/' as %2F, so an
// element containing '/' cannot pose as two. The same key as the SQLite adapter's.
std::string jurisdiction_key(const std::vector<std::string>& path);
// The smallest text greater than every key starting with `prefix_key` (which ends in
// '/'): [prefix_key, end) is the index range of a path-prefix query under COLLATE "C".
std::string jurisdiction_key_end(const std::string& prefix_key);

std::int64_t to_seconds(Instant t);
Instant from_seconds(std::int64_t s);

// JSON text of stored values (nlohmann::json::type_error on text that is not UTF-8). The
// readers throw DataError naming the row.
std::string snapshot_text(const Case& c);
Case snapshot_from(const std::string& text, std::string_view case_id);
std::string event_text(const Event& e);
Event event_from(const std::string& text, std::string_view case_id, std::int64_t seq);
nlohmann::json payload_from(const std::string& text, std::int64_t outbox_id);
std::string visit_text(const Visit& v);
Visit visit_from(const std::string& text, std::string_view visit_id);
std::string config_text(const ConfigRecord& r);
ConfigRecord config_from(const std::string& text, std::int64_t seq);

// The rows of `visit_keys` for a visit: "id_number:<v>" and "phone:<v>", each once.
std::vector<std::string> visit_keys_of(const Visit& v);

// PostgreSQL text cannot hold a NUL byte (libpq would also cut the parameter there): an
// id or indexed text with one could not be stored as given. The JSON columns escape it.
bool has_nul(std::string_view text);

}  // namespace fengqiao::postgres_detail
