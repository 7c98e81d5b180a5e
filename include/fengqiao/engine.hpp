// The engine: runs the lifecycle of LIFECYCLE.md over a Storage.
//
//   fengqiao::Engine engine;                       // in-memory storage, system clock
//   engine.register_case("C-1", intake, {...});
//   engine.act("C-1", fengqiao::Action::dispatch, dispatcher, {{"route","people_mediation"},{"lead","justice"}});
//
// Thread rules: every method may be called from several threads at once. The engine keeps
// no case state of its own (the storage is the truth), so two engines on one database
// behave like two threads: a change computed from an outdated snapshot fails with
// `conflict` and nothing is stored; retry it.
//
// A batch (batch()) belongs to the thread that opened it: only that thread's actions go
// into it. While it is open, every call another thread makes that reads or writes the
// storage (actions, reads, advance_to, poll, next_due, batch) waits for it to end, and
// fails with `busy`, having done nothing, once the storage's busy timeout has passed.
// Such a call never joins the batch: what it returns is final, and the batch's rollback
// cannot undo it. Any thread may commit or roll back the batch. (Another storage object
// on the same database, e.g. a second SqliteStorage on the file, is another connection:
// its reads do not wait and see nothing of the batch until it commits; its writes wait
// for the database's lock.)
//
// Listeners run on the thread that made the change, after it is stored; for the actions
// of a batch, when it commits, on the thread that commits it.
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
#include "fengqiao/visit.hpp"

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
  // Every action of LIFECYCLE.md's table (Action::register_case too) on one case. The
  // engine reads the clock once: `now`. It first fires every deadline event due at or
  // before `now` (as advance_to(now)), then judges the action against the stored snapshot
  // and stores its event, stamped `now` (or the case's last instant, if the clock went
  // back), with the new snapshot. An action at exactly a due instant comes after what
  // fires at that instant.
  //
  // Success: the event and the snapshot are stored, and final (see the thread rules);
  //   the returned snapshot is the one stored. The listeners have been called, or are
  //   called when this thread's open batch commits.
  // Failure: nothing of the action is stored (deadline events due by `now` may have been)
  //   and no listener is called for it:
  //     the refusals of HISTORY-FORMAT.md, in the spec's precedence: unknown_case or
  //       duplicate_case, invalid_transition, not_permitted, invalid_data;
  //     conflict       the case changed between reading and storing (another thread or
  //                    engine); retry: the action is judged again on the new state;
  //     busy           another thread's batch, or another connection's transaction, held
  //                    the storage past its busy timeout; retry;
  //     storage_error  the storage failed.
  //   act and register_case throw Exception carrying the Error; try_* return it.
  // Threads: any thread. On the thread that holds an open batch the action joins the
  //   batch; on any other it waits while a batch is open (see the thread rules).

  // `register` with `data` = {channel, category, urgency, jurisdiction, parties, summary}.
  Case register_case(const std::string& case_id, const Actor& actor, const nlohmann::json& data);
  Result<Case> try_register_case(const std::string& case_id, const Actor& actor, const nlohmann::json& data) noexcept;

  Case act(std::string_view case_id, Action action, const Actor& actor,
           const nlohmann::json& data = nlohmann::json::object());
  Result<Case> try_act(std::string_view case_id, Action action, const Actor& actor,
                       const nlohmann::json& data = nlohmann::json::object()) noexcept;

  // --- Visits -------------------------------------------------------------------------
  // Records a visit (LIFECYCLE.md "Visits"), `data` = {channel, kind, parties, summary,
  // case?}. Like an action, it reads the clock once (`now`), first fires every deadline
  // event due at or before `now`, and is stamped `now`. It changes no case, and no
  // listener is called for it: listeners follow case events, and a visit is none (read
  // visits back with visits()).
  // Success: the visit is stored (in this thread's open batch, if any) and returned.
  // Failure: nothing of the visit is stored and its id stays free (deadline events due by
  //   `now` may have been stored):
  //     the contract's refusals, in its order: duplicate_visit (a visit has this id),
  //       not_permitted (only intake, grid_worker, citizen and dispatcher record visits),
  //       invalid_data (the message names the field; also an empty id or one over 256
  //       bytes), unknown_case (data.case names no case);
  //     busy, storage_error as for actions.
  //   record_visit throws Exception carrying the Error; try_record_visit returns it.
  // Threads: as actions.
  Visit record_visit(std::string_view visit_id, const Actor& actor, const nlohmann::json& data);
  Result<Visit> try_record_visit(std::string_view visit_id, const Actor& actor, const nlohmann::json& data) noexcept;
  // The stored visits matching `query`, ordered by id; how many match. Failure and
  // threads as for the reads below (both throw Exception).
  std::vector<Visit> visits(const VisitQuery& query) const;
  std::uint64_t count_visits(const VisitQuery& query) const;

  // --- Reading ------------------------------------------------------------------------
  // Success: what the storage holds (on the thread of an open batch, with the batch's
  //   changes; on any other, without them: it waits for the batch to end).
  // Failure: unknown_case (get, try_get, history: no such case); busy (another thread's
  //   batch held the storage past its busy timeout; retry); storage_error. All but
  //   try_get throw Exception; try_get returns the Error.
  // Threads: any thread; they wait while another thread's batch is open.
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
  // Success: every event due by t is stored; the report counts them, and the conflicts
  //   with other threads or engines it retried (a deadline step is recomputed from the
  //   stored case, so retrying is always right).
  // Failure (throws Exception): busy (another thread's batch held the storage past its
  //   busy timeout) or storage_error. The events fired before the failure stay stored
  //   (each is its own commit); calling it again fires the rest.
  // Threads: any thread, also several at once (each event fires exactly once); inside
  //   this thread's open batch the events join the batch, on other threads it waits.
  AdvanceReport advance_to(Instant t);
  // advance_to(clock.now()).
  AdvanceReport poll();
  // The instant of the next deadline event, if any (for a timer that sleeps until then).
  // Failure (throws Exception): busy or storage_error, as for reading.
  std::optional<Instant> next_due() const;

  // --- Hooks --------------------------------------------------------------------------
  // Listeners are called in subscription order. Cannot fail. Safe to call from any
  // thread, also from inside a listener (the change applies from the next event on).
  ListenerId subscribe(Listener listener);
  void unsubscribe(ListenerId id);

  // --- Batches ------------------------------------------------------------------------
 private:
  struct BatchState;

 public:
  // Many actions in one storage transaction (imports, replay): they are stored together
  // when the batch commits, or not at all. Each action in it is still judged and checked
  // alone: a refused one changes nothing and the batch goes on.
  class Batch {
   public:
    // The moved-to Batch owns the batch; it may be handed to another thread to commit or
    // roll back there. The actions in the batch remain those of the opening thread.
    Batch(Batch&& other) noexcept;
    Batch& operator=(Batch&&) = delete;
    // Rolls back a batch that is still open, on whichever thread destroys it; a failure
    // is not reported (the storage discards the batch either way).
    ~Batch();
    // Success: the batch's actions are stored, then the listeners are called with their
    //   events, in order, on the calling thread.
    // Failure (throws Exception): storage_error when this batch already ended; the
    //   storage's error when committing failed: then none of the batch's actions are
    //   stored and no listener is called for them.
    // Threads: any thread, not only the one that opened it. Once it returns, the opening
    //   thread's actions are outside any batch, and other threads' calls go on.
    void commit();
    // Discards the batch's actions; no listener is called for them.
    // Failure (throws Exception): storage_error when this batch already ended, or from
    //   the storage (the batch is over either way).
    // Threads: as commit().
    void rollback();

   private:
    friend class Engine;
    Batch(Engine* engine, std::shared_ptr<BatchState> state);
    void end(bool keep);
    Engine* engine_;
    std::shared_ptr<BatchState> state_;
  };
  // Opens a batch on the calling thread.
  // Success: the open Batch; this thread's actions (and advance_to, poll) join it until
  //   it ends.
  // Failure (throws Exception): storage_error when this thread's batch is already open
  //   (batches do not nest) or from the storage; busy when another thread's batch stays
  //   open past the storage's busy timeout (batch() waits for it like any write).
  // Threads: any thread; one batch at a time per storage object.
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
