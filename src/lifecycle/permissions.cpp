// The "who" column: an actor may act when one of the grants of spec().who holds.
#include <algorithm>

#include "fengqiao/authorization.hpp"
#include "lifecycle/transition.hpp"
#include "lifecycle/visit_checks.hpp"

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

std::string who_is(const Actor& a) {
  return std::string(to_string(a.role)) + " " + a.id + (a.org.empty() ? "" : " of " + a.org);
}

// Whether one of the grants of `w` holds for this actor on this case (none but roles for a
// case not yet registered).
bool granted(const Who& w, const Actor& a, const Case* c) {
  if (w.roles.contains(a.role)) return true;
  if (!c) return false;
  return (w.lead_handler && is_accountable_lead_handler(a, *c)) || (w.first_responder && is_first_responder(a, *c)) ||
         (w.involved_handler && is_involved_handler(a, *c)) || (w.own_case_citizen && is_own_case_citizen(a, *c));
}

class ContractPolicy final : public AuthorizationPolicy {
 public:
  AuthorizationDecision decide(const AuthorizationRequest& r) const override {
    if (!r.action) {
      const std::string rule = "contract: who may record a visit";
      if (auto refusal = check_visit_actor(r.actor)) return AuthorizationDecision::refuse(rule, refusal->message);
      return AuthorizationDecision::allow(rule);
    }
    const std::string rule = "contract: who may " + std::string(to_string(*r.action));
    const Who& w = spec_of(*r.action).who;
    if (granted(w, r.actor, r.snapshot)) return AuthorizationDecision::allow(rule);
    static const Case kNone{};
    return AuthorizationDecision::refuse(rule, std::string(to_string(*r.action)) + " may be done by " +
                                                   describe(w, r.snapshot ? *r.snapshot : kNone) + ", not by " +
                                                   who_is(r.actor));
  }
};

bool starts_with(const std::vector<std::string>& path, const std::vector<std::string>& prefix) {
  return path.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), path.begin());
}

std::string path_text(const std::vector<std::string>& path) {
  std::string out;
  for (const std::string& p : path) out += (out.empty() ? "" : "/") + p;
  return out;
}

class WithinJurisdiction final : public AuthorizationPolicy {
 public:
  WithinJurisdiction(std::shared_ptr<const AuthorizationPolicy> base,
                     std::function<std::optional<std::vector<std::string>>(const Actor&)> scope_of)
      : base_(std::move(base)), scope_of_(std::move(scope_of)) {}

  AuthorizationDecision decide(const AuthorizationRequest& r) const override {
    AuthorizationDecision d = base_->decide(r);
    if (!d.allowed || !r.action) return d;
    std::optional<std::vector<std::string>> scope;
    try {
      scope = scope_of_(r.actor);
    } catch (const std::exception& e) {
      return AuthorizationDecision::refuse("jurisdiction", "the actor's jurisdiction could not be looked up: " +
                                                               std::string(e.what()));
    }
    if (!scope) return d;
    std::vector<std::string> path;
    if (r.snapshot) {
      path = r.snapshot->jurisdiction;
    } else {
      // A registration: the new case's path as given (its data is validated after this
      // check; anything that is not a list of strings is outside every scope).
      const auto* given = r.data.is_object() && r.data.contains("jurisdiction") ? &r.data["jurisdiction"] : nullptr;
      if (given && given->is_array())
        for (const auto& p : *given)
          if (p.is_string()) path.push_back(p.get<std::string>());
    }
    if (starts_with(path, *scope)) return d;
    return AuthorizationDecision::refuse(
        "jurisdiction", std::string(to_string(*r.action)) + " by " + who_is(r.actor) + " is limited to cases under " +
                            path_text(*scope) + ", and this case is under " +
                            (path.empty() ? std::string("no jurisdiction") : path_text(path)));
  }

 private:
  std::shared_ptr<const AuthorizationPolicy> base_;
  std::function<std::optional<std::vector<std::string>>(const Actor&)> scope_of_;
};

}  // namespace

std::optional<Error> check_actor(const Transition& t) {
  const bool registering = t.action == Action::register_case;
  const AuthorizationRequest request{t.actor, t.action, registering ? nullptr : &t.draft, t.data};
  return refusal_of(t.policy.decide(request));
}

std::optional<Error> refusal_of(const AuthorizationDecision& d) {
  if (d.allowed) return std::nullopt;
  return make_error(ErrorCode::not_permitted, d.rule + ": " + d.reason);
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

namespace fengqiao {

std::shared_ptr<const AuthorizationPolicy> contract_policy() {
  static const auto policy = std::make_shared<const detail::ContractPolicy>();
  return policy;
}

std::shared_ptr<const AuthorizationPolicy> within_jurisdiction(
    std::shared_ptr<const AuthorizationPolicy> base,
    std::function<std::optional<std::vector<std::string>>(const Actor& actor)> scope_of) {
  return std::make_shared<const detail::WithinJurisdiction>(std::move(base), std::move(scope_of));
}

}  // namespace fengqiao
