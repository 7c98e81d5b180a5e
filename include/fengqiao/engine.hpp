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

#include "fengqiao/authorization.hpp"
#include "fengqiao/calendar.hpp"
#include "fengqiao/case.hpp"
#include "fengqiao/clock.hpp"
#include "fengqiao/configuration.hpp"
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

// Called once per configuration change the engine stores (update_configuration), with the
// configuration then in force.
using ConfigListener = std::function<void(const ConfigRecord& record)>;
// The outbox messages of a configuration change (stored with it, in one transaction). A
// message's case_id stays "" and its event_seq, when left 0, is the record's seq.
using ConfigOutboxPolicy = std::function<std::vector<OutboxMessage>(const ConfigRecord& record)>;

// What an Engine runs on; every member has a default.
struct EngineOptions {
  // Where cases live. Default: a new MemoryStorage.
  std::shared_ptr<Storage> storage;
  // Where "now" comes from. Default: SystemClock.
  std::shared_ptr<const Clock> clock;
  // Working days and the offset days are counted in, and the deadline rules. The store
  // keeps the configuration in force (configuration.hpp), so these matter when it keeps
  // none yet (a new store, or one written before fengqiao kept it): the engine records
  // them there as the store's first configuration. For a store that keeps one, leave
  // them unset to use the store's; one given that differs from the store's makes the
  // constructor throw invalid_config naming the difference (see adopt_stored_configuration).
  // Default: unset — for a new store Sat/Sun off, no holidays, +08:00, and the table of
  // LIFECYCLE.md.
  std::optional<BusinessCalendar> calendar;
  std::optional<DeadlineRules> rules;
  // When the store keeps a configuration that differs from the calendar or rules given
  // above: false refuses (the engine would otherwise compute other deadlines than the
  // store's cases were given); true uses the store's and ignores the given ones.
  // Default: false.
  bool adopt_stored_configuration = false;
  // Called when a listener throws; the change stays stored and the other listeners
  // still run. Default: writes one line to stderr.
  std::function<void(const ListenerFailure&)> on_listener_error;
  // Outbox messages for each event. Default: none (no outbox traffic).
  OutboxPolicy outbox;
  // Outbox messages for each configuration change. Default: none.
  ConfigOutboxPolicy configuration_outbox;
  // Who may do what (authorization.hpp): asked about every action and visit.
  // Default: contract_policy(), the contract's table.
  std::shared_ptr<const AuthorizationPolicy> authorization;
};

// What a configuration change did.
struct ConfigurationChange {
  ConfigRecord record;                  // the configuration now in force, as stored
  std::uint64_t clocks_recomputed = 0;  // open cases whose pending instants moved
};

// How apply() answers.
struct ApplyOptions {
  // Also return the stored snapshot (Applied::snapshot). Default: false — the snapshot
  // is then neither copied nor kept for the caller, which is most of what act() costs
  // beyond the action itself.
  bool want_snapshot = false;
};

// What apply() stored: where the case is now, without the snapshot unless asked for.
struct Applied {
  std::uint64_t version = 0;              // the stored event's seq (the case's version after it)
  Instant at{};                           // the event's instant
  State state = State::registered;        // lifecycle state once the event applied
  Supervision supervision = Supervision::on_track;
  std::optional<Case> snapshot;           // the stored snapshot, when ApplyOptions::want_snapshot
};

// What advance_to() did.
struct AdvanceReport {
  std::size_t fired = 0;         // engine events stored
  std::size_t conflicts_retried = 0;
};

