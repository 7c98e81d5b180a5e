#include "fengqiao/engine.hpp"

#include <atomic>
#include <iostream>
#include <mutex>
#include <thread>

#include "engine/engine_impl.hpp"
#include "fengqiao/chain.hpp"
#include "fengqiao/memory_storage.hpp"
#include "lifecycle/machine.hpp"
#include "lifecycle/transition.hpp"
#include "lifecycle/visit_checks.hpp"

namespace fengqiao {
namespace {

void default_listener_error(const ListenerFailure& f) {
  std::cerr << "fengqiao: listener " << f.listener << " threw on "
            << (f.case_id.empty() ? std::string("a configuration change") : "case " + f.case_id) << " event "
            << f.event_seq << ": " << f.what << '\n';
}

const nlohmann::json& data_or_empty(const nlohmann::json& data) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  return data.is_null() ? kEmpty : data;
}

Error duplicate_visit(std::string_view id) {
  return make_error(ErrorCode::duplicate_visit, "visit \"" + std::string(id) + "\" already exists");
}

}  // namespace

std::optional<Error> engine_detail::bad_id(const char* what, std::string_view id) {
  if (!id.empty() && id.size() <= 256) return std::nullopt;
  return make_error(ErrorCode::invalid_data, std::string("the ") + what + " id " +
                                                 (id.empty() ? "is empty" : "is longer than 256 bytes"));
}

using engine_detail::bad_id;

Engine::Impl::Impl(EngineOptions o) : options(prepare(std::move(o))), storage(*options.storage), clock(*options.clock) {
  open_configuration();
}

EngineOptions Engine::Impl::prepare(EngineOptions o) {
  if (!o.storage) o.storage = std::make_shared<MemoryStorage>();
  if (!o.clock) o.clock = std::make_shared<SystemClock>();
  if (!o.on_listener_error) o.on_listener_error = default_listener_error;
  if (!o.authorization) o.authorization = contract_policy();
  return o;
}

// The open batch when the calling thread opened it.
std::shared_ptr<Engine::BatchState> Engine::Impl::own_batch() {
  if (!batch_open.load(std::memory_order_acquire)) return nullptr;
  std::lock_guard lock(batch_mu);
  if (open_batch && open_batch->owner == std::this_thread::get_id()) return open_batch;
  return nullptr;
}

// A listener that throws is reported and the others still run.
template <class Call>
void Engine::Impl::guarded(ListenerId id, const std::string& case_id, std::uint64_t seq, Call&& call) {
  try {
    call();
  } catch (const std::exception& ex) {
    report(id, case_id, seq, ex.what());
  } catch (...) {
    report(id, case_id, seq, "a non-standard exception");
  }
}

// Runs after the change is stored: listeners in order.
void Engine::Impl::deliver(const Event& e, const Case& c) {
  std::shared_ptr<const ListenerList> current;
  {
    std::lock_guard lock(listeners_mu);
    current = listeners;
  }
  // Not a structured binding: C++17 does not let a lambda capture one (Clang refuses it).
  for (const auto& entry : *current) guarded(entry.first, e.case_id, e.seq, [&] { entry.second(e, c); });
}

void Engine::Impl::deliver(const ConfigRecord& r) {
  std::shared_ptr<const ConfigListenerList> current;
  {
    std::lock_guard lock(listeners_mu);
    current = config_listeners;
  }
  for (const auto& entry : *current) guarded(entry.first, "", r.seq, [&] { entry.second(r); });
}

void Engine::Impl::report(ListenerId id, const std::string& case_id, std::uint64_t seq, const std::string& what) {
  try {
    options.on_listener_error(ListenerFailure{id, case_id, seq, what});
  } catch (...) {
    // The error handler itself failed; nothing sensible is left to tell.
  }
}

