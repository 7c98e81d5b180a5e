// LIFECYCLE.md's action table as data: one declarative description per action.
//
// Each `ActionSpec` says what the spec's row says — the states the action is allowed from
// and where it goes, who may do it, its data fields, the rule that limits it, and what it
// does to the stage clock. The engine derives its permission check, its data validation
// and its clock handling from this table; the report derives which actions end a stage;
// the bindings and the lifecycle diagram read it; and the Boost.MSM transition table
// (src/lifecycle/machine.cpp) is checked against it at compile time, row by row.
//
// Adding an action: see docs/DESIGN.md "Adding an action".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "fengqiao/vocabulary.hpp"

namespace fengqiao {

// A set of enumerators of E (at most 32), as a bit mask; constexpr throughout.
template <class E>
class EnumSet {
  static_assert(enum_count<E> <= 32, "EnumSet holds at most 32 enumerators");

 public:
  // The empty set.
  constexpr EnumSet() noexcept = default;
  // The set of `items`.
  constexpr EnumSet(std::initializer_list<E> items) noexcept {
    for (E e : items) bits_ |= bit(e);
  }
  // Every enumerator of E.
  static constexpr EnumSet all() noexcept {
    EnumSet s;
    for (E e : all_of<E>()) s.bits_ |= bit(e);
    return s;
  }
  // Whether `e` is in the set.
  constexpr bool contains(E e) const noexcept { return (bits_ & bit(e)) != 0; }
  // Whether the set has no enumerator.
  constexpr bool empty() const noexcept { return bits_ == 0; }
  // How many enumerators the set has.
  constexpr std::size_t size() const noexcept {
    std::size_t n = 0;
    for (E e : all_of<E>()) n += contains(e) ? 1 : 0;
    return n;
  }
  // Same enumerators.
  constexpr bool operator==(EnumSet other) const noexcept { return bits_ == other.bits_; }
  constexpr bool operator!=(EnumSet other) const noexcept { return bits_ != other.bits_; }

 private:
  static constexpr std::uint32_t bit(E e) noexcept { return std::uint32_t{1} << static_cast<unsigned>(e); }
  std::uint32_t bits_ = 0;
};
// Sets of states (an action row's `from`) and of roles (the "who" column).
using StateSet = EnumSet<State>;
using RoleSet = EnumSet<Role>;

// What a transition does to the stage clocks (LIFECYCLE.md "Deadline rules").
enum class ClockEffect : std::uint8_t {
  none,            // the running clock goes on untouched
  start,           // a fresh clock for the target state's stage; supervision on_track, level 0
  hold_and_start,  // the handling clock stops and waits; a fresh clock for the target's stage
  stop,            // the running clock stops (it keeps region, level and deadline)
  resume,          // the stopped clock runs again, its limit grown by the stop; re-evaluation
  resume_held,     // the running clock ends; the waiting handling clock runs again; re-evaluation
  extend,          // the running clock's limit grows by data.days / data.hours; re-evaluation
  end,             // the running clock ends and no clock follows (the case is closed)
  discard,         // every clock is dropped without ending (the case is withdrawn)
};

// When an action has several rows, which one applies (LIFECYCLE.md's "to" column).
enum class Branch : std::uint8_t {
  always,
  suspended_from_handling,   // resume: back to the state the case was suspended from
  suspended_from_consulting,
  satisfied,                 // follow_up with satisfaction satisfied or basic
  unsatisfied_with_lead,     // follow_up with satisfaction unsatisfied, the case has a lead org
  unsatisfied_without_lead,
  with_lead,                 // reopen
  without_lead,
};

// One row: from any state of `from` (none: a new case) to `to` (none: the state stays).
struct ActionRow {
  StateSet from;
  std::optional<State> to;
  Branch when = Branch::always;
  ClockEffect clock = ClockEffect::none;
};

// The "who" column. An actor may act if any of the grants holds.
struct Who {
  RoleSet roles;                   // any actor with one of these roles
  bool lead_handler = false;       // a handler of the lead org — the assignee, while the case has one
  bool first_responder = false;    // the actor who registered the case (matched on id)
  bool involved_handler = false;   // a handler of any org ever named on the case (lead, co, consultation)
  bool own_case_citizen = false;   // a citizen who registered the case or is a party by `account`

