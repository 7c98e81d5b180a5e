#include "model/json_errors.hpp"
#include "lifecycle/visit_checks.hpp"

#include <algorithm>
#include <array>

#include "lifecycle/data_checks.hpp"

namespace fengqiao::detail {
namespace {

using Json = nlohmann::json;

// The roles that receive people or bring leads in (LIFECYCLE.md "Visits"); handlers,
// mediators and the rest work on cases, not at the front desk.
constexpr std::array<Role, 4> kRecorders = {Role::intake, Role::grid_worker, Role::citizen, Role::dispatcher};

Error bad(const std::string& field, const std::string& why) {
  return make_error(ErrorCode::invalid_data, "visit: data." + field + " " + why);
}

std::optional<Error> problem(const FieldCheck& p) {
  if (!p) return std::nullopt;
  return bad(p->field, p->why);
}

// A required enum field: absent and badly spelt are told apart, as for actions.
template <class E>
std::optional<Error> required_enum(const Json& data, const char* key) {
  auto it = data.find(key);
  if (it == data.end()) return bad(key, "is required (one of " + names_of<E>() + ")");
  return problem(one_of<E>(key, *it));
}

}  // namespace

std::optional<Error> check_visit_actor(const Actor& actor) {
  if (std::find(kRecorders.begin(), kRecorders.end(), actor.role) != kRecorders.end()) return std::nullopt;
  std::string may;
  for (Role r : kRecorders) may += (may.empty() ? "" : ", ") + std::string(to_string(r));
  return make_error(ErrorCode::not_permitted, "a visit may be recorded by " + may + ", not by " +
                                                  std::string(to_string(actor.role)) + " " + actor.id +
                                                  (actor.org.empty() ? "" : " of " + actor.org));
}

Result<Visit> read_visit(const std::string& id, Instant at, const Actor& actor, const Json& data) {
  if (!data.is_object()) return make_error(ErrorCode::invalid_data, "visit: data must be a JSON object");
  if (auto e = required_enum<Channel>(data, "channel")) return *e;
  if (auto e = required_enum<VisitKind>(data, "kind")) return *e;
  if (auto e = problem(check_parties(data.contains("parties") ? data["parties"] : Json(), PartyKeys::visit))) return *e;
  auto summary = data.find("summary");
  if (summary == data.end()) return bad("summary", "is required");
  if (!non_empty_string(*summary)) return bad("summary", "must be a non-empty string, got " + json_errors::brief(*summary));
  // Absent and null alike mean "linked to no case", as for the actions' optional fields.
  auto linked = data.find("case");
  const bool has_case = linked != data.end() && !linked->is_null();
  if (has_case && !linked->is_string()) return bad("case", "must be a string (a case id), got " + json_errors::brief(*linked));

  Visit v;
  v.id = id;
  v.at = at;
  v.actor = actor;
  v.channel = *parse<Channel>(data["channel"].get_ref<const std::string&>());
  v.kind = *parse<VisitKind>(data["kind"].get_ref<const std::string&>());
  v.parties = data["parties"].get<std::vector<Party>>();
  v.summary = summary->get<std::string>();
  if (has_case) v.case_id = linked->get<std::string>();
  return v;
}

}  // namespace fengqiao::detail