// Commits one event with the snapshot it produced; on success the listeners have been
// called, and `draft` is the stored snapshot if `keep_draft`.
Status Engine::Impl::store(Case& draft, std::uint64_t expected_version, std::uint64_t config_seq, Event event,
                           bool keep_draft) {
  // The chain (chain.hpp): this event links to the head the snapshot it was computed from
  // keeps, and becomes the new head. A conflict below discards both with the draft.
  // The head is read in place when the snapshot keeps one (every action but a
  // registration): no copy of it per event.
  std::string computed;
  std::string_view previous = draft.chain_head;
  if (expected_version == 0 || previous.empty()) {
    auto head = chain_previous(draft, expected_version);
    if (!head) return head.error();
    computed = std::move(head).value();
    previous = computed;
  }
  event.hash = chain::event_hash(event, previous);
  draft.chain_head = event.hash;
  // The draft is moved into the commit and back afterwards, never copied: the commit
  // needs a Case of its own, the caller wants the same one back.
  CaseCommit commit{std::move(draft), expected_version, {}, {}, config_seq};
  struct GiveBack {
    Case& to;
    Case& from;
    ~GiveBack() { to = std::move(from); }
  } give_back{draft, commit.snapshot};
  if (options.outbox) {
    commit.outbox = options.outbox(event, commit.snapshot);
    // A policy need not repeat what the engine knows.
    for (OutboxMessage& m : commit.outbox) {
      if (m.case_id.empty()) m.case_id = commit.snapshot.id;
      if (m.event_seq == 0) m.event_seq = event.seq;
    }
  }
  // Without listeners (and without a caller who wants the snapshot) the storage may take
  // the commit's contents; otherwise it gets the commit to read only, and the listeners
  // are handed the commit's own event and snapshot (no copy of either).
  commit.events.push_back(std::move(event));
  std::shared_ptr<BatchState> batch = own_batch();
  std::unique_lock<std::mutex> inside;
  if (batch) {
    inside = std::unique_lock(batch->mu);
    if (batch->ended) batch.reset();  // ended by another thread meanwhile: this commit stands alone
  }
  const bool listening = wants_events();
  Status s = listening || keep_draft ? storage.commit(static_cast<const CaseCommit&>(commit))
                                     : storage.commit(std::move(commit));
  if (!s) {
    // The configuration may be what changed: the caller's retry must use the newest.
    if (s.error().code == ErrorCode::conflict) {
      if (inside) inside.unlock();
      (void)refresh_configuration();
    }
    return s;
  }
  if (!listening) return s;
  if (batch) {
    batch->held.emplace_back(commit.events.front(), commit.snapshot);
  } else {
    if (inside) inside.unlock();  // not held while listeners run: one may end another batch
    deliver(commit.events.front(), commit.snapshot);
  }
  return s;
}

// The hash the next event of `draft` chains from: the genesis value for a new case, else
// the head its snapshot keeps. A snapshot stored before fengqiao kept the chain (by an
// adapter that did not migrate it) has none: its chain is computed once from its stored
// events, so that its next event continues the chain a verifier recomputes.
Result<std::string> Engine::Impl::chain_previous(const Case& draft, std::uint64_t expected_version) const {
  if (expected_version == 0) return chain::genesis(draft.id);
  if (!draft.chain_head.empty()) return draft.chain_head;
  std::string head = chain::genesis(draft.id);
  Status s = storage.read_events(draft.id, 1, [&](const Event& e) {
    head = chain::event_hash(e, head);
    return true;
  });
  if (!s) return s.error();
  return head;
}

// Reads the clock once and fires what is due by then. Actions and visits take their
// instant from here: what fires first and the change's own instant are the same `now`,
// so nothing due by that instant can fire after it.
Result<Instant> Engine::Impl::fire_due_now() {
  const Instant now = clock.now();
  // Outside the supported range a new case would start at the epoch (its history never
  // goes backwards) or its deadlines would fall past the last date Boost can write:
  // refused before anything fires (time.hpp says why the range is what it is).
  if (Status s = check_supported(now, "the clock's reading"); !s) return s.error();
  AdvanceReport report;
  if (Status s = advance(now, report); !s) return s.error();
  return now;
}

namespace {

// The snapshot an action works on, kept per thread from one action to the next so that its
// strings and vectors keep their capacity (Storage::load_into reuses them). A listener
// that acts on the same thread finds it in use and works on a Case of its own. Actions
// and fired clock steps have one each (`Use`): an action fires what is due before it
// loads its own case.
struct Workspace {
  Case draft;
  bool busy = false;
};

struct ForAction;
struct ForClockStep;

template <class Use>
class Borrowed {
 public:
  Borrowed() : ws_(workspace()) {
    if (ws_.busy) {
      own_.emplace();
    } else {
      ws_.busy = true;
    }
  }
  ~Borrowed() {
    if (!own_) ws_.busy = false;
  }
  Borrowed(const Borrowed&) = delete;
  Borrowed& operator=(const Borrowed&) = delete;
  Case& draft() { return own_ ? *own_ : ws_.draft; }

 private:
  static Workspace& workspace() {
    thread_local Workspace ws;
    return ws;
  }
  Workspace& ws_;
  std::optional<Case> own_;
};

}  // namespace

