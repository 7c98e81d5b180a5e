// What LIFECYCLE.md "Visits" asks of a visit before it is recorded, apart from the two
// checks that need the storage (the id is new, the linked case exists): who may record
// one, and its data. The engine runs them in the contract's order.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "fengqiao/error.hpp"
#include "fengqiao/visit.hpp"

namespace fengqiao::detail {

// not_permitted unless the actor's role may record visits.
std::optional<Error> check_visit_actor(const Actor& actor);

// The visit `data` describes, or invalid_data naming the first bad field (channel, kind,
// parties, summary, case, in that order). `at`, `id` and `actor` are copied in as given.
Result<Visit> read_visit(const std::string& id, Instant at, const Actor& actor, const nlohmann::json& data);

}  // namespace fengqiao::detail
