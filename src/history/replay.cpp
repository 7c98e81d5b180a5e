#include "fengqiao/replay.hpp"

#include <deque>
#include <istream>
#include <sstream>
#include <unordered_set>

#include "fengqiao/engine.hpp"
#include "fengqiao/history.hpp"
#include "fengqiao/memory_storage.hpp"

namespace fengqiao {
namespace {

using history::Line;

std::string describe_event(const std::string& case_id, EventType type, Stage stage, int level, Instant at,
                           UtcOffset offset) {
  std::string s = std::string(to_string(type)) + " " + std::string(to_string(stage));
  if (type == EventType::escalated) s += " level " + std::to_string(level);
  return s + " of " + case_id + " at " + format_instant(at, offset);
}

// An engine event as a structured value (ReplayFailure::expected_value / actual_value).
nlohmann::json event_value(const std::string& case_id, EventType type, Stage stage, int level, Instant at,
                           UtcOffset offset) {
  return {{"case", case_id}, {"event", to_string(type)}, {"stage", to_string(stage)}, {"level", level},
          {"at", format_instant(at, offset)}};
}
nlohmann::json event_value(const Event& e, UtcOffset offset) {
  return event_value(e.case_id, e.type, *e.stage, e.level, e.at, offset);
}

template <class T>
std::string show(const std::optional<T>& v) {
  if (!v) return "null";
  if constexpr (std::is_same_v<T, std::string>) return "\"" + *v + "\"";
  else return std::string(to_string(*v));
}
// The same value as JSON: null for none, a string otherwise.
template <class T>
nlohmann::json value_of(const std::optional<T>& v) {
  if (!v) return nullptr;
  if constexpr (std::is_same_v<T, std::string>) return *v;
  else return std::string(to_string(*v));
}

// A failure without structured values yet (each field assigned: the struct has more).
ReplayFailure failure_of(ReplayFailure::Kind kind, std::size_t line, std::string case_id, std::string expected,
                         std::string actual, std::string message) {
  ReplayFailure f;
  f.kind = kind;
  f.line = line;
  f.case_id = std::move(case_id);
  f.expected = std::move(expected);
  f.actual = std::move(actual);
  f.message = std::move(message);
  return f;
}

// Which deadline a failure is about, to tell it apart from others of the same clock.
struct EventIdentity {
  std::string case_id;
  EventType type;
  Stage stage;
  int level;
  bool operator==(const EventIdentity& o) const {
    return case_id == o.case_id && type == o.type && stage == o.stage && level == o.level;
  }
};

// Removes the first element equal to `x`; whether there was one.
bool take(std::vector<EventIdentity>& list, const EventIdentity& x) {
  for (auto it = list.begin(); it != list.end(); ++it)
    if (*it == x) {
      list.erase(it);
      return true;
    }
  return false;
}

// Whether `t` is 24:00 of a day in the calendar's offset (where day-counted instants fall).
bool at_day_end(Instant t, const BusinessCalendar& cal) { return cal.start_of(cal.day_of(t)) == t; }

// The hint of a deadline divergence when the calendar is the likely cause: the history's
// instant ends a day the engine does not work, or holidays or make-up days lie between the
// clock's start and the later of the two instants while both end whole days.
std::string calendar_hint(const DeadlineExplanation& x, Instant expected, Instant actual, const BusinessCalendar& cal) {
  if (expected == actual || !at_day_end(expected, cal) || !at_day_end(actual, cal)) return "";
  const DayNumber expected_day = cal.day_of(expected) - 1, actual_day = cal.day_of(actual) - 1;
  if (!cal.is_working_day(expected_day))
    return "the history puts it at 24:00 of " + format_date(BusinessCalendar::to_date(expected_day)) +
           ", a day the engine's calendar does not work: the history was likely recorded with a calendar that "
           "worked it (check the header's calendar and the configuration lines)";
  // The explanation's holidays and make-up days are those that change a day (a holiday on
  // a weekday, a make-up day on a weekend day), from the clock's start day on.
  const DayNumber to = std::max(expected_day, actual_day);
  std::vector<std::string> listed;
  for (const Date& d : x.holidays)
    if (BusinessCalendar::to_day_number(d) <= to) listed.push_back(format_date(d) + " (holiday)");
  for (const Date& d : x.makeup_days)
    if (BusinessCalendar::to_day_number(d) <= to) listed.push_back(format_date(d) + " (make-up working day)");
  if (listed.empty()) return "";
  std::int64_t apart = 0;  // working days between the two ends
  for (DayNumber d = std::min(expected_day, actual_day) + 1; d <= to; ++d) apart += cal.is_working_day(d) ? 1 : 0;
  std::string days;
  for (std::size_t i = 0; i < listed.size() && i < 8; ++i) days += (i ? ", " : "") + listed[i];
  if (listed.size() > 8) days += ", …";
  return "the history's instant is " + std::to_string(apart) + " working day" + (apart == 1 ? "" : "s") +
         (expected < actual ? " earlier" : " later") + " than the engine's, and the engine's calendar lists " + days +
         " in between: the calendar is the likely cause (check the header's calendar and the configuration lines)";
}

class Replayer {
 public:
  // Throws Exception when the engine cannot open on options.storage.
  Replayer(const history::Header& header, const ReplayOptions& options, ReplayResult& result)
      : offset_(header.utc_offset),
        result_(result),
        require_hashes_(options.require_hashes),
        keep_going_(options.keep_going) {
    clock_ = std::make_shared<ManualClock>();
    EngineOptions o;
    o.storage = options.storage ? options.storage
                                : std::make_shared<MemoryStorage>(MemoryStorageOptions{/*keep_events=*/false});
    o.clock = clock_;
    o.calendar = header.calendar;
    o.rules = header.rules;
    storage_ = o.storage;
    engine_ = std::make_unique<Engine>(std::move(o));
    engine_->subscribe([this](const Event& e, const Case&) {
      if (e.type != EventType::action) generated_.push_back(e);
    });
  }