Result<Applied> Engine::Impl::apply(std::string_view case_id, Action action, const Actor& actor, nlohmann::json&& data,
                                    bool want_snapshot) {
  Borrowed<ForAction> borrowed;
  Case& draft = borrowed.draft();
  Applied applied;
  if (Status s = apply_to(draft, case_id, action, actor, std::move(data), want_snapshot, applied); !s) return s.error();
  if (want_snapshot) applied.snapshot = std::move(draft);
  return applied;
}

Status Engine::Impl::apply_to(Case& draft, std::string_view case_id, Action action, const Actor& actor,
                              nlohmann::json&& data, bool keep_draft, Applied& applied) {
  if (auto bad = bad_id("case", case_id)) return *bad;
  const auto fired = fire_due_now();
  if (!fired) return fired.error();
  const Instant now = *fired;

  Status loaded = storage.load_into(case_id, draft);
  if (action == Action::register_case) {
    if (loaded) return make_error(ErrorCode::duplicate_case, "case \"" + std::string(case_id) + "\" already exists");
    if (loaded.error().code != ErrorCode::unknown_case) return loaded;
    draft = Case{};
    draft.id = std::string(case_id);
  } else if (!loaded) {
    return loaded;
  }
  const std::uint64_t expected = draft.version;
  // Per-case history stays in time order even if the clock steps back.
  const Instant at = std::max(now, draft.updated_at);
  if (data.is_null()) data = nlohmann::json::object();
  const std::shared_ptr<const ConfigRecord> config = current_config();
  detail::Transition t{draft, action, actor, data, at, config->calendar, config->rules, *options.authorization,
                       std::nullopt, {}};
  if (auto refusal = detail::run_action(t)) return *refusal;

  // Aggregate-initialised: the data moves into the event, nothing is copied.
  Event e{draft.id, expected + 1, at, EventType::action, action, actor, std::move(data), std::nullopt, 0,
          std::move(t.notified), draft.state, {}, draft.supervision, {}};
  if (action == Action::register_case) e.notice = draft.notice;
  draft.version = e.seq;
  applied.version = e.seq;
  applied.at = at;
  applied.state = draft.state;
  applied.supervision = draft.supervision;
  return store(draft, expected, config->seq, std::move(e), keep_draft);
}

// LIFECYCLE.md "Visits": the id is new, the actor may, the data is valid, the case
// exists; the first check that fails is the refusal, and nothing is stored.
Result<Visit> Engine::Impl::record_visit(std::string_view id, const Actor& actor, const nlohmann::json& data) {
  if (auto bad = bad_id("visit", id)) return *bad;
  const auto now = fire_due_now();
  if (!now) return now.error();
  VisitQuery same;
  same.id = std::string(id);
  const auto taken = storage.count_visits(same);
  if (!taken) return taken.error();
  if (*taken > 0) return duplicate_visit(id);
  if (auto refusal = detail::refusal_of(options.authorization->decide({actor, std::nullopt, nullptr, data_or_empty(data)})))
    return *refusal;
  auto visit = detail::read_visit(std::string(id), *now, actor, data_or_empty(data));
  if (!visit) return visit.error();
  if (visit->case_id) {
    auto linked = storage.load(*visit->case_id);
    if (!linked) return linked.error();
  }
  // Checked again by the storage, atomically: another thread may have taken the id since.
  if (Status s = storage.add_visit(*visit); !s) return s.error();
  return visit;
}

// Fires due steps one at a time, always the globally first (instant, case id), so the
// order is LIFECYCLE.md's whatever the storage.
Status Engine::Impl::advance(Instant t, AdvanceReport& report) {
  for (;;) {
    auto due = storage.first_due(t);
    if (!due) return due.error();
    if (!*due) return Status::success();
    const DueEntry entry = **due;
    Borrowed<ForClockStep> borrowed;
    Case& draft = borrowed.draft();
    if (Status loaded = storage.load_into(entry.case_id, draft); !loaded) {
      if (loaded.error().code == ErrorCode::unknown_case) continue;  // raced with a rollback; ask again
      return loaded;
    }
    auto step = draft.next_due();
    if (!step || step->at != entry.at) {
      // The index moved between first_due and load (another engine fired or acted):
      // ask again. A storage whose index never matches its snapshots is broken.
      if (++report.conflicts_retried > 1000000)
        return make_error(ErrorCode::storage_error, "the due index disagrees with case \"" + entry.case_id + "\"");
      continue;
    }
    const std::uint64_t expected = draft.version;
    Event e;
    e.case_id = draft.id;
    e.seq = expected + 1;
    e.at = step->at;
    e.type = step->type;
    e.stage = draft.clock->stage;
    e.level = step->level;
    if (!detail::run_clock_step(draft, *step, e.notified))
      return make_error(ErrorCode::storage_error, "internal: due step of case \"" + draft.id + "\" could not fire");
    e.state_after = draft.state;
    e.supervision_after = draft.supervision;
    draft.version = e.seq;
    Status s = store(draft, expected, current_config()->seq, std::move(e), false);
    if (!s) {
      if (s.error().code == ErrorCode::conflict) {
        ++report.conflicts_retried;
        continue;
      }
      return s;
    }
    ++report.fired;
  }
}

