// The "required data" column: each field of spec().fields checked by its type, in order,
// then the action's cross-field check (field names as in HISTORY-FORMAT.md "Data fields
// by action"). Keys not listed are kept in the event's data but not interpreted.
#include <string>

#include "model/json_errors.hpp"
#include "lifecycle/data_checks.hpp"
#include "lifecycle/transition.hpp"

namespace fengqiao::detail {
namespace {

using Json = nlohmann::json;
using Check = std::optional<Error>;

Error bad(const Transition& t, const std::string& field, const std::string& why) {
  return make_error(ErrorCode::invalid_data, std::string(to_string(t.action)) + ": data." + field + " " + why);
}

Check problem(const Transition& t, const FieldCheck& p) {
  if (!p) return std::nullopt;
  return bad(t, p->field, p->why);
}

Check text_list(const Transition& t, const std::string& key, const Json& v, bool required) {
  if (!v.is_array()) return bad(t, key, "must be an array of strings, got " + json_errors::brief(v));
  if (required && v.empty()) return bad(t, key, "must not be empty");
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!non_empty_string(v[i])) return bad(t, key + "[" + std::to_string(i) + "]", "must be a non-empty string");
  return std::nullopt;
}

bool is_sha256_hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char ch : s)
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
  return true;
}

// Contract v2 "Notes": [{ref, sha256?, kind?}], nothing else.
Check attachments(const Transition& t, const Json& v) {
  if (!v.is_array()) return bad(t, "attachments", "must be an array of {ref, sha256?, kind?}, got " + json_errors::brief(v));
  for (std::size_t i = 0; i < v.size(); ++i) {
    const Json& a = v[i];
    const std::string at = "attachments[" + std::to_string(i) + "]";
    if (!a.is_object()) return bad(t, at, "must be an object {ref, sha256?, kind?}");
    for (const auto& [key, value] : a.items()) {
      if (key == "ref") {
        if (!non_empty_string(value)) return bad(t, at + ".ref", "must be a non-empty string");
      } else if (key == "sha256") {
        if (!value.is_string() || !is_sha256_hex(value.get_ref<const std::string&>()))
          return bad(t, at + ".sha256", "must be 64 lowercase hexadecimal characters");
      } else if (key == "kind") {
        if (!value.is_string()) return bad(t, at + ".kind", "must be a string");
      } else {
        return bad(t, at + "." + key, "is not an attachment key (ref, sha256, kind)");
      }
    }
    if (!a.contains("ref")) return bad(t, at + ".ref", "is required");
  }
  return std::nullopt;
}

Check field(const Transition& t, const Field& f) {
  const std::string key(f.name);
  auto it = t.data.find(key);
  if (it == t.data.end() || (!f.required && it->is_null())) {
    if (!f.required) return std::nullopt;
    switch (f.type) {
      case FieldType::channel: return bad(t, key, "is required (one of " + names_of<Channel>() + ")");
      case FieldType::urgency: return bad(t, key, "is required (one of " + names_of<Urgency>() + ")");
      case FieldType::route: return bad(t, key, "is required (one of " + names_of<Route>() + ")");
      case FieldType::satisfaction: return bad(t, key, "is required (one of " + names_of<Satisfaction>() + ")");
      default: return bad(t, key, "is required");
    }
  }
  const Json& v = *it;
  switch (f.type) {
    case FieldType::text:
      if (f.required ? non_empty_string(v) : v.is_string()) return std::nullopt;
      return bad(t, key, std::string(f.required ? "must be a non-empty string" : "must be a string") + ", got " + json_errors::brief(v));
    case FieldType::text_list: return text_list(t, key, v, f.required);
    case FieldType::channel: return problem(t, one_of<Channel>(key, v));
    case FieldType::urgency: return problem(t, one_of<Urgency>(key, v));
    case FieldType::route: return problem(t, one_of<Route>(key, v));
    case FieldType::satisfaction: return problem(t, one_of<Satisfaction>(key, v));
    case FieldType::parties: return problem(t, check_parties(v, PartyKeys::registration));
    case FieldType::whole_amount:
      if (v.is_number_integer() && v.get<long long>() > 0) return std::nullopt;
      return bad(t, key, "must be a positive whole number, got " + json_errors::brief(v));
    case FieldType::attachments: return attachments(t, v);
  }
  return std::nullopt;
}

