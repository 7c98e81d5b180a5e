// The "who" column of LIFECYCLE.md's action table.
#include <initializer_list>

#include "lifecycle/transition.hpp"

namespace fengqiao::detail {
namespace {

// Who may perform an action: any of these roles, and/or the two case-relative parties.
struct Who {
  std::initializer_list<Role> roles;
  bool lead_handler = false;     // a handler whose org is the case's lead org
  bool first_responder = false;  // the actor who registered the case (matched on id)
};

Who who(Action a) {
  using R = Role;
  switch (a) {
    case Action::register_case:      return {{R::intake, R::grid_worker, R::citizen, R::dispatcher}};
    case Action::resolve_on_spot:    return {{R::intake, R::dispatcher, R::mediator}};
    case Action::decline:            return {{R::dispatcher}};
    case Action::dispatch:           return {{R::dispatcher}};
    case Action::accept:             return {{}, true};
    case Action::return_:            return {{}, true};
    case Action::transfer:           return {{R::dispatcher}, true};
    case Action::start_consultation: return {{R::supervisor}, true};
    case Action::end_consultation:   return {{}, true};
    case Action::suspend:            return {{}, true};
    case Action::resume:             return {{R::supervisor}, true};
    case Action::extend:             return {{R::supervisor}};
    case Action::resolve:            return {{R::mediator}, true};
    case Action::refer:              return {{}, true};
    case Action::give_feedback:      return {{R::dispatcher}, true, true};
    case Action::follow_up:          return {{R::dispatcher, R::supervisor}};
    case Action::reopen:             return {{R::supervisor}};
    case Action::withdraw:           return {{R::citizen, R::intake, R::dispatcher}};
    case Action::supervise:          return {{R::supervisor}};
  }
  return {{}};
}

std::string describe(const Who& w) {
  std::string out;
  for (Role r : w.roles) out += (out.empty() ? "" : ", ") + std::string(to_string(r));
  if (w.lead_handler) out += (out.empty() ? "" : ", ") + std::string("a handler of the lead org");
  if (w.first_responder) out += (out.empty() ? "" : ", ") + std::string("the first responder");
  return out;
}

}  // namespace

std::optional<Error> check_actor(const Transition& t) {
  const Who w = who(t.action);
  const Actor& a = t.actor;
  for (Role r : w.roles)
    if (a.role == r) return std::nullopt;
  if (w.lead_handler && a.role == Role::handler && t.draft.lead && a.org == *t.draft.lead) return std::nullopt;
  if (w.first_responder && !a.id.empty() && a.id == t.draft.first_responder) return std::nullopt;
  std::string who_is = std::string(to_string(a.role)) + " " + a.id + (a.org.empty() ? "" : " of " + a.org);
  return make_error(ErrorCode::not_permitted, std::string(to_string(t.action)) + " may be done by " + describe(w) +
                                                  ", not by " + who_is);
}

}  // namespace fengqiao::detail
