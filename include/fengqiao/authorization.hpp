// Who may do what, as a policy object the embedder can replace or extend.
//
// The engine asks its policy about every action after the state and rule checks and before
// the data (LIFECYCLE.md "Precise points": the actor is the fourth check), and about every
// visit after the id check. The default is the contract's table (action_table.hpp's `who`,
// with the assignee, first-responder, involved-org and own-case rules). A deployment that
// needs more — township staff limited to cases under their township, a dispatcher who may
// not decline — wraps it:
//
//   auto policy = fengqiao::within_jurisdiction(fengqiao::contract_policy(),
//       [&](const fengqiao::Actor& a) { return directory.jurisdiction_of(a.id); });
//   options.authorization = policy;
//
// Every refusal names the rule that refused (AuthorizationDecision::rule), and the engine's
// not_permitted message starts with it.
//
// Thread rules: decide() is called from any thread the engine is called from, concurrently;
// it must not call the engine (it runs while an action is being judged).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fengqiao/case.hpp"
#include "fengqiao/vocabulary.hpp"

namespace fengqiao {

// What the policy is asked.
struct AuthorizationRequest {
  const Actor& actor;
  // The action, or none for recording a visit.
  std::optional<Action> action;
  // The case as stored, before the action (for `register`: none yet, see `data`; for a
  // visit: none).
  const Case* snapshot = nullptr;
  // The action's or visit's data as given (for `register` it holds the new case's
  // jurisdiction; not yet validated).
  const nlohmann::json& data;
};

// A policy's answer: allowed or not, and the rule that decided (named in refusals).
struct AuthorizationDecision {
  bool allowed = false;
  std::string rule;    // the rule that decided, e.g. "contract: who may dispatch", "jurisdiction"
  std::string reason;  // for a refusal: why, naming the actor, e.g. "dispatch may be done by dispatcher, not by ..."

  // An allowing or a refusing decision by `rule`.
  static AuthorizationDecision allow(std::string rule) { return {true, std::move(rule), {}}; }
  static AuthorizationDecision refuse(std::string rule, std::string reason) {
    return {false, std::move(rule), std::move(reason)};
  }
};

// Who may do what: the engine asks it about every action and visit
// (EngineOptions::authorization). Implementations must be thread-safe.
class AuthorizationPolicy {
 public:
  virtual ~AuthorizationPolicy() = default;
  // Allowed, or refused with the rule and the reason. Must not throw.
  virtual AuthorizationDecision decide(const AuthorizationRequest& request) const = 0;
};

// The contract's table (LIFECYCLE.md "Actions", "Assignment", "Notes", "Visits", and the
// own-case rule of "Precise points"). Rule names: "contract: who may <action>",
// "contract: who may record a visit".
std::shared_ptr<const AuthorizationPolicy> contract_policy();

// `base`, and additionally: an actor for whom `scope_of` returns a jurisdiction path may act
// only on cases whose jurisdiction starts with that path (a township's staff on their
// township's cases; a region's on the whole region), and may register only such cases.
// Actors for whom it returns std::nullopt are not limited. Visits are not limited (a visit
// is received wherever the person comes). Refusals name the rule "jurisdiction".
std::shared_ptr<const AuthorizationPolicy> within_jurisdiction(
    std::shared_ptr<const AuthorizationPolicy> base,
    std::function<std::optional<std::vector<std::string>>(const Actor& actor)> scope_of);

}  // namespace fengqiao
