// The "who" column: an actor may act when one of the grants of spec().who holds.
#include <algorithm>

#include "lifecycle/transition.hpp"

namespace fengqiao::detail {
namespace {

bool is_lead_handler(const Actor& a, const Case& c) {
  return a.role == Role::handler && c.lead && a.org == *c.lead;
}

// Contract v2 "Assignment": while a case has an assignee, "handler of the lead org" means
// that one person.
bool is_accountable_lead_handler(const Actor& a, const Case& c) {
  return is_lead_handler(a, c) && (!c.assignee || a.id == *c.assignee);
}

bool is_first_responder(const Actor& a, const Case& c) { return !a.id.empty() && a.id == c.first_responder; }

bool is_involved_handler(const Actor& a, const Case& c) {
  return a.role == Role::handler && std::find(c.involved_orgs.begin(), c.involved_orgs.end(), a.org) != c.involved_orgs.end();
}

// A citizen's own case: they registered it, or a party names them by account.
bool is_own_case_citizen(const Actor& a, const Case& c) {
  if (a.role != Role::citizen || a.id.empty()) return false;
  if (a.id == c.first_responder) return true;
  return std::any_of(c.parties.begin(), c.parties.end(), [&](const Party& p) { return p.account == a.id; });
}

std::string describe(const Who& w, const Case& c) {
  std::string out;
  auto add = [&out](const std::string& s) { out += (out.empty() ? "" : ", ") + s; };
  for (Role r : all_of<Role>())
    if (w.roles.contains(r)) add(std::string(to_string(r)));
  if (w.lead_handler)
    add(c.assignee ? "the assignee " + *c.assignee + " (a handler of the lead org)" : std::string("a handler of the lead org"));
  if (w.first_responder) add("the first responder");
  if (w.involved_handler) add("a handler of an involved org");
  if (w.own_case_citizen) add("a citizen on their own case");
  return out.empty() ? std::string("nobody") : out;
}

}  // namespace

std::optional<Error> check_actor(const Transition& t) {
  const Who& w = t.spec().who;
  const Actor& a = t.actor;
  const Case& c = t.draft;
  if (w.roles.contains(a.role)) return std::nullopt;
  if (w.lead_handler && is_accountable_lead_handler(a, c)) return std::nullopt;
  if (w.first_responder && is_first_responder(a, c)) return std::nullopt;
  if (w.involved_handler && is_involved_handler(a, c)) return std::nullopt;
  if (w.own_case_citizen && is_own_case_citizen(a, c)) return std::nullopt;
  std::string who_is = std::string(to_string(a.role)) + " " + a.id + (a.org.empty() ? "" : " of " + a.org);
  return make_error(ErrorCode::not_permitted, std::string(to_string(t.action)) + " may be done by " + describe(w, c) +
                                                  ", not by " + who_is);
}

bool passes_checks(Transition& t) {
  if (!t.checked) {
    t.checked = true;
    if (!(t.refusal = check_rules(t)))
      if (!(t.refusal = check_actor(t))) t.refusal = check_data(t);
  }
  return !t.refusal;
}

}  // namespace fengqiao::detail
