// to_json / from_json for the public value types. Instants are written as ISO-8601 in
// UTC ("+00:00"): lossless at the library's one-second resolution and readable.
//
// Every from_json reports bad input as Exception with invalid_data (model/json_errors.hpp
// says why not nlohmann's exceptions).
#include <nlohmann/json.hpp>

#include "fengqiao/case.hpp"
#include "fengqiao/event.hpp"
#include "fengqiao/visit.hpp"
#include "model/json_errors.hpp"
#include "rules/stored_rules.hpp"

namespace fengqiao {

using json_errors::decode;
using json_errors::reject;
using json_errors::whole_at;
using json_errors::whole_or;

// Enumerations as their spec strings; unknown strings are an error, never a default.
#define FENGQIAO_ENUM_JSON(E)                                                \
  void to_json(nlohmann::json& j, const E& e) { j = to_string(e); }         \
  void from_json(const nlohmann::json& j, E& e) {                            \
    decode(ErrorCode::invalid_data, #E, [&] {                                \
      auto v = parse<E>(j.get<std::string>());                               \
      if (!v) reject(ErrorCode::invalid_data, "unknown " #E " " + j.dump()); \
      e = *v;                                                                \
    });                                                                      \
  }
FENGQIAO_ENUM_JSON(State)
FENGQIAO_ENUM_JSON(Supervision)
FENGQIAO_ENUM_JSON(Stage)
FENGQIAO_ENUM_JSON(Action)
FENGQIAO_ENUM_JSON(EventType)
FENGQIAO_ENUM_JSON(Role)
FENGQIAO_ENUM_JSON(Urgency)
FENGQIAO_ENUM_JSON(Outcome)
FENGQIAO_ENUM_JSON(Channel)
FENGQIAO_ENUM_JSON(Route)
FENGQIAO_ENUM_JSON(Satisfaction)
FENGQIAO_ENUM_JSON(VisitKind)
#undef FENGQIAO_ENUM_JSON

namespace {

nlohmann::json instant_json(Instant t) { return format_instant(t, UtcOffset::from_seconds(0)); }

// `key` names the field in the message: a case has several instants.
Instant instant_from(const nlohmann::json& j, const char* key) {
  auto t = parse_instant(j.get<std::string>());
  if (!t) reject(ErrorCode::invalid_data, std::string(key) + ": " + t.error().message);
  return *t;
}

Instant instant_at(const nlohmann::json& j, const char* key) { return instant_from(j.at(key), key); }

template <class T>
nlohmann::json optional_json(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

template <class T>
void optional_from(const nlohmann::json& j, const char* key, std::optional<T>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) out.reset();
  else out = it->template get<T>();
}

nlohmann::json optional_instant(const std::optional<Instant>& t) {
  return t ? instant_json(*t) : nlohmann::json(nullptr);
}

std::optional<Instant> optional_instant_from(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return instant_from(*it, key);
}

}  // namespace

void to_json(nlohmann::json& j, const Actor& a) { j = {{"id", a.id}, {"role", a.role}, {"org", a.org}}; }

void from_json(const nlohmann::json& j, Actor& a) {
  decode(ErrorCode::invalid_data, "Actor", [&] {
    j.at("id").get_to(a.id);
    j.at("role").get_to(a.role);
    a.org = j.value("org", std::string());
  });
}

void to_json(nlohmann::json& j, const Party& p) {
  j = {{"name", p.name}};
  if (!p.id_number.empty()) j["id_number"] = p.id_number;
  if (!p.phone.empty()) j["phone"] = p.phone;
  if (!p.account.empty()) j["account"] = p.account;
}

void from_json(const nlohmann::json& j, Party& p) {
  decode(ErrorCode::invalid_data, "Party", [&] {
    j.at("name").get_to(p.name);
    p.id_number = j.value("id_number", std::string());
    p.phone = j.value("phone", std::string());
    p.account = j.value("account", std::string());
  });
}

void to_json(nlohmann::json& j, const StageClock& c) {
  nlohmann::json schedule = nlohmann::json::array();
  for (Instant t : c.schedule) schedule.push_back(instant_json(t));
  j = {{"stage", c.stage},
       {"started_at", instant_json(c.started_at)},
       {"rule", c.rule},
       {"limit", c.limit},
       {"extended", c.extended},
       {"stopped_at", optional_instant(c.stopped_at)},
       {"armed_after", instant_json(c.armed_after)},
       {"schedule", schedule},
       {"next_step", c.next_step}};
}

void from_json(const nlohmann::json& j, StageClock& c) {
  decode(ErrorCode::invalid_data, "StageClock", [&] {
    j.at("stage").get_to(c.stage);
    c.started_at = instant_at(j, "started_at");
    // Stored spans, not configuration: a limit grown by stops can exceed the rules' bound.
    detail::stored_rule_from_json(j.at("rule"), c.rule);
    c.limit = detail::stored_span_from_json(j.at("limit"), "limit");
    j.at("extended").get_to(c.extended);
    c.stopped_at = optional_instant_from(j, "stopped_at");
    c.armed_after = instant_at(j, "armed_after");
    c.schedule.clear();
    for (const auto& t : j.at("schedule")) c.schedule.push_back(instant_from(t, "schedule"));
    if (c.schedule.size() != static_cast<std::size_t>(2 + c.rule.max_level))
      reject(ErrorCode::invalid_data, "StageClock: the schedule has " + std::to_string(c.schedule.size()) +
                                          " instants; a rule with max_level " + std::to_string(c.rule.max_level) +
                                          " needs " + std::to_string(2 + c.rule.max_level));
    c.next_step = whole_at<std::uint8_t>(j, "next_step", "StageClock");
  });
}

void to_json(nlohmann::json& j, const SupervisionRecord& r) {
  j = {{"warnings", r.warnings},
       {"overdues", r.overdues},
       {"escalations", r.escalations},
       {"supervision_orders", r.supervision_orders},
       {"highest_level", r.highest_level}};
}

void from_json(const nlohmann::json& j, SupervisionRecord& r) {
  decode(ErrorCode::invalid_data, "SupervisionRecord", [&] {
    r.warnings = whole_at<std::uint32_t>(j, "warnings", "SupervisionRecord");
    r.overdues = whole_at<std::uint32_t>(j, "overdues", "SupervisionRecord");
    r.escalations = whole_at<std::uint32_t>(j, "escalations", "SupervisionRecord");
    r.supervision_orders = whole_at<std::uint32_t>(j, "supervision_orders", "SupervisionRecord");
    r.highest_level = whole_at<int>(j, "highest_level", "SupervisionRecord");
  });
}

void to_json(nlohmann::json& j, const Case& c) {
  j = {{"id", c.id},
       {"channel", c.channel},
       {"category", c.category},
       {"urgency", c.urgency},
       {"jurisdiction", c.jurisdiction},
       {"parties", c.parties},
       {"summary", c.summary},
       {"first_responder", c.first_responder},
       {"notice", c.notice},
       {"registered_at", instant_json(c.registered_at)},
       {"route", optional_json(c.route)},
       {"lead", optional_json(c.lead)},
       {"co_handlers", c.co_handlers},
       {"consultation_orgs", c.consultation_orgs},
       {"assignee", optional_json(c.assignee)},
       {"involved_orgs", c.involved_orgs},
       {"notes", c.notes},
       {"state", c.state},
       {"suspended_from", optional_json(c.suspended_from)},
       {"outcome", optional_json(c.outcome)},
       {"resolution_method", c.resolution_method},
       {"satisfaction", optional_json(c.satisfaction)},
       {"reopened", c.reopened},
       {"closed_at", optional_instant(c.closed_at)},
       {"reopen_until", optional_instant(c.reopen_until)},
       {"supervision", c.supervision},
       {"level", c.level},
       {"record", c.record},
       {"clock", optional_json(c.clock)},
       {"held_clock", optional_json(c.held_clock)},
       {"deadline", optional_instant(c.deadline())},
       {"version", c.version},
       {"updated_at", instant_json(c.updated_at)}};
  if (!c.chain_head.empty()) j["chain_head"] = c.chain_head;
}

void from_json(const nlohmann::json& j, Case& c) {
  decode(ErrorCode::invalid_data, "Case", [&] {
    j.at("id").get_to(c.id);
    j.at("channel").get_to(c.channel);
    j.at("category").get_to(c.category);
    j.at("urgency").get_to(c.urgency);
    j.at("jurisdiction").get_to(c.jurisdiction);
    j.at("parties").get_to(c.parties);
    j.at("summary").get_to(c.summary);
    j.at("first_responder").get_to(c.first_responder);
    c.notice = j.value("notice", std::vector<std::string>());  // absent before contract version 2
    c.registered_at = instant_at(j, "registered_at");
    optional_from(j, "route", c.route);
    optional_from(j, "lead", c.lead);
    j.at("co_handlers").get_to(c.co_handlers);
    j.at("consultation_orgs").get_to(c.consultation_orgs);
    // Snapshots written before contract version 2 have none of these three.
    optional_from(j, "assignee", c.assignee);
    c.involved_orgs = j.value("involved_orgs", std::vector<std::string>());
    c.notes = whole_or<std::uint32_t>(j, "notes", 0, "Case");
    j.at("state").get_to(c.state);
    optional_from(j, "suspended_from", c.suspended_from);
    optional_from(j, "outcome", c.outcome);
    c.resolution_method = j.value("resolution_method", std::string());
    optional_from(j, "satisfaction", c.satisfaction);
    c.reopened = whole_at<std::uint32_t>(j, "reopened", "Case");
    c.closed_at = optional_instant_from(j, "closed_at");
    c.reopen_until = optional_instant_from(j, "reopen_until");  // absent before the store kept its rules
    j.at("supervision").get_to(c.supervision);
    c.level = whole_at<int>(j, "level", "Case");
    j.at("record").get_to(c.record);
    optional_from(j, "clock", c.clock);
    optional_from(j, "held_clock", c.held_clock);
    c.version = whole_at<std::uint64_t>(j, "version", "Case");
    c.updated_at = instant_at(j, "updated_at");
    c.chain_head = j.value("chain_head", std::string());  // absent before the hash chain
  });
}

void to_json(nlohmann::json& j, const Event& e) {
  j = {{"case", e.case_id}, {"seq", e.seq}, {"at", instant_json(e.at)}, {"type", e.type}};
  if (e.type == EventType::action) {
    j["action"] = optional_json(e.action);
    j["actor"] = optional_json(e.actor);
    j["data"] = e.data;
  } else {
    j["stage"] = optional_json(e.stage);
    if (e.type == EventType::escalated) j["level"] = e.level;
  }
  if (!e.notified.empty()) j["notified"] = e.notified;
  if (!e.notice.empty()) j["notice"] = e.notice;
  j["state_after"] = e.state_after;
  if (e.supervision_after) j["supervision_after"] = *e.supervision_after;
  if (!e.hash.empty()) j["hash"] = e.hash;
}

void from_json(const nlohmann::json& j, Event& e) {
  decode(ErrorCode::invalid_data, "Event", [&] {
    j.at("case").get_to(e.case_id);
    e.seq = whole_at<std::uint64_t>(j, "seq", "Event");
    e.at = instant_at(j, "at");
    j.at("type").get_to(e.type);
    optional_from(j, "action", e.action);
    optional_from(j, "actor", e.actor);
    e.data = j.value("data", nlohmann::json::object());
    optional_from(j, "stage", e.stage);
    e.level = whole_or<int>(j, "level", 0, "Event");
    e.notified = j.value("notified", std::vector<std::string>());
    e.notice = j.value("notice", std::vector<std::string>());
    j.at("state_after").get_to(e.state_after);
    optional_from(j, "supervision_after", e.supervision_after);  // absent from older stores
    e.hash = j.value("hash", std::string());                      // absent before the hash chain
  });
}

void to_json(nlohmann::json& j, const Visit& v) {
  nlohmann::json data = {{"channel", v.channel}, {"kind", v.kind}, {"parties", v.parties}, {"summary", v.summary}};
  if (v.case_id) data["case"] = *v.case_id;
  j = {{"at", instant_json(v.at)}, {"visit", v.id}, {"actor", v.actor}, {"data", std::move(data)}};
}

void from_json(const nlohmann::json& j, Visit& v) {
  decode(ErrorCode::invalid_data, "Visit", [&] {
    v.at = instant_at(j, "at");
    j.at("visit").get_to(v.id);
    j.at("actor").get_to(v.actor);
    const nlohmann::json& data = j.at("data");
    data.at("channel").get_to(v.channel);
    data.at("kind").get_to(v.kind);
    data.at("parties").get_to(v.parties);
    data.at("summary").get_to(v.summary);
    optional_from(data, "case", v.case_id);
  });
}

}  // namespace fengqiao
