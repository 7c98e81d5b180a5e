#include "fengqiao/engine.hpp"

#include <atomic>
#include <iostream>
#include <mutex>
#include <thread>

#include "fengqiao/memory_storage.hpp"
#include "lifecycle/machine.hpp"

namespace fengqiao {
namespace {

using ListenerList = std::vector<std::pair<ListenerId, Listener>>;

void default_listener_error(const ListenerFailure& f) {
  std::cerr << "fengqiao: listener " << f.listener << " threw on case " << f.case_id << " event " << f.event_seq
            << ": " << f.what << '\n';
}

Error bad_case_id(std::string_view id) {
  return make_error(ErrorCode::invalid_data,
                    id.empty() ? std::string("the case id is empty") : "the case id is longer than 256 bytes");
}

}  // namespace

struct Engine::Impl {
  EngineOptions options;
  Storage& storage;
  const Clock& clock;

  std::mutex listeners_mu;
  std::shared_ptr<const ListenerList> listeners = std::make_shared<ListenerList>();
  ListenerId next_listener = 1;
  std::atomic<std::size_t> listener_count{0};

  // While a batch is open, listener calls wait here until it commits.
  std::mutex batch_mu;
  bool batching = false;
  std::vector<std::pair<Event, Case>> held;

  explicit Impl(EngineOptions o)
      : options(prepare(std::move(o))), storage(*options.storage), clock(*options.clock) {}

  static EngineOptions prepare(EngineOptions o) {
    if (!o.storage) o.storage = std::make_shared<MemoryStorage>();
    if (!o.clock) o.clock = std::make_shared<SystemClock>();
    if (!o.on_listener_error) o.on_listener_error = default_listener_error;
    return o;
  }

  // Runs after the change is stored: listeners in order; one that throws is reported and
  // the others still run.
  void notify(const Event& e, const Case& c) {
    {
      std::lock_guard lock(batch_mu);
      if (batching) {
        held.emplace_back(e, c);
        return;
      }
    }
    deliver(e, c);
  }

  void deliver(const Event& e, const Case& c) {
    std::shared_ptr<const ListenerList> current;
    {
      std::lock_guard lock(listeners_mu);
      current = listeners;
    }
    for (const auto& [id, listener] : *current) {
      try {
        listener(e, c);
      } catch (const std::exception& ex) {
        report(id, e, ex.what());
      } catch (...) {
        report(id, e, "a non-standard exception");
      }
    }
  }

  void report(ListenerId id, const Event& e, const std::string& what) {
    try {
      options.on_listener_error(ListenerFailure{id, e.case_id, e.seq, what});
    } catch (...) {
      // The error handler itself failed; nothing sensible is left to tell.
    }
  }

  // Commits one event with the snapshot it produced; on success `draft` is the stored
  // snapshot and the listeners have been called.
  Status store(Case& draft, std::uint64_t expected_version, Event event) {
    // Copy-constructed in place: cheaper than assigning over a default snapshot.
    CaseCommit commit{draft, expected_version, {}, {}};
    if (options.outbox) {
      commit.outbox = options.outbox(event, draft);
      // A policy need not repeat what the engine knows.
      for (OutboxMessage& m : commit.outbox) {
        if (m.case_id.empty()) m.case_id = draft.id;
        if (m.event_seq == 0) m.event_seq = event.seq;
      }
    }
    // Without listeners the storage may take the event; with them it gets the commit to
    // read only, and the listeners are handed the commit's own event (no copy of it).
    commit.events.push_back(std::move(event));
    if (!wants_events()) return storage.commit(std::move(commit));
    Status s = storage.commit(static_cast<const CaseCommit&>(commit));
    if (s) notify(commit.events.front(), draft);
    return s;
  }

  bool wants_events() const { return listener_count.load(std::memory_order_acquire) > 0; }

