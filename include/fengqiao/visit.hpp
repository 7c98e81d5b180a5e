// Visits (接待登记, LIFECYCLE.md contract version 2): every person or group the center
// receives and every lead from the field, whether or not it becomes a case. A visit is a
// record of its own: it changes no case, and its id is unique among visits only (a visit
// and a case may share an id).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fengqiao/case.hpp"
#include "fengqiao/time.hpp"
#include "fengqiao/vocabulary.hpp"

namespace fengqiao {

// A visit (接待登记, LIFECYCLE.md "Visits"): a person or group the center received, or a
// field lead, whether or not it became a case. Never changed once stored.
struct Visit {
  std::string id;
  Instant at{};                        // the engine clock's now when it was recorded
  Actor actor;                         // who recorded it
  Channel channel = Channel::walk_in;
  VisitKind kind = VisitKind::claim;
  std::vector<Party> parties;          // never empty
  std::string summary;
  std::optional<std::string> case_id;  // the case it concerns or led to (any state)
};

// Filters are ANDed; an absent filter matches everything. Results are ordered by visit id
// (byte-wise), as CaseQuery's are, and paginated the same way with after_id / limit: an
// id order is the one a client can resume from without ties, whatever the instants.
struct VisitQuery {
  std::optional<std::string> id;       // exactly this visit (what the engine's duplicate check asks)
  std::optional<Instant> from;         // at >= from
  std::optional<Instant> to;           // at < to: [from, to) tiles periods without overlap
  std::optional<VisitKind> kind;
  std::optional<Channel> channel;
  std::optional<std::string> case_id;  // linked to this case
  std::optional<std::string> id_number;  // some party has exactly this id_number
  std::optional<std::string> phone;      // some party has exactly this phone
  std::string after_id;                // only ids strictly greater (byte-wise); "" = from the start
  std::size_t limit = 0;               // 0 = no limit

  bool matches(const Visit& v) const;  // the reference semantics of the filters above
};

// The shape of a visit line of HISTORY-FORMAT.md (without expect_error):
//   {"at":"...","visit":"V-1","actor":{...},"data":{"channel","kind","parties","summary","case"?}}
// with `at` in UTC. from_json reads that shape back, and throws fengqiao::Exception with
// invalid_data (naming the field) on a missing key, a wrong type or an unknown spelling.
// It checks types only; what the engine accepts as a visit is judged by record_visit.
void to_json(nlohmann::json& j, const Visit& v);
void from_json(const nlohmann::json& j, Visit& v);

}  // namespace fengqiao
