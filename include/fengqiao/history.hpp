// The case-history format (HISTORY-FORMAT.md, versions 1 and 2): JSON Lines read and written
// one line at a time, so a history of millions of lines needs memory for one line.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fengqiao/calendar.hpp"
#include "fengqiao/case.hpp"
#include "fengqiao/error.hpp"
#include "fengqiao/personal_data.hpp"
#include "fengqiao/event.hpp"
#include "fengqiao/rules.hpp"
#include "fengqiao/storage.hpp"
#include "fengqiao/visit.hpp"

namespace fengqiao::history {

// Limits on what one line of a history may hold; past any of them the line is
// invalid_history naming it, before it is parsed (docs/DESIGN.md "Limits" gives the
// reasons). They bound the memory and stack a hostile file can make a reader use.
// Bytes in a line, without its '\n': the reader holds one line at a time.
inline constexpr std::size_t kMaxLineBytes = std::size_t{1} << 20;
// Bytes of any one string as written in the line (escapes counted as written).
inline constexpr std::size_t kMaxStringBytes = std::size_t{1} << 16;
// Arrays and objects inside one another, the line's own object counted as 1.
inline constexpr std::size_t kMaxNesting = 64;

// Line 1.
// The format version this library writes; it reads versions 1 and 2.
inline constexpr int kHistoryVersion = 2;

// The header line: the format version, and the configuration the history starts with.
struct Header {
  int version = 1;             // of the format (HISTORY-FORMAT.md "Versions")
  UtcOffset utc_offset;
  BusinessCalendar calendar;   // its offset is utc_offset
  DeadlineRules rules;
};

// The keys an `expect` line may check (absent = not checked; a present null means
// "none": no outcome, no lead, no running clock).
struct Expectation {
  std::optional<std::optional<State>> state;
  std::optional<std::optional<Supervision>> supervision;
  std::optional<int> level;
  std::optional<std::optional<Outcome>> outcome;
  std::optional<std::optional<std::string>> lead;
  std::optional<std::uint32_t> reopened;
  std::optional<std::optional<Instant>> deadline;
  // Version 2.
  std::optional<std::optional<std::string>> assignee;
  std::optional<std::uint32_t> notes;
  std::optional<std::vector<std::string>> notice;
};

// One line after the header; `kind` says which of the fields below it fills.
struct Line {
  // An action, a tick (time passes), an engine event, an expectation, a visit, a
  // configuration change.
  enum class Kind { action, tick, event, expectation, visit, config };
  std::size_t number = 0;  // 1-based physical line number in the file
  Kind kind = Kind::tick;
  Instant at{};
  std::string case_id;     // action, event, expectation

  // visit (version 2): its id; actor, data and expect_error as for an action
  std::string visit_id;

  // config (version 2): the line's "config" object as written; configuration_of() reads
  // it (a malformed calendar or rules is the line's refusal, invalid_config, not a
  // malformed file). expect_error as for an action.
  nlohmann::json config = nlohmann::json::object();

  // action (actor, data, expect_error: visit and config too)
  Action action = Action::register_case;
  Actor actor;
  nlohmann::json data = nlohmann::json::object();
  std::optional<ErrorCode> expect_error;

  // action (one that stores an event) and event: the event's hash (chain.hpp), when the
  // line carries one (docs/CHAIN.md "In a history file"; version 2). Replay recomputes it.
  std::string hash;

  // event
  EventType event = EventType::deadline_warning;
  Stage stage = Stage::dispatch;
  int level = 0;

  // expectation
  Expectation expect;
};

// What a configuration line asks for: a calendar (whole, absent keys at the header format's
// defaults, days in the header's offset), rules (in the library's schema, over the
// defaults), or both.
struct ConfigChangeRequest {
  std::optional<BusinessCalendar> calendar;
  std::optional<DeadlineRules> rules;
};
// invalid_config for a key other than "calendar" and "rules", neither of them, or a
// calendar or rules that does not read (the message names it).
Result<ConfigChangeRequest> configuration_of(const Line& line, UtcOffset offset);

// Reads a history from a stream. Every malformed input is invalid_history with the line
// number and what is wrong (a bad header, bad JSON, a missing or unknown key, an unknown
// action/role/event/stage/state, a time without offset or earlier than the line before,
// an instant outside the supported range (time.hpp), a NUL byte or invalid UTF-8, a line,
// string or nesting past the limits above, a number past what its field holds).
class Reader {
 public:
  // Reads `in`, which must outlive the reader.
  explicit Reader(std::istream& in);
  // Must be called first, once.
  Result<Header> header();
  // The next non-blank line; std::nullopt at the end of the stream.
  Result<std::optional<Line>> next();
  // The physical line number of the line last read (1 for the header).
  std::size_t line_number() const { return number_; }

 private:
  enum class Got { line, end, too_long };
  Got read_line();  // into buffer_, at most kMaxLineBytes of it
  Error too_long(std::size_t line) const;

  std::istream& in_;
  std::size_t number_ = 0;
  std::optional<Instant> last_at_;
  UtcOffset offset_;
  int version_ = 1;
  std::string buffer_;
};

// Writes lines in the format; the header first. Keys in the order the spec shows them;
// instants in the header's offset, whole seconds.
class Writer {
 public:
  // Writes `header` to `out` (which must outlive the writer) at once.
  Writer(std::ostream& out, const Header& header);
  // The line, in the format's key order.
  void write(const Line& line);
  // An event of a case's history as an action line or an engine-event line.
  void write(const Event& event);
  // A recorded visit as a visit line (version 2).
  void write(const Visit& visit);
  // A configuration change as a configuration line (version 2): what it replaced.
  void write(const ConfigRecord& change);
  void expect(Instant at, const std::string& case_id, const Expectation& e);
  void tick(Instant at);

 private:
  std::ostream& out_;
  UtcOffset offset_;
};

// Parses one line (no time-order check); exposed for tools that filter histories.
// `version` is the file's (a version 1 file may not use what version 2 added).
Result<Line> parse_line(const std::string& text, std::size_t number, UtcOffset offset, int version = kHistoryVersion);
// The header line of `header`.
std::string header_line(const Header& header);

// Writes the histories of the given cases (all when `case_ids` is empty) from `storage`:
// actions and engine-generated events of all the cases, visits (all of them, or those
// linked to the chosen cases) and configuration changes, merged in time order as a replay
// must see them, each action followed by an `expect` of the state it left. The header
// holds the configuration in force at the first line written (the store's first one for a
// store whose first configuration came after its first events, i.e. one written before
// fengqiao kept it; the defaults for a store that keeps none), each later change a
// configuration line. At one instant: engine
// events, then configuration changes, then actions (an action and a change at the same
// instant are written in that order, whichever was applied first). Replaying the output
// on a fresh engine reproduces the same states and events. Reads each case's events in
// chunks; memory grows with the number of cases, not of events. Stored text that is not
// UTF-8 is storage_error naming the event, visit or configuration record (never an
// exception); what came before it has been written to `out`.
// Personal data: parties' id_number and phone are masked (personal_data.hpp) unless
// options.personal_data is `included`. A masked export replays to the same states and
// engine events (no rule reads them); figures keyed on them (repeat visits) are those of
// the masked values.
struct ExportOptions {
  // Default: masked.
  PersonalData personal_data = PersonalData::masked;
};
// Writes the history of `case_ids` (all cases when empty) from `storage` to `out`, as
// described above.
Status export_cases(const Storage& storage, const std::vector<std::string>& case_ids, std::ostream& out,
                    const ExportOptions& options = {});

}  // namespace fengqiao::history