  // Applies one line; returns false when the replay must stop (a failure, unless keeping
  // going).
  bool apply(const Line& line) {
    clock_->set(line.at);
    try {
      engine_->advance_to(line.at);
    } catch (const Exception& e) {
      return fail(ReplayFailure::Kind::unexpected_error, line, "", "deadline events fire", e.what(),
                  {{"deadline_events", "fire"}}, {{"error", e.what()}});
    }
    if (line.kind == Line::Kind::event) return match_event(line);
    // A line of another kind: every event generated so far must have been recorded.
    if (!generated_.empty()) {
      if (seen_event_lines_ && !unrecorded(line)) return false;
      if (!first_unrecorded_ && !generated_.empty()) first_unrecorded_ = std::make_pair(generated_.front(), line.number);
      generated_.clear();
    }
    switch (line.kind) {
      case Line::Kind::tick: return true;
      case Line::Kind::action: return act(line);
      case Line::Kind::expectation: return check(line);
      case Line::Kind::visit: return visit(line);
      case Line::Kind::config: return configure(line);
      default: return true;
    }
  }

  // After the last line: generated events not recorded are divergences too.
  bool finish(std::size_t last_line) {
    if (generated_.empty()) return true;
    if (!seen_event_lines_) return true;
    Line end;
    end.number = last_line;
    return unrecorded(end);
  }

 private:
  // Records a failure; returns whether the replay goes on (only when keeping going).
  bool fail(ReplayFailure::Kind kind, const Line& line, const std::string& case_id, std::string expected,
            std::string actual, nlohmann::json expected_value, nlohmann::json actual_value) {
    ReplayFailure f = failure_of(kind, line.number, case_id, std::move(expected), std::move(actual), "");
    f.message = "line " + std::to_string(f.line) + (case_id.empty() ? "" : " (case " + case_id + ")") + ": " +
                std::string(to_string(kind)) + ": the history says " + f.expected + ", the engine " + f.actual;
    f.expected_value = std::move(expected_value);
    f.actual_value = std::move(actual_value);
    f.offset = offset_;
    result_.failures.push_back(std::move(f));
    return keep_going_;
  }

