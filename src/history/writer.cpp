#include <ostream>

#include "fengqiao/history.hpp"

namespace fengqiao::history {
namespace {

using Ordered = nlohmann::ordered_json;

template <class E>
Ordered nullable(const std::optional<E>& v) {
  return v ? Ordered(std::string(to_string(*v))) : Ordered(nullptr);
}

}  // namespace

std::string header_line(const Header& h) {
  Ordered j;
  j["format"] = "fengqiao-history";
  j["version"] = kHistoryVersion;  // HISTORY-FORMAT.md: export writes version 2
  j["utc_offset"] = h.utc_offset.to_string();
  j["calendar"] = Ordered::parse(h.calendar.to_json().dump());
  j["rules"] = Ordered::parse(h.rules.to_json().dump());
  return j.dump();
}

Writer::Writer(std::ostream& out, const Header& header) : out_(out), offset_(header.utc_offset) {
  out_ << header_line(header) << '\n';
}

void Writer::write(const Line& line) {
  Ordered j;
  j["at"] = format_instant(line.at, offset_);
  switch (line.kind) {
    case Line::Kind::tick:
      j["tick"] = true;
      break;
    case Line::Kind::action:
    case Line::Kind::visit:
      if (line.kind == Line::Kind::action) {
        j["case"] = line.case_id;
        j["action"] = std::string(to_string(line.action));
      } else {
        j["visit"] = line.visit_id;
      }
      j["actor"] = {{"id", line.actor.id}, {"role", std::string(to_string(line.actor.role))}, {"org", line.actor.org}};
      if (!line.data.empty()) j["data"] = Ordered::parse(line.data.dump());
      if (line.expect_error) j["expect_error"] = std::string(to_string(*line.expect_error));
      if (line.kind == Line::Kind::action && !line.hash.empty()) j["hash"] = line.hash;
      break;
    case Line::Kind::config:
      j["config"] = Ordered::parse(line.config.dump());
      if (line.expect_error) j["expect_error"] = std::string(to_string(*line.expect_error));
      break;
    case Line::Kind::event:
      j["case"] = line.case_id;
      j["event"] = std::string(to_string(line.event));
      j["stage"] = std::string(to_string(line.stage));
      if (line.event == EventType::escalated) j["level"] = line.level;
      if (!line.hash.empty()) j["hash"] = line.hash;
      break;
    case Line::Kind::expectation: {
      j["case"] = line.case_id;
      const Expectation& e = line.expect;
      Ordered x = Ordered::object();
      if (e.state) x["state"] = nullable(*e.state);
      if (e.supervision) x["supervision"] = nullable(*e.supervision);
      if (e.level) x["level"] = *e.level;
      if (e.outcome) x["outcome"] = nullable(*e.outcome);
      if (e.lead) x["lead"] = *e.lead ? Ordered(**e.lead) : Ordered(nullptr);
      if (e.reopened) x["reopened"] = *e.reopened;
      if (e.deadline) x["deadline"] = *e.deadline ? Ordered(format_instant(**e.deadline, offset_)) : Ordered(nullptr);
      if (e.assignee) x["assignee"] = *e.assignee ? Ordered(**e.assignee) : Ordered(nullptr);
      if (e.notes) x["notes"] = *e.notes;
      if (e.notice) x["notice"] = *e.notice;
      j["expect"] = std::move(x);
      break;
    }
  }
  out_ << j.dump() << '\n';
}

void Writer::write(const Visit& v) {
  Line line;
  line.kind = Line::Kind::visit;
  line.at = v.at;
  line.visit_id = v.id;
  line.actor = v.actor;
  line.data = nlohmann::json(v)["data"];
  write(line);
}

void Writer::write(const ConfigRecord& change) {
  Line line;
  line.kind = Line::Kind::config;
  line.at = change.at;
  if (change.calendar_changed) line.config["calendar"] = change.calendar.to_json();
  if (change.rules_changed) line.config["rules"] = change.rules.to_json();
  write(line);
}

void Writer::write(const Event& e) {
  // The line needs them; an Event can be built without (it is a plain value type).
  if (e.type == EventType::action ? !(e.action && e.actor) : !e.stage)
    throw Exception(make_error(ErrorCode::invalid_data, "event " + std::to_string(e.seq) + " of case \"" + e.case_id +
                                                            "\" lacks its " +
                                                            (e.type == EventType::action ? "action or actor" : "stage")));
  Line line;
  line.at = e.at;
  line.case_id = e.case_id;
  line.hash = e.hash;
  if (e.type == EventType::action) {
    line.kind = Line::Kind::action;
    line.action = *e.action;
    line.actor = *e.actor;
    line.data = e.data;
  } else {
    line.kind = Line::Kind::event;
    line.event = e.type;
    line.stage = *e.stage;
    line.level = e.level;
  }
  write(line);
}

void Writer::expect(Instant at, const std::string& case_id, const Expectation& e) {
  Line line;
  line.kind = Line::Kind::expectation;
  line.at = at;
  line.case_id = case_id;
  line.expect = e;
  write(line);
}

void Writer::tick(Instant at) {
  Line line;
  line.kind = Line::Kind::tick;
  line.at = at;
  write(line);
}

}  // namespace fengqiao::history