  // This grant with one more: `roles(...).or_lead_handler()` reads as the table's column.
  constexpr Who or_lead_handler() const noexcept { Who w = *this; w.lead_handler = true; return w; }
  constexpr Who or_first_responder() const noexcept { Who w = *this; w.first_responder = true; return w; }
  constexpr Who or_involved_handler() const noexcept { Who w = *this; w.involved_handler = true; return w; }
  constexpr Who or_own_case_citizen() const noexcept { Who w = *this; w.own_case_citizen = true; return w; }
};
// Any actor with one of these roles (none: only the grants added with or_*()).
constexpr Who roles(std::initializer_list<Role> r) noexcept { return Who{RoleSet(r)}; }

// How a data field is validated (HISTORY-FORMAT.md "Data fields by action").
enum class FieldType : std::uint8_t {
  text,          // a non-empty string
  text_list,     // an array of non-empty strings (non-empty when required)
  channel,       // one of Channel's names
  urgency,       // one of Urgency's names
  route,         // one of Route's names
  satisfaction,  // one of Satisfaction's names
  parties,       // a non-empty array of {name, id_number?, phone?, account?}
  whole_amount,  // a positive whole number
  attachments,   // an array of {ref, sha256?, kind?}
};

// One data field of an action: its name in `data`, how it is validated, whether required.
struct Field {
  std::string_view name;
  FieldType type = FieldType::text;
  bool required = true;
};

// A limit checked once the state allows the action, before the actor (LIFECYCLE.md
// "Precise points"): refusals are invalid_transition naming the rule.
enum class RuleCheck : std::uint8_t {
  none,
  one_extension,    // extend: one extension per clock
  reopen_window,    // reopen: within the rules' window after closing
  below_max_level,  // supervise: refused at the clock's max_level
};

// A check across fields or against the case, after every field is valid.
enum class DataCheck : std::uint8_t {
  none,
  new_lead,          // transfer: data.lead differs from the case's lead org
  extension_amount,  // extend: exactly one of days/hours, fitting the clock, within the allowance
};

// One action's row of LIFECYCLE.md's table, as the engine reads it: from which states to
// which, who may, which data, which rule and check.
struct ActionSpec {
  static constexpr std::size_t kMaxRows = 3;
  static constexpr std::size_t kMaxFields = 6;

  Action action{};
  std::array<ActionRow, kMaxRows> rows{};  // the first `row_count` are used
  std::size_t row_count = 0;
  Who who;
  std::array<Field, kMaxFields> fields{};  // the first `field_count` are used, checked in order
  std::size_t field_count = 0;
  RuleCheck rule = RuleCheck::none;
  DataCheck data_check = DataCheck::none;
  std::optional<Outcome> outcome;          // the outcome a conclusion records
  bool raises_supervision = false;         // supervise: supervision escalated one level up
  int since_version = 1;                   // the contract version that introduced the action

  // The rows and fields in use, as ranges (begin, end).
  constexpr const ActionRow* begin_rows() const noexcept { return rows.data(); }
  constexpr const ActionRow* end_rows() const noexcept { return rows.data() + row_count; }
  constexpr const Field* begin_fields() const noexcept { return fields.data(); }
  constexpr const Field* end_fields() const noexcept { return fields.data() + field_count; }