  // The explanation of the case's clock of `stage` (running, stopped or held) in the
  // engine, with a hint when `expected` and `actual` are two instants of the same step.
  void explain(const std::string& case_id, Stage stage, std::optional<Instant> expected,
               std::optional<Instant> actual) {
    auto c = engine_->try_get(case_id);
    if (!c) return;
    const StageClock* clock = c->clock && c->clock->stage == stage             ? &*c->clock
                              : c->held_clock && c->held_clock->stage == stage ? &*c->held_clock
                                                                               : nullptr;
    if (!clock) return;
    const BusinessCalendar cal = engine_->calendar();
    ReplayFailure& f = result_.failures.back();
    f.explanation = explain_deadlines(*clock, cal);
    if (expected && actual) f.hint = calendar_hint(*f.explanation, *expected, *actual, cal);
  }

  // Generated events not recorded before `line`: one failure each (the first only, when
  // stopping at it), except those already reported as recorded but not generated by then.
  bool unrecorded(const Line& line) {
    while (!generated_.empty()) {
      const Event e = generated_.front();
      generated_.pop_front();
      if (take(awaited_, {e.case_id, e.type, *e.stage, e.level})) continue;
      const bool go_on = fail(ReplayFailure::Kind::divergence, line, e.case_id, "no further engine event before this line",
                              "generated " + describe_event(e.case_id, e.type, *e.stage, e.level, e.at, offset_),
                              nullptr, event_value(e, offset_));
      explain(e.case_id, *e.stage, std::nullopt, std::nullopt);
      if (!go_on) return false;
      reported_generated_.push_back({e.case_id, e.type, *e.stage, e.level});
    }
    return true;
  }

  // Generated events already reported as recorded earlier (keep-going) are not compared
  // again with the lines after them.
  void drop_awaited() {
    for (auto it = generated_.begin(); it != generated_.end();)
      it = take(awaited_, {it->case_id, it->type, *it->stage, it->level}) ? generated_.erase(it) : std::next(it);
  }

