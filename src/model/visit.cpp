#include "fengqiao/visit.hpp"

#include <algorithm>

namespace fengqiao {

// A filter added to VisitQuery must be handled here and by every adapter's query; the
// conformance kit compares each adapter with this function on random visits.
bool VisitQuery::matches(const Visit& v) const {
  if (id && v.id != *id) return false;
  if (from && v.at < *from) return false;
  if (to && !(v.at < *to)) return false;
  if (kind && v.kind != *kind) return false;
  if (channel && v.channel != *channel) return false;
  if (case_id && v.case_id != *case_id) return false;
  // An empty id_number or phone is "not given" (Party): it names no party.
  auto some_party = [&](const std::optional<std::string>& wanted, std::string Party::*field) {
    if (!wanted) return true;
    return !wanted->empty() &&
           std::any_of(v.parties.begin(), v.parties.end(), [&](const Party& p) { return p.*field == *wanted; });
  };
  if (!some_party(id_number, &Party::id_number) || !some_party(phone, &Party::phone)) return false;
  if (!after_id.empty() && !(v.id > after_id)) return false;
  return true;
}

}  // namespace fengqiao
