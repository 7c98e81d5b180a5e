// Delivering the transactional outbox to other systems (SMS gateway, message bus).
//
// The engine stores each event's outbox messages (EngineOptions::outbox) in the same
// commit as the event, so a message exists exactly when its event does. A relay then
// hands them to a sink and acknowledges each only after the sink accepted it:
//
//   fengqiao::OutboxRelay relay(storage, [&](const fengqiao::OutboxMessage& m) {
//     return sms_gateway.send(m.payload);       // true once the gateway has it
//   });
//   relay.drain();                              // e.g. from a timer or after each batch
//
// Delivery is at least once: a process that dies after the sink accepted a message but
// before the acknowledgement was stored delivers it again after restarting. Consumers
// drop duplicates by OutboxMessage::id, which is never reused. Messages are delivered in
// id order, and a message the sink refuses stops the round, so no message overtakes an
// older one. Watch depth(): it grows without bound while a sink keeps refusing.
//
// One relay at a time: each round (fetch, deliver, acknowledge) runs under the storage's
// relay lease (Storage::outbox_take_lease), so relays in several processes on one shared
// store (PostgreSQL) take turns instead of delivering the same messages at once; a round
// that finds the lease held elsewhere delivers nothing (RelayReport::lease_elsewhere).
// Adapters without a lease across processes (SQLite, the default) hold it trivially:
// there, run one relay per database. A relay's methods are not for concurrent calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "fengqiao/engine.hpp"
#include "fengqiao/error.hpp"
#include "fengqiao/storage.hpp"

namespace fengqiao {

// Delivers one message. true: the other system has it (it is acknowledged). false or an
// exception: not delivered; the message stays and is offered again next round.
using OutboxSink = std::function<bool(const OutboxMessage& message)>;

// How an OutboxRelay delivers: per round, and when to raise the backlog alarm.
struct OutboxRelayOptions {
  // Messages fetched and delivered per round.
  // Default: 100.
  std::size_t batch_size = 100;

  // After each round, when the depth is at or above this, on_backlog is called with it:
  // the consumer is not keeping up. 0 turns the alarm off.
  // Default: 10000.
  std::uint64_t backlog_threshold = 10000;

  // The backlog alarm.
  // Default: writes one line to stderr.
  std::function<void(std::uint64_t depth)> on_backlog;
};

// What one deliver() or drain() call did.
struct RelayReport {
  std::size_t delivered = 0;           // accepted by the sink and acknowledged
  std::uint64_t depth = 0;             // messages still unacknowledged afterwards
  std::optional<std::string> refused;  // why it stopped early: the refused message and the sink's reason
  bool lease_elsewhere = false;        // another relay held the lease: this round delivered nothing
};

// Delivers a storage's outbox messages to a sink, in order, acknowledging what the sink
// accepted: at-least-once delivery of what the engine stored with its events.
class OutboxRelay {
 public:
  // Delivers from `storage` to `sink`; nothing happens until deliver() or drain().
  OutboxRelay(std::shared_ptr<Storage> storage, OutboxSink sink, OutboxRelayOptions options = {});

  // One round: takes the relay lease (or, held elsewhere, returns at once with
  // lease_elsewhere and nothing delivered); the oldest batch_size messages, in order,
  // until the sink refuses one; those delivered are acknowledged in one storage call;
  // then the lease is released. storage_error if the storage
  // fails (nothing is lost: unacknowledged messages are offered again).
  Result<RelayReport> deliver();
  // Rounds until the outbox is empty, the sink refuses a message, or the lease is held
  // elsewhere.
  Result<RelayReport> drain();
  // Messages not yet acknowledged.
  Result<std::uint64_t> depth() const;

 private:
  Result<RelayReport> deliver_leased();  // the round itself, the lease held

  std::shared_ptr<Storage> storage_;
  OutboxSink sink_;
  OutboxRelayOptions options_;
};

// An OutboxPolicy for the notifications of LIFECYCLE.md: one message for each event that
// notifies jurisdictions up the path, with topic "emergency_registered" (an emergency's
// registration notifies the whole path), "escalated" (an escalation notifies the
// jurisdiction L levels up) or "supervision_order" (a `supervise` raising the level to L
// does the same), and payload
//   {"case":..., "seq":..., "at":"<ISO-8601>", "event":..., "stage":..., "level":...,
//    "notified":[...], "state":...}.
// Each registration also sends the one-time notice (一次性告知) as the party's first
// message, under `notice_topic` (the embedder's choice; "" sends none), with payload
//   {"case":..., "at":"<ISO-8601>", "category":..., "parties":[names], "notice":[...]}
// (party names only: identity numbers and phones stay out of the outbox).
OutboxPolicy notification_outbox_policy(std::string notice_topic = "one_time_notice");

}  // namespace fengqiao
