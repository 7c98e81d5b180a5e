// What each action records on the case beyond the two regions and the clocks (which the
// lifecycle machine sets from the action table). Data was validated before any effect runs.
#include <algorithm>

#include "lifecycle/transition.hpp"

namespace fengqiao::detail {
namespace {

const std::string& text(const nlohmann::json& data, const char* key) { return data[key].get_ref<const std::string&>(); }

std::vector<std::string> text_list(const nlohmann::json& data, const char* key) {
  auto it = data.find(key);
  if (it == data.end() || it->is_null()) return {};
  return it->get<std::vector<std::string>>();
}

// Involvement is never lost (contract v2 "Notes"): an org named once stays involved.
void involve(Case& c, const std::string& org) {
  if (std::find(c.involved_orgs.begin(), c.involved_orgs.end(), org) == c.involved_orgs.end())
    c.involved_orgs.push_back(org);
}

std::optional<Satisfaction> satisfaction_of(const Transition& t) {
  auto it = t.data.find("satisfaction");
  if (it == t.data.end() || !it->is_string()) return std::nullopt;
  return parse<Satisfaction>(it->get_ref<const std::string&>());
}

void record_registration(Transition& t) {
  Case& c = t.draft;
  const auto& d = t.data;
  c.channel = *parse<Channel>(text(d, "channel"));
  c.category = text(d, "category");
  c.urgency = *parse<Urgency>(text(d, "urgency"));
  c.jurisdiction = d["jurisdiction"].get<std::vector<std::string>>();
  c.parties = d["parties"].get<std::vector<Party>>();
  c.summary = text(d, "summary");
  c.first_responder = t.actor.id;
  c.registered_at = t.now;
  c.notice = t.rules.notice(c.category);
  // Emergencies notify the whole path at registration, nearest first.
  if (c.urgency == Urgency::emergency) t.notified.assign(c.jurisdiction.rbegin(), c.jurisdiction.rend());
}

void record_conclusion(Transition& t) {
  Case& c = t.draft;
  c.outcome = t.spec().outcome;
  switch (t.action) {
    case Action::resolve_on_spot: c.resolution_method = "on_spot"; break;
    case Action::resolve: c.resolution_method = text(t.data, "method"); break;
    default: c.resolution_method.clear();
  }
}

void record_reopening(Case& c) {
  ++c.reopened;
  c.outcome.reset();
  c.resolution_method.clear();
  c.closed_at.reset();
  c.reopen_until.reset();
}

}  // namespace

std::string jurisdiction_above(const Case& c, int levels) {
  if (c.jurisdiction.empty()) return std::string();
  const int own = static_cast<int>(c.jurisdiction.size()) - 1;
  return c.jurisdiction[static_cast<std::size_t>(std::max(0, own - levels))];
}

bool branch_holds(Branch when, const Transition& t) {
  const Case& c = t.draft;
  switch (when) {
    case Branch::always: return true;
    case Branch::suspended_from_handling: return c.suspended_from == State::handling;
    case Branch::suspended_from_consulting: return c.suspended_from == State::consulting;
    case Branch::satisfied: {
      auto s = satisfaction_of(t);
      return s == Satisfaction::satisfied || s == Satisfaction::basic;
    }
    case Branch::unsatisfied_with_lead: return satisfaction_of(t) == Satisfaction::unsatisfied && c.lead.has_value();
    case Branch::unsatisfied_without_lead: return satisfaction_of(t) == Satisfaction::unsatisfied && !c.lead.has_value();
    case Branch::with_lead: return c.lead.has_value();
    case Branch::without_lead: return !c.lead.has_value();
  }
  return false;
}

void record(Transition& t, const ActionRow& row) {
  Case& c = t.draft;
  switch (t.action) {
    case Action::register_case: record_registration(t); break;
    case Action::resolve_on_spot:
    case Action::decline:
    case Action::resolve:
    case Action::refer: record_conclusion(t); break;
    case Action::dispatch:
      c.route = *parse<Route>(text(t.data, "route"));
      c.lead = text(t.data, "lead");
      c.co_handlers = text_list(t.data, "co");
      involve(c, *c.lead);
      for (const std::string& org : c.co_handlers) involve(c, org);
      break;
    case Action::accept: break;
    case Action::return_:  // the lead org goes, and its assignee with it
      c.lead.reset();
      c.assignee.reset();
      break;
    case Action::transfer:
      c.lead = text(t.data, "lead");
      c.assignee.reset();
      involve(c, *c.lead);
      break;
    case Action::start_consultation:
      c.consultation_orgs = text_list(t.data, "orgs");
      for (const std::string& org : c.consultation_orgs) involve(c, org);
      break;
    case Action::end_consultation: c.consultation_orgs.clear(); break;
    case Action::suspend: c.suspended_from = c.state; break;  // the draft's state is still the one left
    case Action::resume: c.suspended_from.reset(); break;
    case Action::extend: break;
    case Action::give_feedback: break;
    case Action::follow_up:
      c.satisfaction = satisfaction_of(t);
      if (row.to == State::closed) {
        c.closed_at = t.now;
        // The window is the one in force now: a later rules update does not move it.
        c.reopen_until = t.now + t.rules.reopen_window(c.category);
      } else
        record_reopening(c);
      break;
    case Action::reopen: record_reopening(c); break;
    case Action::withdraw: break;
    case Action::supervise: break;
    case Action::assign: c.assignee = text(t.data, "assignee"); break;
    case Action::note: ++c.notes; break;
  }
}

}  // namespace fengqiao::detail