  bool match_event(const Line& line) {
    if (!seen_event_lines_ && first_unrecorded_) {
      // Events fired before the first event line were not recorded: now we know they had to be.
      const auto [e, at_line] = *first_unrecorded_;
      first_unrecorded_.reset();
      Line where;
      where.number = at_line;
      if (!fail(ReplayFailure::Kind::divergence, where, e.case_id, "no engine event before this line",
                "generated " + describe_event(e.case_id, e.type, *e.stage, e.level, e.at, offset_), nullptr,
                event_value(e, offset_)))
        return false;
    }
    seen_event_lines_ = true;
    drop_awaited();
    // Built only for a failure: most event lines match, and formatting them cost more than
    // matching them.
    const auto recorded = [&] {
      return describe_event(line.case_id, line.event, line.stage, line.level, line.at, offset_);
    };
    const auto recorded_value = [&] {
      return event_value(line.case_id, line.event, line.stage, line.event == EventType::escalated ? line.level : 0,
                         line.at, offset_);
    };
    const EventIdentity identity{line.case_id, line.event, line.stage,
                                 line.event == EventType::escalated ? line.level : 0};
    if (generated_.empty()) {
      // Already reported as generated earlier than recorded (keep-going): not a second failure.
      if (take(reported_generated_, identity)) return true;
      std::string actual = "generated nothing by then";
      nlohmann::json actual_value = {{"event", nullptr}, {"next", nullptr}};
      std::optional<Instant> next_at;
      if (auto c = engine_->try_get(line.case_id); c && c->next_due()) {
        const ClockStep next = *c->next_due();
        actual += " (the case's next is " +
                  describe_event(line.case_id, next.type, c->clock->stage, next.level, next.at, offset_) + ")";
        actual_value["next"] = event_value(line.case_id, next.type, c->clock->stage, next.level, next.at, offset_);
        // The same step, due later: the engine will generate it then, and that is this failure.
        const EventIdentity later{line.case_id, next.type, c->clock->stage, next.level};
        if (later == identity) {
          next_at = next.at;
          awaited_.push_back(later);
        }
      }
      const bool go_on = fail(ReplayFailure::Kind::divergence, line, line.case_id, recorded(), actual,
                              recorded_value(), std::move(actual_value));
      explain(line.case_id, line.stage, line.at, next_at);
      return go_on;
    }
    const Event e = std::move(generated_.front());
    generated_.pop_front();
    if (e.case_id != line.case_id || e.type != line.event || *e.stage != line.stage ||
        (e.type == EventType::escalated && e.level != line.level) || e.at != line.at) {
      const bool go_on = fail(ReplayFailure::Kind::divergence, line, line.case_id, recorded(),
                              "generated " + describe_event(e.case_id, e.type, *e.stage, e.level, e.at, offset_),
                              recorded_value(), event_value(e, offset_));
      const bool same_step = EventIdentity{e.case_id, e.type, *e.stage, e.level} == identity;
      explain(line.case_id, line.stage, line.at, same_step ? std::optional<Instant>(e.at) : std::nullopt);
      return go_on;
    }
    ++result_.events_checked;
    return same_hash(line, e.seq, e.hash);
  }

  // The line's "hash" against the hash of the event the replay stored for it. The replayed
  // event chains from the replayed history, so a difference says that this event, or one
  // before it in the case, is not the one that was chained.
  bool same_hash(const Line& line, std::uint64_t seq, const std::string& replayed) {
    const std::string event = "event " + std::to_string(seq) + " of " + line.case_id;
    if (line.hash.empty()) {
      if (!require_hashes_) return true;
      return fail(ReplayFailure::Kind::divergence, line, line.case_id, "a hash for " + event,
                  "found none on the line (recomputed " + replayed +
                      "); an export with masked personal data carries no hashes from a case's first "
                      "masked registration on: export it with personal data to verify it",
                  {{"event_seq", seq}, {"hash", nullptr}}, {{"event_seq", seq}, {"hash", replayed}});
    }
    if (line.hash != replayed)
      return fail(ReplayFailure::Kind::divergence, line, line.case_id, event + " with hash " + line.hash,
                  "recomputed " + replayed + " (this event, or one before it in the case, is not the one chained)",
                  {{"event_seq", seq}, {"hash", line.hash}}, {{"event_seq", seq}, {"hash", replayed}});
    ++result_.hashes_checked;
    return true;
  }

  bool act(const Line& line) {
    ++result_.actions;
    auto r = engine_->try_act(line.case_id, line.action, line.actor, line.data);
    if (!judge(line, line.case_id, r, [&] {
          return Subject{std::string(to_string(line.action)) + " by " + line.actor.id,
                         {{"action", to_string(line.action)}, {"by", line.actor.id}}};
        }))
      return false;
    if (r && line.action == Action::register_case) ++result_.cases;
    // The action's event is the newest of its case: its hash is the snapshot's head.
    if (r) return same_hash(line, r->version, r->chain_head);
    return true;
  }

  bool visit(const Line& line) {
    ++result_.visits;
    auto r = engine_->try_record_visit(line.visit_id, line.actor, line.data);
    return judge(line, "", r, [&] {
      return Subject{"visit " + line.visit_id + " by " + line.actor.id, {{"visit", line.visit_id}, {"by", line.actor.id}}};
    });
  }

