// The configuration in force and its changes (LIFECYCLE.md "Calendar updates"): what the
// engine reads from the store when it opens, and how a new calendar reaches every open
// clock.
#include <mutex>

#include "deadline/stage_clock.hpp"
#include "engine/engine_impl.hpp"

namespace fengqiao {
namespace {

// Records seq 1 when a store keeps no configuration: what the caller gave, else defaults.
ConfigRecord first_record(const EngineOptions& o, Instant now) {
  ConfigRecord r;
  r.seq = 1;
  r.at = now;
  if (o.calendar) r.calendar = *o.calendar;
  if (o.rules) r.rules = *o.rules;
  return r;
}

// A stored configuration that differs from the one given is refused unless adopted: an
// engine with another calendar would give the store's cases other deadlines than the
// ones they hold.
void check_given(const EngineOptions& o, const ConfigRecord& stored) {
  if (o.adopt_stored_configuration) return;
  std::string diff;
  if (o.calendar) {
    const std::string d = describe_difference(stored.calendar, *o.calendar);
    if (!d.empty()) diff = "its calendar differs from the given one: " + d + " (the store's against the given)";
  }
  if (o.rules) {
    const std::string d = describe_difference(stored.rules, *o.rules);
    if (!d.empty()) diff += (diff.empty() ? "" : "; ") + std::string("its rules differ from the given ones: ") + d;
  }
  if (diff.empty()) return;
  throw Exception(make_error(ErrorCode::invalid_config,
                             "the store keeps configuration " + std::to_string(stored.seq) + " and " + diff +
                                 ". Give none to use the store's, set EngineOptions::adopt_stored_configuration, "
                                 "or change it with Engine::update_configuration"));
}

}  // namespace

std::shared_ptr<const ConfigRecord> Engine::Impl::current_config() const {
  std::lock_guard lock(config_mu);
  return config;
}

void Engine::Impl::open_configuration() {
  for (int attempt = 0;; ++attempt) {
    auto stored = storage.configuration();
    if (!stored) throw Exception(stored.error());
    if (*stored) {
      check_given(options, **stored);
      config = std::make_shared<const ConfigRecord>(std::move(**stored));
      return;
    }
    ConfigRecord first = first_record(options, clock.now());
    Status s = storage.commit_configuration(ConfigCommit{first, {}});
    if (s) {
      config = std::make_shared<const ConfigRecord>(std::move(first));
      return;
    }
    // Another engine recorded the store's first configuration meanwhile: check against it.
    if (s.error().code == ErrorCode::conflict && attempt == 0) continue;
    if (s.error().code != ErrorCode::storage_error) throw Exception(s.error());
    // A store that cannot record it (opened read-only) is used with the given one.
    first.seq = 0;
    config = std::make_shared<const ConfigRecord>(std::move(first));
    return;
  }
}

Status Engine::Impl::refresh_configuration() {
  auto stored = storage.configuration();
  if (!stored) return stored.error();
  if (!*stored) return Status::success();
  std::lock_guard lock(config_mu);
  if (!config || config->seq != (*stored)->seq) config = std::make_shared<const ConfigRecord>(std::move(**stored));
  return Status::success();
}

Result<ConfigurationChange> Engine::Impl::update(const std::optional<BusinessCalendar>& calendar,
                                                 const std::optional<DeadlineRules>& rules) {
  if (!calendar && !rules)
    return make_error(ErrorCode::invalid_config, "a configuration change names a calendar, rules or both");
  std::lock_guard one_at_a_time(update_mu);
  const auto now = fire_due_now();
  if (!now) return now.error();
  if (Status s = refresh_configuration(); !s) return s.error();
  const std::shared_ptr<const ConfigRecord> in_force = current_config();
  if (calendar)
    if (Status s = check_calendar_update(in_force->calendar, *calendar, *now); !s) return s.error();

  ConfigRecord next = *in_force;
  next.seq = in_force->seq + 1;
  next.at = *now;
  next.calendar_changed = calendar.has_value();
  next.rules_changed = rules.has_value();
  if (calendar) next.calendar = *calendar;
  if (rules) next.rules = *rules;

  // Atomic with the recomputed snapshots: inside this thread's batch, else a batch of its own.
  std::shared_ptr<BatchState> batch = own_batch();
  if (!batch)
    if (Status s = storage.begin_batch(); !s) return s.error();
  ConfigurationChange change;
  Status applied = apply_change(next, calendar.has_value(), change);
  if (!batch) {
    Status ended = storage.end_batch(applied.ok());
    if (applied && !ended) applied = ended;
  }
  if (!applied) {
    if (applied.error().code == ErrorCode::conflict) (void)refresh_configuration();
    return applied.error();
  }
  {
    std::lock_guard lock(config_mu);
    config = std::make_shared<const ConfigRecord>(next);
  }
  if (batch) {
    std::lock_guard inside(batch->mu);
    if (!batch->ended) {
      batch->held_configs.emplace_back(batch->held.size(), next);
      return change;
    }
  }
  deliver(next);
  return change;
}

// The record, its messages and every open case's recomputed clocks; the caller's batch
// makes them one change.
Status Engine::Impl::apply_change(const ConfigRecord& record, bool recompute, ConfigurationChange& change) {
  ConfigCommit commit{record, {}};
  if (options.configuration_outbox) {
    commit.outbox = options.configuration_outbox(record);
    for (OutboxMessage& m : commit.outbox)
      if (m.event_seq == 0) m.event_seq = record.seq;
  }
  if (Status s = storage.commit_configuration(commit); !s) return s;
  change.record = record;
  if (!recompute) return Status::success();
  Status failed = Status::success();
  Status walked = for_each_case(storage, CaseQuery{}, [&](const Case& stored) {
    if (stored.state == State::closed || stored.state == State::withdrawn) return true;
    Case c = stored;
    bool moved = false;
    // Every clock the case holds, the handling clock held during a consultation too.
    if (c.clock) moved |= detail::recompute_instants(*c.clock, record.calendar);
    if (c.held_clock) moved |= detail::recompute_instants(*c.held_clock, record.calendar);
    if (!moved) return true;
    failed = storage.rewrite_snapshot(c);
    if (!failed) return false;
    ++change.clocks_recomputed;
    return true;
  });
  return failed ? walked : failed;
}


}  // namespace fengqiao

namespace fengqiao {

ConfigurationChange Engine::update_calendar(const BusinessCalendar& calendar) {
  return impl_->update(calendar, std::nullopt).value_or_throw();
}

ConfigurationChange Engine::update_rules(const DeadlineRules& rules) {
  return impl_->update(std::nullopt, rules).value_or_throw();
}

ConfigurationChange Engine::update_configuration(const std::optional<BusinessCalendar>& calendar,
                                                 const std::optional<DeadlineRules>& rules) {
  return impl_->update(calendar, rules).value_or_throw();
}

Result<ConfigurationChange> Engine::try_update_configuration(const std::optional<BusinessCalendar>& calendar,
                                                             const std::optional<DeadlineRules>& rules) noexcept {
  try {
    return impl_->update(calendar, rules);
  } catch (const std::exception& ex) {
    return make_error(ErrorCode::storage_error, std::string("unexpected failure: ") + ex.what());
  }
}

std::vector<ConfigRecord> Engine::configuration_history() const {
  std::vector<ConfigRecord> out;
  impl_->storage
      .read_configurations(1,
                           [&](const ConfigRecord& r) {
                             out.push_back(r);
                             return true;
                           })
      .throw_if_error();
  return out;
}

}  // namespace fengqiao
