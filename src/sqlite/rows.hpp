// How cases, events and outbox messages map to rows: the snapshot and event as JSON text
// (the lossless form of case.hpp / event.hpp), plus the few columns queries and the due
// index read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fengqiao/case.hpp"
#include "fengqiao/configuration.hpp"
#include "fengqiao/event.hpp"
#include "fengqiao/storage.hpp"
#include "fengqiao/time.hpp"
#include "fengqiao/visit.hpp"

namespace fengqiao::sqlite_detail {

// The indexed columns of a `cases` row, derived from its snapshot.
struct CaseColumns {
  std::string state;
  std::string supervision;
  int level = 0;
  std::optional<std::string> lead;
  std::string jurisdiction;          // jurisdiction_key(path)
  std::optional<std::int64_t> next_due;  // seconds since the epoch
};
CaseColumns columns_of(const Case& c);

// The jurisdiction path as one text whose byte prefixes are exactly its path prefixes:
// "/daxinganling/mohe/xilinji/". Each element escapes '%' and '/' (as %25, %2F) so an
// element containing '/' cannot pose as two.
std::string jurisdiction_key(const std::vector<std::string>& path);
// The smallest text greater than every key starting with `prefix_key` (which ends in
// '/'): together they bound an index range scan for a path-prefix query.
std::string jurisdiction_key_end(const std::string& prefix_key);

std::int64_t to_seconds(Instant t);
Instant from_seconds(std::int64_t s);

// JSON text of stored values. The readers throw DataError naming the row on bad text.
std::string snapshot_text(const Case& c);
Case snapshot_from(const std::string& text, std::string_view case_id);
std::string event_text(const Event& e);
Event event_from(const std::string& text, std::string_view case_id, std::int64_t seq);
nlohmann::json payload_from(const std::string& text, std::int64_t outbox_id);
// A visit is stored as the JSON of to_json(Visit).
Visit visit_from(const std::string& text, std::string_view visit_id);
// A configuration record is stored as the JSON of to_json(ConfigRecord); the reader
// names the row's seq in its DataError.
std::string config_text(const ConfigRecord& r);
ConfigRecord config_from(const std::string& text, std::int64_t seq);
// The rows of `visit_keys` for a visit: "id_number:<v>" and "phone:<v>" of its parties,
// each once.
std::vector<std::string> visit_keys_of(const Visit& v);

}  // namespace fengqiao::sqlite_detail
