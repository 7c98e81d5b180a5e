// The "who" column of LIFECYCLE.md's action table.
#include <cstdint>
#include <initializer_list>

#include "lifecycle/transition.hpp"

namespace fengqiao::detail {
namespace {

// Who may perform an action: any of these roles, and/or the two case-relative parties.
struct Who {
  std::uint16_t roles = 0;       // bit r set: Role r may
  bool lead_handler = false;     // a handler whose org is the case's lead org
  bool first_responder = false;  // the actor who registered the case (matched on id)
};

constexpr std::uint16_t any_of(std::initializer_list<Role> roles) {
  std::uint16_t mask = 0;
  for (Role r : roles) mask |= static_cast<std::uint16_t>(1u << static_cast<int>(r));
  return mask;
}

Who who(Action a) {
  using R = Role;
  switch (a) {
    case Action::register_case:      return {any_of({R::intake, R::grid_worker, R::citizen, R::dispatcher})};
    case Action::resolve_on_spot:    return {any_of({R::intake, R::dispatcher, R::mediator})};
    case Action::decline:            return {any_of({R::dispatcher})};
    case Action::dispatch:           return {any_of({R::dispatcher})};
    case Action::accept:             return {any_of({}), true};
    case Action::return_:            return {any_of({}), true};
    case Action::transfer:           return {any_of({R::dispatcher}), true};
    case Action::start_consultation: return {any_of({R::supervisor}), true};
    case Action::end_consultation:   return {any_of({}), true};
    case Action::suspend:            return {any_of({}), true};
    case Action::resume:             return {any_of({R::supervisor}), true};
    case Action::extend:             return {any_of({R::supervisor})};
    case Action::resolve:            return {any_of({R::mediator}), true};
    case Action::refer:              return {any_of({}), true};
    case Action::give_feedback:      return {any_of({R::dispatcher}), true, true};
    case Action::follow_up:          return {any_of({R::dispatcher, R::supervisor})};
    case Action::reopen:             return {any_of({R::supervisor})};
    case Action::withdraw:           return {any_of({R::citizen, R::intake, R::dispatcher})};
    case Action::supervise:          return {any_of({R::supervisor})};
  }
  return {any_of({})};
}

std::string describe(const Who& w) {
  std::string out;
  for (int r = 0; r <= static_cast<int>(Role::admin); ++r)
    if (w.roles & (1u << r)) out += (out.empty() ? "" : ", ") + std::string(to_string(static_cast<Role>(r)));
  if (w.lead_handler) out += (out.empty() ? "" : ", ") + std::string("a handler of the lead org");
  if (w.first_responder) out += (out.empty() ? "" : ", ") + std::string("the first responder");
  return out;
}

}  // namespace

std::optional<Error> check_actor(const Transition& t) {
  const Who w = who(t.action);
  const Actor& a = t.actor;
  if (w.roles & (1u << static_cast<int>(a.role))) return std::nullopt;
  if (w.lead_handler && a.role == Role::handler && t.draft.lead && a.org == *t.draft.lead) return std::nullopt;
  if (w.first_responder && !a.id.empty() && a.id == t.draft.first_responder) return std::nullopt;
  std::string who_is = std::string(to_string(a.role)) + " " + a.id + (a.org.empty() ? "" : " of " + a.org);
  return make_error(ErrorCode::not_permitted, std::string(to_string(t.action)) + " may be done by " + describe(w) +
                                                  ", not by " + who_is);
}

}  // namespace fengqiao::detail
