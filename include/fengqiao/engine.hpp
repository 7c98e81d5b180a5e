// The engine: runs the lifecycle of LIFECYCLE.md over a Storage.
//
//   fengqiao::Engine engine;                       // in-memory storage, system clock
//   engine.register_case("C-1", intake, {...});
//   engine.act("C-1", fengqiao::Action::dispatch, dispatcher, {{"route","people_mediation"},{"lead","justice"}});
//
// Thread rules: every method may be called from several threads at once. The engine keeps
// no case state of its own (the storage is the truth), so two engines on one database
// behave like two threads: a change computed from an outdated snapshot fails with
// `conflict` and nothing is stored; retry it. Listeners run on the thread that made the
// change, after it is stored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fengqiao/calendar.hpp"
#include "fengqiao/case.hpp"
#include "fengqiao/clock.hpp"
#include "fengqiao/error.hpp"
#include "fengqiao/event.hpp"
#include "fengqiao/rules.hpp"
#include "fengqiao/storage.hpp"

namespace fengqiao {

// Called once per stored event, with the case as that event left it.
using Listener = std::function<void(const Event& event, const Case& snapshot)>;
using ListenerId = std::uint64_t;

// What a throwing listener threw, reported to EngineOptions::on_listener_error.
struct ListenerFailure {
  ListenerId listener;
  std::string case_id;
  std::uint64_t event_seq;
  std::string what;
};

// Decides which outbox messages an event produces (they are stored in the same
// transaction as the event). Return none for most events. A message's case_id and
// event_seq, when left empty, are filled in from the event.
using OutboxPolicy = std::function<std::vector<OutboxMessage>(const Event& event, const Case& snapshot)>;

struct EngineOptions {
  // Where cases live. Default: a new MemoryStorage.
  std::shared_ptr<Storage> storage;
  // Where "now" comes from. Default: SystemClock.
  std::shared_ptr<const Clock> clock;
  // Working days and the offset days are counted in. Default: Sat/Sun off, no holidays, +08:00.
  BusinessCalendar calendar;
  // Deadline rules. Default: the table of LIFECYCLE.md.
  DeadlineRules rules;
  // Called when a listener throws; the change stays stored and the other listeners
  // still run. Default: writes one line to stderr.
  std::function<void(const ListenerFailure&)> on_listener_error;
  // Outbox messages for each event. Default: none (no outbox traffic).
  OutboxPolicy outbox;
};

// What advance_to() did.
struct AdvanceReport {
  std::size_t fired = 0;         // engine events stored
  std::size_t conflicts_retried = 0;
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // --- Actions ------------------------------------------------------------------------
  // Before any action the engine fires every deadline event due at or before now
  // (advance_to(clock.now())): an action at exactly a due instant comes after it.
  //
  // Refusals use the codes of HISTORY-FORMAT.md in the spec's precedence (the case
  // exists, the state allows it, the rules allow it, the actor may, the data is valid)
  // and change nothing: no event, no snapshot change, no listener call.

  // `register` with `data` = {channel, category, urgency, jurisdiction, parties, summary}.
  Case register_case(const std::string& case_id, const Actor& actor, const nlohmann::json& data);
  Result<Case> try_register_case(const std::string& case_id, const Actor& actor, const nlohmann::json& data) noexcept;

  // Any action of the table (Action::register_case too). Throws Exception / returns the
  // refusal. The returned snapshot is the one stored.
  Case act(std::string_view case_id, Action action, const Actor& actor,
           const nlohmann::json& data = nlohmann::json::object());
  Result<Case> try_act(std::string_view case_id, Action action, const Actor& actor,
                       const nlohmann::json& data = nlohmann::json::object()) noexcept;

  // --- Reading ------------------------------------------------------------------------
  Case get(std::string_view case_id) const;
  Result<Case> try_get(std::string_view case_id) const noexcept;
  std::vector<Event> history(std::string_view case_id) const;
  std::vector<Case> find(const CaseQuery& query) const;
  std::uint64_t count(const CaseQuery& query) const;

  // --- Deadlines ----------------------------------------------------------------------
  // Fires, in LIFECYCLE.md's order, every deadline event due at or before t that has not
  // fired: each is stored as an event and passed to the listeners. Cost O(k log n) for k
  // due events among n open cases. Calling it again with the same or an earlier t fires
  // nothing. On a restored store it fires what fell due while the process was down.
  AdvanceReport advance_to(Instant t);
  // advance_to(clock.now()).
  AdvanceReport poll();
  // The instant of the next deadline event, if any (for a timer that sleeps until then).
  std::optional<Instant> next_due() const;

  // --- Hooks --------------------------------------------------------------------------
  // Listeners are called in subscription order. Safe to call from any thread, also from
  // inside a listener (the change applies from the next event on).
  ListenerId subscribe(Listener listener);
  void unsubscribe(ListenerId id);

  // --- Batches ------------------------------------------------------------------------
 private:
  struct BatchState;

 public:
  // Groups many actions into one storage transaction (imports, replay). Listeners run
  // when the batch commits. Destroying an uncommitted Batch rolls it back.
  class Batch {
   public:
    Batch(Batch&& other) noexcept;
    Batch& operator=(Batch&&) = delete;
    ~Batch();
    void commit();
    void rollback();

   private:
    friend class Engine;
    Batch(Engine* engine, std::shared_ptr<BatchState> state);
    void end(bool keep);
    Engine* engine_;
    std::shared_ptr<BatchState> state_;
  };
  Batch batch();

  // --- Configuration ------------------------------------------------------------------
  const BusinessCalendar& calendar() const;
  const DeadlineRules& rules() const;
  const Clock& clock() const;
  Storage& storage() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fengqiao
