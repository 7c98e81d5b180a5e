// The engine's state, shared by the translation units of src/engine/ (engine.cpp: actions,
// visits, deadlines, batches; configuration_change.cpp: the configuration in force and its
// changes). Internal to the library.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "fengqiao/engine.hpp"

namespace fengqiao {
namespace engine_detail {

// `what`: "case" or "visit"; both kinds of id have the same bounds.
std::optional<Error> bad_id(const char* what, std::string_view id);

}  // namespace engine_detail

// One open batch of this engine. The owner's commits and the end of the batch take `mu`
// in turn, so each of the owner's events is either inside the batch (held, then delivered
// or dropped with it) or after it (delivered at once), never stranded between the two.
struct Engine::BatchState {
  std::thread::id owner;
  std::mutex mu;
  bool ended = false;
  std::vector<std::pair<Event, Case>> held;
  // Configuration changes made in the batch, each with the number of events held before
  // it: listeners hear of both in the order they happened.
  std::vector<std::pair<std::size_t, ConfigRecord>> held_configs;
};

struct Engine::Impl {
  using ListenerList = std::vector<std::pair<ListenerId, Listener>>;
  using ConfigListenerList = std::vector<std::pair<ListenerId, ConfigListener>>;

  EngineOptions options;
  Storage& storage;
  const Clock& clock;

  std::mutex listeners_mu;
  std::shared_ptr<const ListenerList> listeners = std::make_shared<ListenerList>();
  std::shared_ptr<const ConfigListenerList> config_listeners = std::make_shared<ConfigListenerList>();
  ListenerId next_listener = 1;
  std::atomic<std::size_t> listener_count{0};

  // The open batch. Only its owner's events are held for it: another thread's action
  // never joins the batch (the storage makes it wait), so its event is final when stored.
  std::mutex batch_mu;
  std::shared_ptr<BatchState> open_batch;
  std::atomic<bool> batch_open{false};  // lets actions outside batches skip batch_mu

  // The configuration in force as this engine last read or wrote it. Replaced whole, never
  // changed in place: an action holds the one it started with, whatever happens meanwhile,
  // and the storage refuses its commit (conflict) if that one is no longer the newest.
  mutable std::mutex config_mu;
  std::shared_ptr<const ConfigRecord> config;
  std::mutex update_mu;  // one configuration change at a time per engine

  explicit Impl(EngineOptions o);
  static EngineOptions prepare(EngineOptions o);

  std::shared_ptr<BatchState> own_batch();
  void deliver(const Event& e, const Case& c);
  void deliver(const ConfigRecord& r);
  void report(ListenerId id, const std::string& case_id, std::uint64_t seq, const std::string& what);
  template <class Call>
  void guarded(ListenerId id, const std::string& case_id, std::uint64_t seq, Call&& call);

  // `keep_draft`: the caller needs `draft` afterwards (the stored snapshot); without it
  // the storage may take the snapshot's contents and `draft` is left unspecified.
  Status store(Case& draft, std::uint64_t expected_version, std::uint64_t config_seq, Event event, bool keep_draft);
  Result<std::string> chain_previous(const Case& draft, std::uint64_t expected_version) const;
  bool wants_events() const { return listener_count.load(std::memory_order_acquire) > 0; }
  Result<Instant> fire_due_now();
  Result<Applied> apply(std::string_view case_id, Action action, const Actor& actor, nlohmann::json&& data,
                        bool want_snapshot);
  Status apply_to(Case& draft, std::string_view case_id, Action action, const Actor& actor, nlohmann::json&& data,
                  bool keep_draft, Applied& applied);
  Result<Visit> record_visit(std::string_view id, const Actor& actor, const nlohmann::json& data);
  Status advance(Instant t, AdvanceReport& report);

  // configuration_change.cpp
  std::shared_ptr<const ConfigRecord> current_config() const;
  // Opening: the store's configuration, checked against the options, or the options'
  // recorded as the store's first. Throws Exception.
  void open_configuration();
  // Re-reads the store's newest configuration (after a conflict: another engine may have
  // changed it). Keeps the one in force if the store keeps none.
  Status refresh_configuration();
  Result<ConfigurationChange> update(const std::optional<BusinessCalendar>& calendar,
                                     const std::optional<DeadlineRules>& rules);
  Status apply_change(const ConfigRecord& record, bool recompute, ConfigurationChange& change);
};

}  // namespace fengqiao