Engine::Engine(EngineOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

Case Engine::register_case(std::string_view case_id, const Actor& actor, const nlohmann::json& data) {
  return act(case_id, Action::register_case, actor, data);
}

Result<Case> Engine::try_register_case(std::string_view case_id, const Actor& actor,
                                       const nlohmann::json& data) noexcept {
  return try_act(case_id, Action::register_case, actor, data);
}

namespace {

// act() and register_case() on top of the fast path: the caller keeps its data, so it is
// copied once (into the event), as it always was.
Result<Case> snapshot_of(Result<Applied>&& applied) {
  if (!applied) return applied.error();
  return std::move(*std::move(applied).value().snapshot);
}

}  // namespace

Case Engine::act(std::string_view case_id, Action action, const Actor& actor, const nlohmann::json& data) {
  return snapshot_of(impl_->apply(case_id, action, actor, nlohmann::json(data), true)).value_or_throw();
}

Result<Case> Engine::try_act(std::string_view case_id, Action action, const Actor& actor,
                             const nlohmann::json& data) noexcept {
  try {
    return snapshot_of(impl_->apply(case_id, action, actor, nlohmann::json(data), true));
  } catch (const std::exception& ex) {
    return make_error(ErrorCode::storage_error, std::string("unexpected failure: ") + ex.what());
  }
}

Result<Applied> Engine::apply(std::string_view case_id, Action action, const Actor& actor, nlohmann::json&& data,
                              ApplyOptions options) noexcept {
  try {
    return impl_->apply(case_id, action, actor, std::move(data), options.want_snapshot);
  } catch (const std::exception& ex) {
    return make_error(ErrorCode::storage_error, std::string("unexpected failure: ") + ex.what());
  }
}

Case Engine::get(std::string_view case_id) const { return impl_->storage.load(case_id).value_or_throw(); }

Result<Case> Engine::try_get(std::string_view case_id) const noexcept {
  try {
    return impl_->storage.load(case_id);
  } catch (const std::exception& ex) {
    return make_error(ErrorCode::storage_error, std::string("unexpected failure: ") + ex.what());
  }
}

std::vector<Event> Engine::history(std::string_view case_id) const {
  std::vector<Event> out;
  impl_->storage
      .read_events(case_id, 1,
                   [&](const Event& e) {
                     out.push_back(e);
                     return true;
                   })
      .throw_if_error();
  return out;
}

Visit Engine::record_visit(std::string_view visit_id, const Actor& actor, const nlohmann::json& data) {
  return impl_->record_visit(visit_id, actor, data).value_or_throw();
}

Result<Visit> Engine::try_record_visit(std::string_view visit_id, const Actor& actor,
                                       const nlohmann::json& data) noexcept {
  try {
    return impl_->record_visit(visit_id, actor, data);
  } catch (const std::exception& ex) {
    return make_error(ErrorCode::storage_error, std::string("unexpected failure: ") + ex.what());
  }
}

std::vector<Visit> Engine::visits(const VisitQuery& query) const {
  return impl_->storage.visits(query).value_or_throw();
}

std::uint64_t Engine::count_visits(const VisitQuery& query) const {
  return impl_->storage.count_visits(query).value_or_throw();
}

std::vector<Case> Engine::find(const CaseQuery& query) const { return impl_->storage.query(query).value_or_throw(); }

std::uint64_t Engine::count(const CaseQuery& query) const { return impl_->storage.count(query).value_or_throw(); }

AdvanceReport Engine::advance_to(Instant t) {
  AdvanceReport report;
  impl_->advance(t, report).throw_if_error();
  return report;
}

AdvanceReport Engine::poll() { return advance_to(impl_->clock.now()); }

std::optional<Instant> Engine::next_due() const {
  auto due = impl_->storage.first_due(Instant::max()).value_or_throw();
  if (!due) return std::nullopt;
  return due->at;
}

ListenerId Engine::subscribe(Listener listener) {
  std::lock_guard lock(impl_->listeners_mu);
  auto next = std::make_shared<Impl::ListenerList>(*impl_->listeners);
  const ListenerId id = impl_->next_listener++;
  next->emplace_back(id, std::move(listener));
  impl_->listener_count.store(next->size(), std::memory_order_release);
  impl_->listeners = std::move(next);
  return id;
}

ListenerId Engine::subscribe_configuration(ConfigListener listener) {
  std::lock_guard lock(impl_->listeners_mu);
  auto next = std::make_shared<Impl::ConfigListenerList>(*impl_->config_listeners);
  const ListenerId id = impl_->next_listener++;
  next->emplace_back(id, std::move(listener));
  impl_->config_listeners = std::move(next);
  return id;
}

void Engine::unsubscribe(ListenerId id) {
  std::lock_guard lock(impl_->listeners_mu);
  auto without = [id](const auto& list) {
    auto next = std::make_shared<std::decay_t<decltype(list)>>();
    for (const auto& entry : list)
      if (entry.first != id) next->push_back(entry);
    return next;
  };
  auto next = without(*impl_->listeners);
  impl_->listener_count.store(next->size(), std::memory_order_release);
  impl_->listeners = std::move(next);
  impl_->config_listeners = without(*impl_->config_listeners);
}

Engine::Batch Engine::batch() {
  auto state = std::make_shared<BatchState>();  // before the storage's batch: nothing to undo if it throws
  state->owner = std::this_thread::get_id();
  impl_->storage.begin_batch().throw_if_error();
  std::lock_guard lock(impl_->batch_mu);
  impl_->open_batch = state;
  impl_->batch_open.store(true, std::memory_order_release);
  return Batch(impl_.get(), std::move(state));
}

Engine::Batch::Batch(Impl* engine, std::shared_ptr<BatchState> state) : engine_(engine), state_(std::move(state)) {}
Engine::Batch::Batch(Batch&& other) noexcept
    : engine_(std::exchange(other.engine_, nullptr)), state_(std::move(other.state_)) {}

void Engine::Batch::commit() { end(true); }
void Engine::Batch::rollback() { end(false); }

void Engine::Batch::end(bool keep) {
  if (!engine_) throw Exception(make_error(ErrorCode::storage_error, "this batch was already committed or rolled back"));
  Impl& impl = *std::exchange(engine_, nullptr);
  const std::shared_ptr<BatchState> state = std::move(state_);
  Status s;
  std::vector<std::pair<Event, Case>> held;
  std::vector<std::pair<std::size_t, ConfigRecord>> held_configs;
  {
    std::lock_guard inside(state->mu);
    try {
      s = impl.storage.end_batch(keep);
    } catch (const std::exception& ex) {
      s = make_error(ErrorCode::storage_error, std::string("unexpected failure ending a batch: ") + ex.what());
    }
    state->ended = true;
    held.swap(state->held);
    held_configs.swap(state->held_configs);
  }
  {
    // Another thread's batch may have opened the moment the storage's ended: leave it be.
    std::lock_guard lock(impl.batch_mu);
    if (impl.open_batch == state) {
      impl.open_batch.reset();
      impl.batch_open.store(false, std::memory_order_release);
    }
  }
  // A configuration change rolled back (or lost with a failed commit) is no longer in
  // force: take the store's again.
  if (!held_configs.empty() && (!keep || !s)) (void)impl.refresh_configuration();
  s.throw_if_error();
  if (keep) {
    std::size_t next_config = 0;
    for (std::size_t i = 0; i <= held.size(); ++i) {
      for (; next_config < held_configs.size() && held_configs[next_config].first == i; ++next_config)
        impl.deliver(held_configs[next_config].second);
      if (i < held.size()) impl.deliver(held[i].first, held[i].second);
    }
  }
}

Engine::Batch::~Batch() {
  if (!engine_) return;
  try {
    end(false);
  } catch (...) {
    // A destructor cannot report; the storage discards an unfinished batch either way.
  }
}

ConfigRecord Engine::configuration() const { return *impl_->current_config(); }
BusinessCalendar Engine::calendar() const { return impl_->current_config()->calendar; }
DeadlineRules Engine::rules() const { return impl_->current_config()->rules; }
const Clock& Engine::clock() const { return impl_->clock; }
Storage& Engine::storage() const { return impl_->storage; }

}  // namespace fengqiao