// Runs the lifecycle of LIFECYCLE.md over a Storage: actions and visits, queries,
// deadline events, listeners, batches and configuration changes (see the file's notes on
// threads and batches).
class Engine {
 public:
  // Failure (throws Exception): invalid_config when the store keeps a calendar or rules
  // that differ from those given in `options` (the message names what differs), unless
  // options.adopt_stored_configuration; busy or storage_error reading or recording the
  // store's configuration (a store that cannot record it, opened read-only, is used with
  // the given configuration, unrecorded).
  explicit Engine(EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  // Movable: the moved-from engine may only be destroyed or assigned to. A Batch, a
  // listener id and the storage stay valid across the move (they belong to the engine's
  // state, which does not move).
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;

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
  Case register_case(std::string_view case_id, const Actor& actor, const nlohmann::json& data);
  Result<Case> try_register_case(std::string_view case_id, const Actor& actor, const nlohmann::json& data) noexcept;

  // Any other action of the table, `data` as HISTORY-FORMAT.md lists for it.
  Case act(std::string_view case_id, Action action, const Actor& actor,
           const nlohmann::json& data = nlohmann::json::object());
  Result<Case> try_act(std::string_view case_id, Action action, const Actor& actor,
                       const nlohmann::json& data = nlohmann::json::object()) noexcept;

  // The fast path: the same action, judged and stored exactly as act() and
  // register_case() do (same checks, refusals, event, hash chain, listeners, batches),
  // but `data` is moved into the stored event instead of copied, and the snapshot is
  // returned only when options.want_snapshot. Refusals and failures are the Error of the
  // Result (it does not throw). act() and register_case() are this with want_snapshot.
  Result<Applied> apply(std::string_view case_id, Action action, const Actor& actor, nlohmann::json&& data,
                        ApplyOptions options = {}) noexcept;

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
  struct Impl;

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
    Batch(Impl* engine, std::shared_ptr<BatchState> state);
    void end(bool keep);
    Impl* engine_;  // the engine's state, which stays put when the Engine object moves
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
  // The configuration in force, as the store keeps it (LIFECYCLE.md "Calendar updates").
  // Changing it: the calendar (next year's holidays, published each December), the rules,
  // or both, at the clock's `now`. The engine reads the clock once, first fires every
  // deadline event due at or before `now` (as advance_to(now)), then:
  //   - a calendar must keep every day up to and including today (the day of `now` in the
  //     calendar's offset) worked or not as it was, the same weekend days and the same
  //     UTC offset; it replaces the one in force whole;
  //   - every open case's clocks — running or stopped, the handling clock held during a
  //     consultation too — get their pending instants recomputed with the new calendar
  //     (start, limit, the days added by earlier stops and extensions stay; instants
  //     already fired stay fired), and the due index follows;
  //   - rules replace the rules in force; they govern registrations and clocks started
  //     from now on (a clock keeps the rule it captured; a closed case keeps the reopen
  //     window it closed with).
  // The record, the recomputed snapshots and the configuration_outbox messages are stored
  // atomically (in this thread's open batch, if any, else in a batch of their own); then
  // the configuration listeners are called (for a batch, when it commits).
  // Success: the change; what calendar() and rules() return from now on.
  // Failure, nothing changed (deadline events due by `now` may have fired):
  //   invalid_config  a calendar that changes today or an earlier day, the weekend or
  //                   the offset (the message names the first day that would change);
  //                   neither calendar nor rules given;
  //   conflict        another engine on the store changed the configuration or one of the
  //                   cases meanwhile; the engine has read the store's newest: retry;
  //   busy, storage_error as for actions. Inside this thread's open batch, a failure of
  //   the storage part-way leaves the batch to be rolled back.
  //   update_* throw Exception carrying the Error; try_update_configuration returns it.
  // Threads: any thread. Actions of other threads computed with the old configuration are
  //   refused with `conflict` and judged again, with the new one, on retry.
  ConfigurationChange update_calendar(const BusinessCalendar& calendar);
  ConfigurationChange update_rules(const DeadlineRules& rules);
  ConfigurationChange update_configuration(const std::optional<BusinessCalendar>& calendar,
                                           const std::optional<DeadlineRules>& rules);
  Result<ConfigurationChange> try_update_configuration(const std::optional<BusinessCalendar>& calendar,
                                                       const std::optional<DeadlineRules>& rules) noexcept;
  // Every configuration the store kept, oldest first (seq 1 is the first). Failure
  // (throws Exception): busy or storage_error, as for reading.
  std::vector<ConfigRecord> configuration_history() const;
  // Configuration listeners; unsubscribe() removes them too. As subscribe().
  ListenerId subscribe_configuration(ConfigListener listener);

  // The configuration in force as this engine last read or wrote it (seq 0 when the store
  // could not keep it: a store opened read-only). Copies: safe while another thread
  // changes the configuration.
  ConfigRecord configuration() const;
  BusinessCalendar calendar() const;
  DeadlineRules rules() const;
  const Clock& clock() const;
  Storage& storage() const;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace fengqiao