  // Every state the action is allowed from (the union of its rows' `from`).
  constexpr bool allowed_from(State s) const noexcept {
    for (const ActionRow* r = begin_rows(); r != end_rows(); ++r)
      if (r->from.contains(s)) return true;
    return false;
  }
  // The row for a case in `from` (none: a new case) going to `to` (the state it lands
  // in), as an index into rows; -1 if the action has no such row.
  constexpr int row_index(std::optional<State> from, std::optional<State> to) const noexcept {
    for (std::size_t i = 0; i < row_count; ++i) {
      const ActionRow& r = rows[i];
      const bool from_matches = from ? r.from.contains(*from) : r.from.empty();
      const std::optional<State> lands = r.to ? r.to : from;
      if (from_matches && lands == to) return static_cast<int>(i);
    }
    return -1;
  }
  // Builders used by the table below.
 private:
  // Defined before the builders that call it: Clang (14) evaluating the table at compile
  // time finds no definition of a member function template whose body comes later in the
  // class, and refuses kActionTable.
  template <class F>
  constexpr ActionSpec with(F change) const noexcept {
    ActionSpec copy = *this;
    change(copy);
    return copy;
  }

 public:
  // This spec with one more property (the rule checked, the data check, the outcome, a
  // raised level, the contract version): how the table below is spelt.
  constexpr ActionSpec limited_by(RuleCheck r) const noexcept { return with([&](ActionSpec& s) { s.rule = r; }); }
  constexpr ActionSpec checked_by(DataCheck d) const noexcept { return with([&](ActionSpec& s) { s.data_check = d; }); }
  constexpr ActionSpec concludes(Outcome o) const noexcept { return with([&](ActionSpec& s) { s.outcome = o; }); }
  constexpr ActionSpec raises_level() const noexcept { return with([](ActionSpec& s) { s.raises_supervision = true; }); }
  constexpr ActionSpec since(int version) const noexcept { return with([&](ActionSpec& s) { s.since_version = version; }); }
};

// One spec from the spec's columns: action, rows (from, to, branch, clock), who, fields.
constexpr ActionSpec describe(Action action, std::initializer_list<ActionRow> rows, Who who,
                              std::initializer_list<Field> fields) noexcept {
  ActionSpec s;
  s.action = action;
  for (const ActionRow& r : rows) s.rows[s.row_count++] = r;
  s.who = who;
  for (const Field& f : fields) s.fields[s.field_count++] = f;
  return s;
}

namespace table {
using S = State;
using R = Role;
using B = Branch;
using C = ClockEffect;
using F = FieldType;
inline constexpr StateSet kNew{};
inline constexpr StateSet kOpen{S::registered, S::dispatched, S::handling, S::consulting,
                                S::suspended,  S::concluded,  S::feedback_given};
inline constexpr StateSet kWorking{S::handling, S::consulting};
inline constexpr StateSet kWithdrawable{S::registered, S::dispatched, S::handling, S::consulting, S::suspended};
inline constexpr std::nullopt_t kSame = std::nullopt;
}  // namespace table

// LIFECYCLE.md "Actions", top to bottom, indexed by Action.
// clang-format off
inline constexpr std::array<ActionSpec, enum_count<Action>> kActionTable = [] {
  using namespace table;
  std::array<ActionSpec, enum_count<Action>> t{};
  auto put = [&t](const ActionSpec& s) { t[static_cast<std::size_t>(s.action)] = s; };
  //           action                        from            to                 branch                       clock
  put(describe(Action::register_case,      {{kNew,          S::registered,     B::always,                   C::start}},
               roles({R::intake, R::grid_worker, R::citizen, R::dispatcher}),
               {{"channel", F::channel}, {"category"}, {"urgency", F::urgency}, {"jurisdiction", F::text_list},
                {"parties", F::parties}, {"summary"}}));
  put(describe(Action::resolve_on_spot,    {{{S::registered}, S::concluded,    B::always,                   C::start}},
               roles({R::intake, R::dispatcher, R::mediator}),
               {{"agreement"}})
      .concludes(Outcome::resolved));
  put(describe(Action::decline,            {{{S::registered}, S::concluded,    B::always,                   C::start}},
               roles({R::dispatcher}),
               {{"reason"}, {"guidance"}})
      .concludes(Outcome::declined));
  put(describe(Action::dispatch,           {{{S::registered}, S::dispatched,   B::always,                   C::start}},
               roles({R::dispatcher}),
               {{"route", F::route}, {"lead"}, {"co", F::text_list, false}}));
  put(describe(Action::accept,             {{{S::dispatched}, S::handling,     B::always,                   C::start}},
               roles({}).or_lead_handler(),
               {}));
  put(describe(Action::return_,            {{{S::dispatched}, S::registered,   B::always,                   C::start}},
               roles({}).or_lead_handler(),
               {{"reason"}}));
  put(describe(Action::transfer,           {{{S::handling},   S::dispatched,   B::always,                   C::start}},
               roles({R::dispatcher}).or_lead_handler(),
               {{"lead"}, {"reason"}})
      .checked_by(DataCheck::new_lead));
  put(describe(Action::start_consultation, {{{S::handling},   S::consulting,   B::always,                   C::hold_and_start}},
               roles({R::supervisor}).or_lead_handler(),
               {{"orgs", F::text_list}}));
  put(describe(Action::end_consultation,   {{{S::consulting}, S::handling,     B::always,                   C::resume_held}},
               roles({}).or_lead_handler(),
               {{"plan"}}));
  put(describe(Action::suspend,            {{kWorking,        S::suspended,    B::always,                   C::stop}},
               roles({}).or_lead_handler(),
               {{"reason"}}));
  put(describe(Action::resume,             {{{S::suspended},  S::handling,     B::suspended_from_handling,  C::resume},
                                            {{S::suspended},  S::consulting,   B::suspended_from_consulting, C::resume}},
               roles({R::supervisor}).or_lead_handler(),
               {}));
  put(describe(Action::extend,             {{kWorking,        kSame,           B::always,                   C::extend}},
               roles({R::supervisor}),
               {{"days", F::whole_amount, false}, {"hours", F::whole_amount, false}, {"reason"}})
      .limited_by(RuleCheck::one_extension).checked_by(DataCheck::extension_amount));
  put(describe(Action::resolve,            {{kWorking,        S::concluded,    B::always,                   C::start}},
               roles({R::mediator}).or_lead_handler(),
               {{"method"}, {"agreement"}})
      .concludes(Outcome::resolved));
  put(describe(Action::refer,              {{kWorking,        S::concluded,    B::always,                   C::start}},
               roles({}).or_lead_handler(),
               {{"channel"}, {"note", F::text, false}})
      .concludes(Outcome::referred));
  put(describe(Action::give_feedback,      {{{S::concluded},  S::feedback_given, B::always,                 C::start}},
               roles({R::dispatcher}).or_lead_handler().or_first_responder(),
               {{"medium"}, {"content"}}));
  put(describe(Action::follow_up,          {{{S::feedback_given}, S::closed,   B::satisfied,                C::end},
                                            {{S::feedback_given}, S::handling, B::unsatisfied_with_lead,    C::start},
                                            {{S::feedback_given}, S::registered, B::unsatisfied_without_lead, C::start}},
               roles({R::dispatcher, R::supervisor}),
               {{"satisfaction", F::satisfaction}, {"note", F::text, false}}));
  put(describe(Action::reopen,             {{{S::closed},     S::handling,     B::with_lead,                C::start},
                                            {{S::closed},     S::registered,   B::without_lead,             C::start}},
               roles({R::supervisor}),
               {{"reason"}})
      .limited_by(RuleCheck::reopen_window));
  put(describe(Action::withdraw,           {{kWithdrawable,   S::withdrawn,    B::always,                   C::discard}},
               roles({R::intake, R::dispatcher}).or_own_case_citizen(),
               {{"reason"}}));
  put(describe(Action::supervise,          {{kOpen,           kSame,           B::always,                   C::none}},
               roles({R::supervisor}),
               {{"order"}})
      .limited_by(RuleCheck::below_max_level).raises_level());
  put(describe(Action::assign,             {{{S::dispatched, S::handling, S::consulting, S::suspended}, kSame, B::always, C::none}},
               roles({R::dispatcher, R::supervisor}).or_lead_handler(),
               {{"assignee"}})
      .since(2));
  put(describe(Action::note,               {{StateSet::all(), kSame,           B::always,                   C::none}},
               roles({R::dispatcher, R::supervisor, R::mediator}).or_first_responder().or_involved_handler(),
               {{"text"}, {"attachments", F::attachments, false}})
      .since(2));
  return t;
}();
// clang-format on

// The description of one action.
constexpr const ActionSpec& spec_of(Action a) noexcept { return kActionTable[static_cast<std::size_t>(a)]; }

// The spelling of the description's own vocabulary (for JSON, diagrams, bindings).
constexpr std::string_view to_string(ClockEffect e) noexcept {
  switch (e) {
    case ClockEffect::none: return "none";
    case ClockEffect::start: return "start";
    case ClockEffect::hold_and_start: return "hold_and_start";
    case ClockEffect::stop: return "stop";
    case ClockEffect::resume: return "resume";
    case ClockEffect::resume_held: return "resume_held";
    case ClockEffect::extend: return "extend";
    case ClockEffect::end: return "end";
    case ClockEffect::discard: return "discard";
  }
  return "";
}
constexpr std::string_view to_string(Branch b) noexcept {
  switch (b) {
    case Branch::always: return "always";
    case Branch::suspended_from_handling: return "suspended_from_handling";
    case Branch::suspended_from_consulting: return "suspended_from_consulting";
    case Branch::satisfied: return "satisfied";
    case Branch::unsatisfied_with_lead: return "unsatisfied_with_lead";
    case Branch::unsatisfied_without_lead: return "unsatisfied_without_lead";
    case Branch::with_lead: return "with_lead";
    case Branch::without_lead: return "without_lead";
  }
  return "";
}
constexpr std::string_view to_string(FieldType f) noexcept {
  switch (f) {
    case FieldType::text: return "text";
    case FieldType::text_list: return "text_list";
    case FieldType::channel: return "channel";
    case FieldType::urgency: return "urgency";
    case FieldType::route: return "route";
    case FieldType::satisfaction: return "satisfaction";
    case FieldType::parties: return "parties";
    case FieldType::whole_amount: return "whole_amount";
    case FieldType::attachments: return "attachments";
  }
  return "";
}
constexpr std::string_view to_string(RuleCheck r) noexcept {
  switch (r) {
    case RuleCheck::none: return "none";
    case RuleCheck::one_extension: return "one_extension";
    case RuleCheck::reopen_window: return "reopen_window";
    case RuleCheck::below_max_level: return "below_max_level";
  }
  return "";
}
constexpr std::string_view to_string(DataCheck d) noexcept {
  switch (d) {
    case DataCheck::none: return "none";
    case DataCheck::new_lead: return "new_lead";
    case DataCheck::extension_amount: return "extension_amount";
  }
  return "";
}

// {"action":"dispatch","since_version":1,
//  "rows":[{"from":["registered"],"to":"dispatched","when":"always","clock":"start"}],
//  "who":{"roles":["dispatcher"],"lead_handler":false,...},
//  "fields":[{"name":"route","type":"route","required":true},...],
//  "rule":"none","data_check":"none","outcome":null,"raises_supervision":false}
// ("from": [] for `register`, a new case; "to": null when the state stays.)
void to_json(nlohmann::json& j, const ActionSpec& spec);

namespace table {
constexpr bool every_action_described() noexcept {
  for (Action a : all_of<Action>())
    if (spec_of(a).action != a || spec_of(a).row_count == 0) return false;
  return true;
}
static_assert(every_action_described(), "kActionTable needs one spec per Action, at its index");
}  // namespace table

}  // namespace fengqiao