  bool configure(const Line& line) {
    ++result_.config_changes;
    auto request = history::configuration_of(line, offset_);
    const Result<ConfigurationChange> r =
        request ? engine_->try_update_configuration(request->calendar, request->rules)
                : Result<ConfigurationChange>(request.error());
    return judge(line, "", r, [&] { return Subject{"the configuration change", {{"config", line.config}}}; });
  }

  // What a line asked for, as a failure names it: "dispatch by u-1" and {"action":..,"by":..}.
  struct Subject {
    std::string what;
    nlohmann::json value;
  };

  // Whether the engine's answer to an action or visit line is what the line expects.
  // `subject_of()` names the line (a Subject; the values add its "result"); it is called
  // only for a failure, since naming costs more than judging the usual line.
  template <class T, class SubjectOf>
  bool judge(const Line& line, const std::string& case_id, const Result<T>& r, const SubjectOf& subject_of) {
    if (line.expect_error ? !r && r.error().code == *line.expect_error : r.ok()) return true;
    const Subject named = subject_of();
    const std::string& what = named.what;
    const nlohmann::json& subject = named.value;
    auto result = [&](const char* outcome, const Error* error) {
      nlohmann::json v = subject;
      v["result"] = outcome;
      if (error) v["error"] = {{"code", to_string(error->code)}, {"message", error->message}};
      return v;
    };
    nlohmann::json actual = r ? result("accepted", nullptr) : result("refused", &r.error());
    if (line.expect_error) {
      const std::string want = what + " refused with " + std::string(to_string(*line.expect_error));
      nlohmann::json expected = result("refused", nullptr);
      expected["error"] = {{"code", to_string(*line.expect_error)}};
      if (r) return fail(ReplayFailure::Kind::missing_error, line, case_id, want, "accepted it", expected, actual);
      if (r.error().code != *line.expect_error)
        return fail(ReplayFailure::Kind::missing_error, line, case_id, want, "refused it with " + r.error().describe(),
                    expected, actual);
      return true;
    }
    if (!r)
      return fail(ReplayFailure::Kind::unexpected_error, line, case_id, what + " succeeds",
                  "refused it with " + r.error().describe(), result("accepted", nullptr), actual);
    return true;
  }

  // The case into snapshot_, as Engine::try_get reads it (an adapter's exception
  // becomes a storage_error).
  Status load(const std::string& case_id) {
    try {
      return storage_->load_into(case_id, snapshot_);
    } catch (const std::exception& ex) {
      return make_error(ErrorCode::storage_error, std::string("unexpected failure: ") + ex.what());
    }
  }

