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

template <class T>
std::string show(const std::optional<T>& v) {
  if (!v) return "null";
  if constexpr (std::is_same_v<T, std::string>) return "\"" + *v + "\"";
  else return std::string(to_string(*v));
}

class Replayer {
 public:
  // Throws Exception when the engine cannot open on options.storage.
  Replayer(const history::Header& header, const ReplayOptions& options, ReplayResult& result)
      : offset_(header.utc_offset), result_(result), require_hashes_(options.require_hashes) {
    clock_ = std::make_shared<ManualClock>();
    EngineOptions o;
    o.storage = options.storage ? options.storage
                                : std::make_shared<MemoryStorage>(MemoryStorageOptions{/*keep_events=*/false});
    o.clock = clock_;
    o.calendar = header.calendar;
    o.rules = header.rules;
    engine_ = std::make_unique<Engine>(std::move(o));
    engine_->subscribe([this](const Event& e, const Case&) {
      if (e.type != EventType::action) generated_.push_back(e);
    });
  }

  // Applies one line; returns false when the replay must stop (result_.failure set).
  bool apply(const Line& line) {
    clock_->set(line.at);
    try {
      engine_->advance_to(line.at);
    } catch (const Exception& e) {
      return fail(ReplayFailure::Kind::unexpected_error, line, "", "deadline events fire", e.what());
    }
    if (line.kind == Line::Kind::event) return match_event(line);
    // A line of another kind: every event generated so far must have been recorded.
    if (!generated_.empty()) {
      if (seen_event_lines_) return unrecorded(line);
      if (!first_unrecorded_) first_unrecorded_ = std::make_pair(generated_.front(), line.number);
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
  bool fail(ReplayFailure::Kind kind, const Line& line, const std::string& case_id, std::string expected,
            std::string actual) {
    ReplayFailure f{kind, line.number, case_id, std::move(expected), std::move(actual), ""};
    f.message = "line " + std::to_string(f.line) + (case_id.empty() ? "" : " (case " + case_id + ")") + ": " +
                std::string(to_string(kind)) + ": the history says " + f.expected + ", the engine " + f.actual;
    result_.failure = std::move(f);
    return false;
  }

  bool unrecorded(const Line& line) {
    const Event& e = generated_.front();
    return fail(ReplayFailure::Kind::divergence, line, e.case_id, "no further engine event before this line",
                "generated " + describe_event(e.case_id, e.type, *e.stage, e.level, e.at, offset_));
  }

  bool match_event(const Line& line) {
    if (!seen_event_lines_ && first_unrecorded_) {
      // Events fired before the first event line were not recorded: now we know they had to be.
      const auto& [e, at_line] = *first_unrecorded_;
      Line where;
      where.number = at_line;
      return fail(ReplayFailure::Kind::divergence, where, e.case_id, "no engine event before this line",
                  "generated " + describe_event(e.case_id, e.type, *e.stage, e.level, e.at, offset_));
    }
    seen_event_lines_ = true;
    const std::string recorded = describe_event(line.case_id, line.event, line.stage, line.level, line.at, offset_);
    if (generated_.empty()) {
      std::string actual = "generated nothing by then";
      if (auto c = engine_->try_get(line.case_id); c && c->next_due()) {
        const ClockStep next = *c->next_due();
        actual += " (the case's next is " +
                  describe_event(line.case_id, next.type, c->clock->stage, next.level, next.at, offset_) + ")";
      }
      return fail(ReplayFailure::Kind::divergence, line, line.case_id, recorded, actual);
    }
    const Event e = generated_.front();
    generated_.pop_front();
    if (e.case_id != line.case_id || e.type != line.event || *e.stage != line.stage ||
        (e.type == EventType::escalated && e.level != line.level) || e.at != line.at)
      return fail(ReplayFailure::Kind::divergence, line, line.case_id, recorded,
                  "generated " + describe_event(e.case_id, e.type, *e.stage, e.level, e.at, offset_));
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
                      "masked registration on: export it with personal data to verify it");
    }
    if (line.hash != replayed)
      return fail(ReplayFailure::Kind::divergence, line, line.case_id, event + " with hash " + line.hash,
                  "recomputed " + replayed + " (this event, or one before it in the case, is not the one chained)");
    ++result_.hashes_checked;
    return true;
  }

  bool act(const Line& line) {
    ++result_.actions;
    auto r = engine_->try_act(line.case_id, line.action, line.actor, line.data);
    if (!judge(line, line.case_id, std::string(to_string(line.action)) + " by " + line.actor.id, r)) return false;
    if (r && line.action == Action::register_case) ++result_.cases;
    // The action's event is the newest of its case: its hash is the snapshot's head.
    if (r) return same_hash(line, r->version, r->chain_head);
    return true;
  }

  bool visit(const Line& line) {
    ++result_.visits;
    auto r = engine_->try_record_visit(line.visit_id, line.actor, line.data);
    return judge(line, "", "visit " + line.visit_id + " by " + line.actor.id, r);
  }

  bool configure(const Line& line) {
    ++result_.config_changes;
    auto request = history::configuration_of(line, offset_);
    const Result<ConfigurationChange> r =
        request ? engine_->try_update_configuration(request->calendar, request->rules)
                : Result<ConfigurationChange>(request.error());
    return judge(line, "", "the configuration change", r);
  }

