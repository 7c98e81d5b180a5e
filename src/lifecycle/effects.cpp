// What each action records on the case beyond the two regions and the clocks (which the
// lifecycle machine sets). Data was validated by check_data before any effect runs.
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

}  // namespace

std::string jurisdiction_above(const Case& c, int levels) {
  if (c.jurisdiction.empty()) return std::string();
  const int own = static_cast<int>(c.jurisdiction.size()) - 1;
  return c.jurisdiction[static_cast<std::size_t>(std::max(0, own - levels))];
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
  // Emergencies notify the whole path at registration, nearest first.
  if (c.urgency == Urgency::emergency) t.notified.assign(c.jurisdiction.rbegin(), c.jurisdiction.rend());
}

void record_dispatch(Transition& t) {
  Case& c = t.draft;
  c.route = *parse<Route>(text(t.data, "route"));
  c.lead = text(t.data, "lead");
  c.co_handlers = text_list(t.data, "co");
}

void record_transfer(Transition& t) { t.draft.lead = text(t.data, "lead"); }

void record_return(Transition& t) { t.draft.lead.reset(); }

void record_consultation(Transition& t) { t.draft.consultation_orgs = text_list(t.data, "orgs"); }

void record_conclusion(Transition& t, Outcome outcome) {
  Case& c = t.draft;
  c.outcome = outcome;
  switch (t.action) {
    case Action::resolve_on_spot: c.resolution_method = "on_spot"; break;
    case Action::resolve: c.resolution_method = text(t.data, "method"); break;
    default: c.resolution_method.clear();
  }
}

void record_follow_up(Transition& t) { t.draft.satisfaction = parse<Satisfaction>(text(t.data, "satisfaction")); }

void record_reopening(Transition& t) {
  Case& c = t.draft;
  ++c.reopened;
  c.outcome.reset();
  c.resolution_method.clear();
  c.closed_at.reset();
}

void record_closing(Transition& t) { t.draft.closed_at = t.now; }

}  // namespace fengqiao::detail
