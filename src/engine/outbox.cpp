#include "fengqiao/outbox.hpp"

#include <iostream>
#include <utility>
#include <vector>

namespace fengqiao {
namespace {

void default_backlog_alarm(std::uint64_t depth) {
  std::cerr << "fengqiao: the outbox holds " << depth << " unacknowledged messages; is its consumer running?\n";
}

}  // namespace

OutboxRelay::OutboxRelay(std::shared_ptr<Storage> storage, OutboxSink sink, OutboxRelayOptions options)
    : storage_(std::move(storage)), sink_(std::move(sink)), options_(std::move(options)) {
  if (!options_.on_backlog) options_.on_backlog = default_backlog_alarm;
  if (options_.batch_size == 0) options_.batch_size = 1;
}

Result<RelayReport> OutboxRelay::deliver() {
  // The round runs under the relay lease, so that relays in other processes on the same
  // store do not fetch and deliver the same messages meanwhile; it is released after the
  // acknowledgement, so the next holder's fetch no longer sees what this round delivered.
  auto leased = storage_->outbox_take_lease();
  if (!leased) return leased.error();
  if (!*leased) {
    RelayReport elsewhere;
    elsewhere.lease_elsewhere = true;
    auto depth = storage_->outbox_depth();
    if (!depth) return depth.error();
    elsewhere.depth = *depth;
    return elsewhere;
  }
  auto round = deliver_leased();
  // Released whatever the round did (its acknowledged messages are acknowledged): a
  // lease left held would stop every other relay until this object goes.
  Status released = storage_->outbox_release_lease();
  if (round && !released) return released.error();
  return round;
}

Result<RelayReport> OutboxRelay::deliver_leased() {
  auto fetched = storage_->outbox_fetch(options_.batch_size);
  if (!fetched) return fetched.error();
  RelayReport report;
  std::vector<std::uint64_t> delivered;
  for (const OutboxMessage& m : *fetched) {
    std::string why;
    bool accepted = false;
    try {
      accepted = sink_(m);
      if (!accepted) why = "the sink returned false";
    } catch (const std::exception& e) {
      why = std::string("the sink threw: ") + e.what();
    } catch (...) {
      why = "the sink threw a non-standard exception";
    }
    if (!accepted) {
      report.refused = "message " + std::to_string(m.id) + " (" + m.topic + ", case \"" + m.case_id + "\"): " + why;
      break;
    }
    delivered.push_back(m.id);
  }
  // Acknowledged only now, after the sink has them: dying before this line redelivers
  // them, which at-least-once allows; acknowledging first could lose them.
  if (Status s = storage_->outbox_ack(delivered); !s) return s.error();
  report.delivered = delivered.size();
  auto depth = storage_->outbox_depth();
  if (!depth) return depth.error();
  report.depth = *depth;
  if (options_.backlog_threshold > 0 && report.depth >= options_.backlog_threshold) {
    try {
      options_.on_backlog(report.depth);
    } catch (...) {
      // An alarm that fails must not stop delivery.
    }
  }
  return report;
}

Result<RelayReport> OutboxRelay::drain() {
  RelayReport total;
  for (;;) {
    auto round = deliver();
    if (!round) return round.error();
    total.delivered += round->delivered;
    total.depth = round->depth;
    total.refused = round->refused;
    total.lease_elsewhere = round->lease_elsewhere;
    if (round->refused || round->lease_elsewhere || round->delivered == 0 || round->depth == 0) return total;
  }
}

Result<std::uint64_t> OutboxRelay::depth() const { return storage_->outbox_depth(); }

OutboxPolicy notification_outbox_policy(std::string notice_topic) {
  return [notice_topic = std::move(notice_topic)](const Event& e, const Case& c) {
    std::vector<OutboxMessage> out;
    const bool registration = e.type == EventType::action && e.action == Action::register_case;
    // The one-time notice is the party's first message, so it goes before any other of
    // the registration's messages.
    if (registration && !notice_topic.empty()) {
      OutboxMessage notice;
      notice.topic = notice_topic;
      notice.case_id = e.case_id;
      notice.event_seq = e.seq;
      nlohmann::json to = nlohmann::json::array();
      for (const Party& p : c.parties) to.push_back(p.name);
      notice.payload = {{"case", e.case_id}, {"at", format_instant(e.at)}, {"category", c.category},
                        {"parties", std::move(to)}, {"notice", e.notice}};
      out.push_back(std::move(notice));
    }
    if (e.notified.empty()) return out;
    OutboxMessage m;
    const bool order = e.type == EventType::action && e.action == Action::supervise;
    m.topic = registration ? "emergency_registered" : order ? "supervision_order" : "escalated";
    m.case_id = e.case_id;
    m.event_seq = e.seq;
    m.payload = {{"case", e.case_id},
                 {"seq", e.seq},
                 {"at", format_instant(e.at)},
                 {"event", e.type == EventType::action ? std::string(to_string(*e.action))
                                                       : std::string(to_string(e.type))},
                 {"stage", e.stage ? nlohmann::json(std::string(to_string(*e.stage))) : nlohmann::json(nullptr)},
                 {"level", c.level},
                 {"notified", e.notified},
                 {"state", std::string(to_string(c.state))}};
    out.push_back(std::move(m));
    return out;
  };
}

}  // namespace fengqiao