// extend: `days` for a day-limit clock or `hours` for an elapsed one, within the rule's
// allowance (15 working days / 120 hours by default).
Check extension_amount(const Transition& t) {
  const bool has_days = t.data.contains("days"), has_hours = t.data.contains("hours");
  if (has_days == has_hours) return bad(t, "days", "or data.hours is required (exactly one of them)");
  const StageClock& clock = *t.draft.clock;
  const char* key = has_days ? "days" : "hours";
  if (has_days != clock.limit.in_days())
    return bad(t, key, std::string("does not fit this clock: the ") + std::string(to_string(clock.stage)) +
                           " limit is in " + (clock.limit.in_days() ? "working days (use days)" : "hours (use hours)"));
  const long long amount = t.data[key].get<long long>();
  long long max = clock.rule.max_extension.amount;
  if (!has_days) max /= 3600;
  if (amount > max)
    return bad(t, key, "is more than the allowance of " + std::to_string(max) + (has_days ? " working days" : " hours"));
  return std::nullopt;
}

Check cross_field(const Transition& t) {
  switch (t.spec().data_check) {
    case DataCheck::none: return std::nullopt;
    case DataCheck::new_lead:
      if (t.draft.lead && t.data["lead"].get_ref<const std::string&>() == *t.draft.lead)
        return bad(t, "lead", "is already the lead org; a transfer needs a new one");
      return std::nullopt;
    case DataCheck::extension_amount: return extension_amount(t);
  }
  return std::nullopt;
}

}  // namespace

FieldCheck check_parties(const Json& v, PartyKeys keys) {
  const bool visit = keys == PartyKeys::visit;
  if (!v.is_array() || v.empty())
    return FieldProblem{"parties", "must be a non-empty array of {name, id_number?, phone?, account?}"};
  for (std::size_t i = 0; i < v.size(); ++i) {
    const Json& p = v[i];
    const std::string at = "parties[" + std::to_string(i) + "]";
    if (!p.is_object()) return FieldProblem{at, "must be an object"};
    if (!p.contains("name") || !non_empty_string(p["name"])) return FieldProblem{at + ".name", "must be a non-empty string"};
    for (const char* opt : {"id_number", "phone"}) {
      if (!p.contains(opt)) continue;
      if (visit ? !non_empty_string(p[opt]) : !p[opt].is_string())
        return FieldProblem{at + "." + opt, visit ? "must be a non-empty string" : "must be a string"};
    }
    if (p.contains("account") && !non_empty_string(p["account"]))
      return FieldProblem{at + ".account", "must be a non-empty string (the party's citizen account id)"};
    if (visit)
      for (const auto& item : p.items())
        if (item.key() != "name" && item.key() != "id_number" && item.key() != "phone" && item.key() != "account")
          return FieldProblem{at + "." + item.key(), "is not a party key (name, id_number, phone, account)"};
  }
  return std::nullopt;
}

std::optional<Error> check_data(const Transition& t) {
  if (!t.data.is_object()) return make_error(ErrorCode::invalid_data, "data must be a JSON object");
  const ActionSpec& s = t.spec();
  for (const Field* f = s.begin_fields(); f != s.end_fields(); ++f)
    if (Check c = field(t, *f)) return c;
  return cross_field(t);
}

// Rules that limit an action once the state allows it (LIFECYCLE.md "Precise points").
std::optional<Error> check_rules(const Transition& t) {
  const Case& c = t.draft;
  auto refuse = [&](const std::string& why) {
    return make_error(ErrorCode::invalid_transition, std::string(to_string(t.action)) + ": " + why);
  };
  switch (t.spec().rule) {
    case RuleCheck::none: return std::nullopt;
    case RuleCheck::one_extension:
      if (c.clock && c.clock->extended)
        return refuse("one extension per clock, and this " + std::string(to_string(c.clock->stage)) +
                      " clock was already extended");
      return std::nullopt;
    case RuleCheck::reopen_window: {
      if (!c.closed_at) return std::nullopt;
      // The window in force when the case closed (a case stored before fengqiao kept it:
      // the rules in force now).
      const Instant until = c.reopen_until ? *c.reopen_until : *c.closed_at + t.rules.reopen_window(c.category);
      if (t.now > until)
        return refuse("the reopen window of " + std::to_string((until - *c.closed_at).count() / 3600) +
                      " hours after closing (" + format_instant(*c.closed_at, t.calendar.utc_offset()) +
                      ") has passed");
      return std::nullopt;
    }
    case RuleCheck::below_max_level: {
      int max = c.clock ? c.clock->rule.max_level : 0;
      if (c.level >= max)
        return refuse("the case is already at max_level " + std::to_string(max) + " of its " +
                      (c.clock ? std::string(to_string(c.clock->stage)) : std::string("current")) + " clock");
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace fengqiao::detail