  bool check(const Line& line) {
    ++result_.expectations;
    // What Engine::try_get reads, into one Case kept from line to line (an expectation
    // line is every sixth of a long history; a fresh Case each was most of its cost).
    if (Status got = load(line.case_id); !got)
      return fail(ReplayFailure::Kind::expectation, line, line.case_id, "the case exists", got.error().describe(),
                  {{"case", "exists"}}, {{"case", nullptr}, {"error", to_string(got.error().code)}});
    const Case& c = snapshot_;
    const history::Expectation& x = line.expect;
    // One failure per key that differs (each, when keeping going; else the first).
    auto differs = [&](const char* key, const std::string& want, const std::string& have, nlohmann::json want_value,
                       nlohmann::json have_value) {
      return fail(ReplayFailure::Kind::expectation, line, line.case_id, std::string(key) + " = " + want,
                  "has " + std::string(key) + " = " + have, {{key, std::move(want_value)}}, {{key, std::move(have_value)}});
    };
    auto number = [&](const char* key, std::int64_t want, std::int64_t have) {
      return differs(key, std::to_string(want), std::to_string(have), want, have);
    };
    auto optional = [&](const char* key, const auto& want, const auto& have) {
      return differs(key, show(want), show(have), value_of(want), value_of(have));
    };
    const std::optional<State> state = c.state;
    const std::optional<Supervision> supervision = c.supervision;
    if (x.state && *x.state != state && !optional("state", *x.state, state)) return false;
    if (x.supervision && *x.supervision != supervision && !optional("supervision", *x.supervision, supervision))
      return false;
    if (x.level && *x.level != c.level && !number("level", *x.level, c.level)) return false;
    if (x.outcome && *x.outcome != c.outcome && !optional("outcome", *x.outcome, c.outcome)) return false;
    if (x.lead && *x.lead != c.lead && !optional("lead", *x.lead, c.lead)) return false;
    if (x.reopened && *x.reopened != c.reopened && !number("reopened", *x.reopened, c.reopened)) return false;
    if (x.deadline && *x.deadline != c.deadline()) {
      auto text = [&](const std::optional<Instant>& t) {
        return t ? format_instant(*t, offset_) : std::string("null");
      };
      auto value = [&](const std::optional<Instant>& t) { return t ? nlohmann::json(text(t)) : nlohmann::json(nullptr); };
      const bool go_on = differs("deadline", text(*x.deadline), text(c.deadline()), value(*x.deadline), value(c.deadline()));
      const StageClock* clock = c.clock ? &*c.clock : nullptr;
      if (clock) explain(c.id, clock->stage, *x.deadline, c.deadline());
      if (!go_on) return false;
    }
    if (x.assignee && *x.assignee != c.assignee && !optional("assignee", *x.assignee, c.assignee)) return false;
    if (x.notes && *x.notes != c.notes && !number("notes", *x.notes, c.notes)) return false;
    if (x.notice && *x.notice != c.notice &&
        !differs("notice", nlohmann::json(*x.notice).dump(), nlohmann::json(c.notice).dump(), *x.notice, c.notice))
      return false;
    return true;
  }

