// The "required data" column of LIFECYCLE.md's action table (field names as in
// HISTORY-FORMAT.md "Data fields by action"). Keys not listed are kept in the event's
// data but not interpreted.
#include <string>

#include "lifecycle/transition.hpp"

namespace fengqiao::detail {
namespace {

using Json = nlohmann::json;
using Check = std::optional<Error>;

Error bad(const Transition& t, const std::string& field, const std::string& why) {
  return make_error(ErrorCode::invalid_data, std::string(to_string(t.action)) + ": data." + field + " " + why);
}

bool non_empty_string(const Json& v) { return v.is_string() && !v.get_ref<const std::string&>().empty(); }

Check required_text(const Transition& t, const char* key) {
  auto it = t.data.find(key);
  if (it == t.data.end()) return bad(t, key, "is required");
  if (!non_empty_string(*it)) return bad(t, key, "must be a non-empty string, got " + it->dump());
  return std::nullopt;
}

Check optional_text(const Transition& t, const char* key) {
  auto it = t.data.find(key);
  if (it == t.data.end() || it->is_null() || it->is_string()) return std::nullopt;
  return bad(t, key, "must be a string, got " + it->dump());
}

template <class E>
Check required_enum(const Transition& t, const char* key, const char* allowed) {
  auto it = t.data.find(key);
  if (it == t.data.end()) return bad(t, key, std::string("is required (one of ") + allowed + ")");
  if (!it->is_string() || !parse<E>(it->get_ref<const std::string&>()))
    return bad(t, key, std::string("must be one of ") + allowed + ", got " + it->dump());
  return std::nullopt;
}

Check text_list(const Transition& t, const char* key, bool required) {
  auto it = t.data.find(key);
  if (it == t.data.end() || (!required && it->is_null()))
    return required ? Check(bad(t, key, "is required")) : std::nullopt;
  if (!it->is_array()) return bad(t, key, "must be an array of strings, got " + it->dump());
  if (required && it->empty()) return bad(t, key, "must not be empty");
  for (std::size_t i = 0; i < it->size(); ++i)
    if (!non_empty_string((*it)[i]))
      return bad(t, std::string(key) + "[" + std::to_string(i) + "]", "must be a non-empty string");
  return std::nullopt;
}

Check parties(const Transition& t) {
  auto it = t.data.find("parties");
  if (it == t.data.end()) return bad(t, "parties", "is required");
  if (!it->is_array() || it->empty()) return bad(t, "parties", "must be a non-empty array of {name, id_number?, phone?}");
  for (std::size_t i = 0; i < it->size(); ++i) {
    const Json& p = (*it)[i];
    const std::string at = "parties[" + std::to_string(i) + "]";
    if (!p.is_object()) return bad(t, at, "must be an object");
    if (!p.contains("name") || !non_empty_string(p["name"])) return bad(t, at + ".name", "must be a non-empty string");
    for (const char* opt : {"id_number", "phone"})
      if (p.contains(opt) && !p[opt].is_string()) return bad(t, at + "." + opt, "must be a string");
  }
  return std::nullopt;
}

// extend: `days` for a day-limit clock or `hours` for an elapsed one; a positive whole
// number within the rule's allowance (15 working days / 120 hours by default).
Check extension(const Transition& t) {
  const bool has_days = t.data.contains("days"), has_hours = t.data.contains("hours");
  if (has_days == has_hours) return bad(t, "days", "or data.hours is required (exactly one of them)");
  const StageClock& clock = *t.draft.clock;
  const char* key = has_days ? "days" : "hours";
  if (has_days != clock.limit.in_days())
    return bad(t, key, std::string("does not fit this clock: the ") + std::string(to_string(clock.stage)) +
                           " limit is in " + (clock.limit.in_days() ? "working days (use days)" : "hours (use hours)"));
  const Json& v = t.data[key];
  if (!v.is_number_integer() || v.get<long long>() <= 0)
    return bad(t, key, "must be a positive whole number, got " + v.dump());
  long long amount = v.get<long long>();
  long long max = clock.rule.max_extension.amount;
  if (!has_days) {
    max /= 3600;
    if (amount > max) return bad(t, key, "is more than the allowance of " + std::to_string(max) + " hours");
  } else if (amount > max) {
    return bad(t, key, "is more than the allowance of " + std::to_string(max) + " working days");
  }
  return required_text(t, "reason");
}

Check first_failure(std::initializer_list<Check> checks) {
  for (const Check& c : checks)
    if (c) return c;
  return std::nullopt;
}

}  // namespace

std::optional<Error> check_data(const Transition& t) {
  if (!t.data.is_object()) return make_error(ErrorCode::invalid_data, "data must be a JSON object");
  switch (t.action) {
    case Action::register_case:
      return first_failure({required_enum<Channel>(t, "channel", "walk_in, hotline, online, grid, station, referral"),
                            required_text(t, "category"),
                            required_enum<Urgency>(t, "urgency", "normal, urgent, emergency"),
                            text_list(t, "jurisdiction", true), parties(t), required_text(t, "summary")});
    case Action::resolve_on_spot: return required_text(t, "agreement");
    case Action::decline: return first_failure({required_text(t, "reason"), required_text(t, "guidance")});
    case Action::dispatch:
      return first_failure({required_enum<Route>(t, "route",
                                                 "people_mediation, administrative_mediation, judicial_mediation, "
                                                 "industry_mediation, arbitration, administrative_review, "
                                                 "litigation, petition, legal_aid"),
                            required_text(t, "lead"), text_list(t, "co", false)});
    case Action::accept:
    case Action::resume: return std::nullopt;
    case Action::transfer: {
      if (auto c = first_failure({required_text(t, "lead"), required_text(t, "reason")})) return c;
      if (t.draft.lead && t.data["lead"].get_ref<const std::string&>() == *t.draft.lead)
        return bad(t, "lead", "is already the lead org; a transfer needs a new one");
      return std::nullopt;
    }
    case Action::return_:
    case Action::suspend:
    case Action::withdraw:
    case Action::reopen: return required_text(t, "reason");
    case Action::start_consultation: return text_list(t, "orgs", true);
    case Action::end_consultation: return required_text(t, "plan");
    case Action::extend: return extension(t);
    case Action::resolve: return first_failure({required_text(t, "method"), required_text(t, "agreement")});
    case Action::refer: return first_failure({required_text(t, "channel"), optional_text(t, "note")});
    case Action::give_feedback: return first_failure({required_text(t, "medium"), required_text(t, "content")});
    case Action::follow_up:
      return first_failure({required_enum<Satisfaction>(t, "satisfaction", "satisfied, basic, unsatisfied"),
                            optional_text(t, "note")});
    case Action::supervise: return required_text(t, "order");
  }
  return std::nullopt;
}

// Rules that limit an action once the state allows it (LIFECYCLE.md "Precise points").
std::optional<Error> check_rules(const Transition& t) {
  const Case& c = t.draft;
  auto refuse = [&](const std::string& why) {
    return make_error(ErrorCode::invalid_transition, std::string(to_string(t.action)) + ": " + why);
  };
  switch (t.action) {
    case Action::extend:
      if (c.clock && c.clock->extended)
        return refuse("one extension per clock, and this " + std::string(to_string(c.clock->stage)) +
                      " clock was already extended");
      return std::nullopt;
    case Action::reopen: {
      Seconds window = t.rules.reopen_window(c.category);
      if (c.closed_at && t.now > *c.closed_at + window)
        return refuse("the reopen window of " + std::to_string(window.count() / 3600) + " hours after closing (" +
                      format_instant(*c.closed_at, t.calendar.utc_offset()) + ") has passed");
      return std::nullopt;
    }
    case Action::supervise: {
      int max = c.clock ? c.clock->rule.max_level : 0;
      if (c.level >= max)
        return refuse("the case is already at max_level " + std::to_string(max) + " of its " +
                      (c.clock ? std::string(to_string(c.clock->stage)) : std::string("current")) + " clock");
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

}  // namespace fengqiao::detail