  // Whether the engine's answer to an action or visit line is what the line expects.
  template <class T>
  bool judge(const Line& line, const std::string& case_id, const std::string& what, const Result<T>& r) {
    if (line.expect_error) {
      const std::string want = what + " refused with " + std::string(to_string(*line.expect_error));
      if (r) return fail(ReplayFailure::Kind::missing_error, line, case_id, want, "accepted it");
      if (r.error().code != *line.expect_error)
        return fail(ReplayFailure::Kind::missing_error, line, case_id, want, "refused it with " + r.error().describe());
      return true;
    }
    if (!r)
      return fail(ReplayFailure::Kind::unexpected_error, line, case_id, what + " succeeds",
                  "refused it with " + r.error().describe());
    return true;
  }

  bool check(const Line& line) {
    ++result_.expectations;
    auto got = engine_->try_get(line.case_id);
    if (!got)
      return fail(ReplayFailure::Kind::expectation, line, line.case_id, "the case exists", got.error().describe());
    const Case& c = *got;
    const history::Expectation& x = line.expect;
    auto differs = [&](const char* key, const std::string& want, const std::string& have) {
      return fail(ReplayFailure::Kind::expectation, line, line.case_id, std::string(key) + " = " + want,
                  "has " + std::string(key) + " = " + have);
    };
    if (x.state && *x.state != std::optional<State>(c.state)) return differs("state", show(*x.state), show(std::optional<State>(c.state)));
    if (x.supervision && *x.supervision != std::optional<Supervision>(c.supervision))
      return differs("supervision", show(*x.supervision), show(std::optional<Supervision>(c.supervision)));
    if (x.level && *x.level != c.level) return differs("level", std::to_string(*x.level), std::to_string(c.level));
    if (x.outcome && *x.outcome != c.outcome) return differs("outcome", show(*x.outcome), show(c.outcome));
    if (x.lead && *x.lead != c.lead) return differs("lead", show(*x.lead), show(c.lead));
    if (x.reopened && *x.reopened != c.reopened)
      return differs("reopened", std::to_string(*x.reopened), std::to_string(c.reopened));
    if (x.deadline && *x.deadline != c.deadline()) {
      auto fmt = [&](const std::optional<Instant>& t) { return t ? format_instant(*t, offset_) : std::string("null"); };
      return differs("deadline", fmt(*x.deadline), fmt(c.deadline()));
    }
    if (x.assignee && *x.assignee != c.assignee) return differs("assignee", show(*x.assignee), show(c.assignee));
    if (x.notes && *x.notes != c.notes) return differs("notes", std::to_string(*x.notes), std::to_string(c.notes));
    if (x.notice && *x.notice != c.notice)
      return differs("notice", nlohmann::json(*x.notice).dump(), nlohmann::json(c.notice).dump());
    return true;
  }

  UtcOffset offset_;
  ReplayResult& result_;
  std::shared_ptr<ManualClock> clock_;
  std::unique_ptr<Engine> engine_;
  bool require_hashes_;
  std::deque<Event> generated_;  // engine events not yet matched with a recorded line
  bool seen_event_lines_ = false;
  std::optional<std::pair<Event, std::size_t>> first_unrecorded_;
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
  auto invalid = [&](const Error& e) {
    result.failure = ReplayFailure{ReplayFailure::Kind::invalid_history, reader.line_number(), "", "", "",
                                   e.describe()};
    return result;
  };
  auto header = reader.header();
  if (!header) return invalid(header.error());
  result.lines = 1;
  std::optional<Replayer> opened;
  try {
    opened.emplace(*header, options, result);
  } catch (const Exception& e) {
    result.failure = ReplayFailure{ReplayFailure::Kind::unexpected_error, 1, "", "the engine opens on the storage",
                                   e.what(), ""};
    result.failure->message = "line 1: unexpected_error: the engine could not open on the storage: " +
                              std::string(e.what());
    return result;
  }
  Replayer& replayer = *opened;
  std::size_t last = 1;
  for (;;) {
    auto line = reader.next();
    if (!line) return invalid(line.error());
    if (!*line) break;
    ++result.lines;
    last = (*line)->number;
    if (!replayer.apply(**line)) return result;
  }
  replayer.finish(last);
  return result;
}

ReplayResult history::verify(std::istream& in, ReplayOptions options) {
  options.require_hashes = true;
  return replay(in, options);
}

std::string ReplayResult::describe() const {
  std::ostringstream out;
  if (clean()) {
    out << source << ": clean — " << lines << " lines, " << cases << " cases, " << actions << " actions, " << (visits ? std::to_string(visits) + " visits, " : std::string())
        << (config_changes ? std::to_string(config_changes) + " configuration changes, " : std::string())
        << events_checked << " engine events and " << expectations << " expectations checked";
    if (hashes_checked) out << "; " << hashes_checked << " event hashes match";
  } else {
    out << source << ": " << to_string(failure->kind) << " at line " << failure->line << '\n';
    if (failure->kind == ReplayFailure::Kind::invalid_history) {
      out << "  " << failure->message;
    } else {
      if (!failure->case_id.empty()) out << "  case:     " << failure->case_id << '\n';
      out << "  expected: " << failure->expected << '\n' << "  engine:   " << failure->actual;
    }
  }
  return out.str();
}

nlohmann::json ReplayResult::to_json() const {
  nlohmann::json j = {{"source", source},         {"clean", clean()},
                      {"lines", lines},           {"cases", cases},
                      {"actions", actions},       {"visits", visits},
                      {"config_changes", config_changes},
                      {"events_checked", events_checked},
                      {"expectations", expectations},
                      {"hashes_checked", hashes_checked}};
  if (failure)
    j["failure"] = {{"kind", to_string(failure->kind)}, {"line", failure->line},     {"case", failure->case_id},
                    {"expected", failure->expected},    {"actual", failure->actual}, {"message", failure->message}};
  else
    j["failure"] = nullptr;
  return j;
}

}  // namespace fengqiao