  UtcOffset offset_;
  ReplayResult& result_;
  std::shared_ptr<ManualClock> clock_;
  std::shared_ptr<Storage> storage_;  // the engine's
  std::unique_ptr<Engine> engine_;
  Case snapshot_;                     // check()'s
  bool require_hashes_;
  bool keep_going_;
  std::deque<Event> generated_;  // engine events not yet matched with a recorded line
  bool seen_event_lines_ = false;
  std::optional<std::pair<Event, std::size_t>> first_unrecorded_;
  // Keep-going bookkeeping, so that one deadline at another instant is one failure, not
  // two: events recorded but not generated by then, whose step the engine will generate
  // later; and events generated earlier than recorded, whose line will come later.
  std::vector<EventIdentity> awaited_;
  std::vector<EventIdentity> reported_generated_;
};

}  // namespace

std::string_view to_string(ReplayFailure::Kind kind) noexcept {
  switch (kind) {
    case ReplayFailure::Kind::invalid_history: return "invalid_history";
    case ReplayFailure::Kind::divergence: return "divergence";
    case ReplayFailure::Kind::expectation: return "expectation";
    case ReplayFailure::Kind::unexpected_error: return "unexpected_error";
    case ReplayFailure::Kind::missing_error: return "missing_error";
  }
  return "unknown";
}

ReplayResult replay(std::istream& in, const ReplayOptions& options) {
  ReplayResult result;
  result.source = options.source;
  history::Reader reader(in);
  // The first failure is `failure`, for the callers that stop at it.
  auto done = [&]() -> ReplayResult& {
    if (!result.failures.empty()) result.failure = result.failures.front();
    return result;
  };
  auto invalid = [&](const Error& e) -> ReplayResult& {
    result.failures.push_back(
        failure_of(ReplayFailure::Kind::invalid_history, reader.line_number(), "", "", "", e.describe()));
    return done();
  };
  auto header = reader.header();
  if (!header) return invalid(header.error());
  result.lines = 1;
  std::optional<Replayer> opened;
  try {
    opened.emplace(*header, options, result);
  } catch (const Exception& e) {
    ReplayFailure f =
        failure_of(ReplayFailure::Kind::unexpected_error, 1, "", "the engine opens on the storage", e.what(), "");
    f.message = "line 1: unexpected_error: the engine could not open on the storage: " + std::string(e.what());
    f.expected_value = {{"engine", "opens"}};
    f.actual_value = {{"engine", "refused"}, {"error", {{"code", to_string(e.code())}, {"message", e.what()}}}};
    result.failures.push_back(std::move(f));
    return done();
  }
  Replayer& replayer = *opened;
  std::size_t last = 1;
  for (;;) {
    auto line = reader.next();
    if (!line) return invalid(line.error());
    if (!*line) break;
    ++result.lines;
    last = (*line)->number;
    if (options.on_progress && options.progress_every && result.lines % options.progress_every == 0)
      options.on_progress(result.lines);
    if (!replayer.apply(**line)) return done();
  }
  replayer.finish(last);
  return done();
}

ReplayResult history::verify(std::istream& in, ReplayOptions options) {
  options.require_hashes = true;
  return replay(in, options);
}

namespace {

// One failure's block of describe(): where, what the history says, what the engine did,
// and for a deadline why the engine's instant is where it is.
void describe_failure(std::ostream& out, const std::string& source, const ReplayFailure& f) {
  out << source << ": " << to_string(f.kind) << " at line " << f.line << '\n';
  if (f.kind == ReplayFailure::Kind::invalid_history) {
    out << "  " << f.message;
    return;
  }
  if (!f.case_id.empty()) out << "  case:     " << f.case_id << '\n';
  out << "  expected: " << f.expected << '\n' << "  engine:   " << f.actual;
  if (f.explanation) {
    std::string why = f.explanation->describe(f.offset);
    for (std::size_t at = why.find('\n'); at != std::string::npos; at = why.find('\n', at + 1))
      why.insert(at + 1, "            ");
    out << "\n  why:      " << why;
  }
  if (!f.hint.empty()) out << "\n  hint:     " << f.hint;
}

}  // namespace

std::string ReplayResult::describe() const {
  std::ostringstream out;
  if (clean()) {
    out << source << ": clean — " << lines << " lines, " << cases << " cases, " << actions << " actions, " << (visits ? std::to_string(visits) + " visits, " : std::string())
        << (config_changes ? std::to_string(config_changes) + " configuration changes, " : std::string())
        << events_checked << " engine events and " << expectations << " expectations checked";
    if (hashes_checked) out << "; " << hashes_checked << " event hashes match";
    return out.str();
  }
  // A result built by hand may have `failure` without `failures`.
  if (failures.size() <= 1) {
    describe_failure(out, source, *failure);
    return out.str();
  }
  for (const ReplayFailure& f : failures) {
    describe_failure(out, source, f);
    out << '\n';
  }
  out << source << ": " << failures.size() << " failures in " << lines << " lines";
  return out.str();
}

nlohmann::json ReplayFailure::to_json() const {
  auto text = [](const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); };
  return {{"kind", to_string(kind)},
          {"line", line},
          {"case", text(case_id)},
          {"expected", expected_value},
          {"actual", actual_value},
          {"message", text(message)},
          {"explanation", explanation ? fengqiao::to_json(*explanation, offset) : nlohmann::json(nullptr)},
          {"hint", text(hint)}};
}

nlohmann::json ReplayResult::to_json() const {
  nlohmann::json j = {{"source", source},         {"clean", clean()},
                      {"lines", lines},           {"cases", cases},
                      {"actions", actions},       {"visits", visits},
                      {"config_changes", config_changes},
                      {"events_checked", events_checked},
                      {"expectations", expectations},
                      {"hashes_checked", hashes_checked}};
  j["failure"] = failure ? failure->to_json() : nlohmann::json(nullptr);
  nlohmann::json all = nlohmann::json::array();
  for (const ReplayFailure& f : failures) all.push_back(f.to_json());
  if (all.empty() && failure) all.push_back(failure->to_json());
  j["failures"] = std::move(all);
  return j;
}

}  // namespace fengqiao