  Result<Case> act(std::string_view case_id, Action action, const Actor& actor, const nlohmann::json& data) {
    if (case_id.empty() || case_id.size() > 256) return bad_case_id(case_id);
    AdvanceReport report;
    if (Status s = advance(clock.now(), report); !s) return s.error();

    auto loaded = storage.load(case_id);
    if (action == Action::register_case) {
      if (loaded) return make_error(ErrorCode::duplicate_case, "case \"" + std::string(case_id) + "\" already exists");
      if (loaded.error().code != ErrorCode::unknown_case) return loaded.error();
    } else if (!loaded) {
      return loaded.error();
    }
    Case draft = loaded ? std::move(loaded).value() : Case{};
    if (!loaded) draft.id = std::string(case_id);
    const std::uint64_t expected = draft.version;
    // Per-case history stays in time order even if the clock steps back.
    const Instant now = std::max(clock.now(), draft.updated_at);
    static const nlohmann::json kEmpty = nlohmann::json::object();
    const nlohmann::json& input = data.is_null() ? kEmpty : data;
    detail::Transition t{draft, action, actor, input, now, options.calendar, options.rules, std::nullopt, {}};
    if (auto refusal = detail::run_action(t)) return *refusal;

    // Aggregate-initialised: `data` is copied once instead of replacing a default `{}`.
    Event e{draft.id, expected + 1, now, EventType::action, action, actor, input, std::nullopt, 0,
            std::move(t.notified), draft.state, {}};
    if (action == Action::register_case) e.notice = draft.notice;
    draft.version = e.seq;
    if (Status s = store(draft, expected, std::move(e)); !s) return s.error();
    return draft;
  }

  // Fires due steps one at a time, always the globally first (instant, case id), so the
  // order is LIFECYCLE.md's whatever the storage.
  Status advance(Instant t, AdvanceReport& report) {
    for (;;) {
      auto due = storage.first_due(t);
      if (!due) return due.error();
      if (!*due) return Status::success();
      const DueEntry entry = **due;
      auto loaded = storage.load(entry.case_id);
      if (!loaded) {
        if (loaded.error().code == ErrorCode::unknown_case) continue;  // raced with a rollback; ask again
        return loaded.error();
      }
      Case draft = std::move(loaded).value();
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
      draft.version = e.seq;
      Status s = store(draft, expected, std::move(e));
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
};

Engine::Engine(EngineOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Engine::~Engine() = default;

Case Engine::register_case(const std::string& case_id, const Actor& actor, const nlohmann::json& data) {
  return act(case_id, Action::register_case, actor, data);
}

Result<Case> Engine::try_register_case(const std::string& case_id, const Actor& actor,
                                       const nlohmann::json& data) noexcept {
  return try_act(case_id, Action::register_case, actor, data);
}

Case Engine::act(std::string_view case_id, Action action, const Actor& actor, const nlohmann::json& data) {
  return impl_->act(case_id, action, actor, data).value_or_throw();
}

Result<Case> Engine::try_act(std::string_view case_id, Action action, const Actor& actor,
                             const nlohmann::json& data) noexcept {
  try {
    return impl_->act(case_id, action, actor, data);
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
  auto next = std::make_shared<ListenerList>(*impl_->listeners);
  const ListenerId id = impl_->next_listener++;
  next->emplace_back(id, std::move(listener));
  impl_->listener_count.store(next->size(), std::memory_order_release);
  impl_->listeners = std::move(next);
  return id;
}

void Engine::unsubscribe(ListenerId id) {
  std::lock_guard lock(impl_->listeners_mu);
  auto next = std::make_shared<ListenerList>();
  for (const auto& entry : *impl_->listeners)
    if (entry.first != id) next->push_back(entry);
  impl_->listener_count.store(next->size(), std::memory_order_release);
  impl_->listeners = std::move(next);
}

Engine::Batch Engine::batch() {
  impl_->storage.begin_batch().throw_if_error();
  std::lock_guard lock(impl_->batch_mu);
  impl_->batching = true;
  return Batch(this);
}

Engine::Batch::Batch(Engine* engine) : engine_(engine) {}
Engine::Batch::Batch(Batch&& other) noexcept : engine_(std::exchange(other.engine_, nullptr)) {}

void Engine::Batch::commit() {
  if (!engine_) throw Exception(make_error(ErrorCode::storage_error, "this batch was already committed or rolled back"));
  Impl& impl = *std::exchange(engine_, nullptr)->impl_;
  Status s = impl.storage.end_batch(true);
  std::vector<std::pair<Event, Case>> held;
  {
    std::lock_guard lock(impl.batch_mu);
    impl.batching = false;
    held.swap(impl.held);
  }
  s.throw_if_error();
  for (const auto& [e, c] : held) impl.deliver(e, c);
}

Engine::Batch::~Batch() {
  if (!engine_) return;
  Impl& impl = *engine_->impl_;
  (void)impl.storage.end_batch(false);
  std::lock_guard lock(impl.batch_mu);
  impl.batching = false;
  impl.held.clear();
}

const BusinessCalendar& Engine::calendar() const { return impl_->options.calendar; }
const DeadlineRules& Engine::rules() const { return impl_->options.rules; }
const Clock& Engine::clock() const { return impl_->clock; }
Storage& Engine::storage() const { return impl_->storage; }

}  // namespace fengqiao
