// The spec's vocabulary (LIFECYCLE.md) as C++ enumerations.
//
// Every enumerator is spelt as the spec spells the string, so `to_string` is the
// identity on names; the one exception is `Action::return_` ("return" is a C++ keyword).
// `parse<E>(text)` is the strict inverse: unknown text gives std::nullopt.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace fengqiao {

// Lifecycle region. `closed` and `withdrawn` are the only states without a running clock.
enum class State : std::uint8_t {
  registered,
  dispatched,
  handling,
  consulting,
  suspended,
  concluded,
  feedback_given,
  closed,
  withdrawn,
};

// Supervision region; only moves up while one clock runs (see LIFECYCLE.md "Firing").
enum class Supervision : std::uint8_t { on_track, warning, overdue, escalated };

// Stage clocks, in the order of the deadline table (this order breaks ties when firing).
enum class Stage : std::uint8_t { dispatch, accept, handling, consulting, feedback, follow_up };

// The actions of LIFECYCLE.md's table; each is spelt as in the spec (to_string), except
// where C++ reserves the word.
enum class Action : std::uint8_t {
  register_case,  // "register"
  resolve_on_spot,
  decline,
  dispatch,
  accept,
  return_,  // "return"
  transfer,
  start_consultation,
  end_consultation,
  suspend,
  resume,
  extend,
  resolve,
  refer,
  give_feedback,
  follow_up,
  reopen,
  withdraw,
  supervise,
  assign,  // contract version 2
  note,    // contract version 2
};

// What an event records: a user's action, or one of the engine-generated deadline events.
enum class EventType : std::uint8_t { action, deadline_warning, deadline_overdue, escalated };

// The roles an actor acts in (LIFECYCLE.md "Roles").
enum class Role : std::uint8_t { intake, grid_worker, citizen, dispatcher, handler, mediator, supervisor, admin };

// How urgent a case is; deadline rules differ by it.
enum class Urgency : std::uint8_t { normal, urgent, emergency };

// How a case was concluded.
enum class Outcome : std::uint8_t { resolved, declined, referred };

// How a case or visit reached the center.
enum class Channel : std::uint8_t { walk_in, hotline, online, grid, station, referral };

// The legal routes of the 法治化路线图.
enum class Route : std::uint8_t {
  people_mediation,
  administrative_mediation,
  judicial_mediation,
  industry_mediation,
  arbitration,
  administrative_review,
  litigation,
  petition,
  legal_aid,
};

// The party's satisfaction at follow-up.
enum class Satisfaction : std::uint8_t { satisfied, basic, unsatisfied };

// What a visit (接待登记, contract version 2) was: a dispute brought to the center, a
// question or consultation, or a risk reported from the field (苗头性线索).
enum class VisitKind : std::uint8_t { claim, inquiry, lead };

// How many enumerators each enumeration has. Every table indexed by an enumeration is
// sized with it (and checked against it at compile time), so an enumerator added without
// its row fails to build instead of reading past a table.
template <class E>
struct EnumCount;
// Defines EnumCount<E> from E's last enumerator (undefined again after its uses).
#define FENGQIAO_ENUM_COUNT(E, last) \
  template <>                        \
  struct EnumCount<E> {              \
    static constexpr std::size_t value = static_cast<std::size_t>(E::last) + 1; \
  };
FENGQIAO_ENUM_COUNT(State, withdrawn)
FENGQIAO_ENUM_COUNT(Supervision, escalated)
FENGQIAO_ENUM_COUNT(Stage, follow_up)
FENGQIAO_ENUM_COUNT(Action, note)
FENGQIAO_ENUM_COUNT(EventType, escalated)
FENGQIAO_ENUM_COUNT(Role, admin)
FENGQIAO_ENUM_COUNT(Urgency, emergency)
FENGQIAO_ENUM_COUNT(Outcome, referred)
FENGQIAO_ENUM_COUNT(Channel, referral)
FENGQIAO_ENUM_COUNT(Route, legal_aid)
FENGQIAO_ENUM_COUNT(Satisfaction, unsatisfied)
FENGQIAO_ENUM_COUNT(VisitKind, lead)
#undef FENGQIAO_ENUM_COUNT
// EnumCount<E>::value.
template <class E>
inline constexpr std::size_t enum_count = EnumCount<E>::value;

// Every enumerator of E, in value order (for menus, bindings and exhaustive tests).
template <class E>
constexpr std::array<E, enum_count<E>> all_of() noexcept {
  std::array<E, enum_count<E>> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<E>(i);
  return out;
}

// The spec's spelling of each value ("register" for Action::register_case).
std::string_view to_string(State) noexcept;
std::string_view to_string(Supervision) noexcept;
std::string_view to_string(Stage) noexcept;
std::string_view to_string(Action) noexcept;
std::string_view to_string(EventType) noexcept;
std::string_view to_string(Role) noexcept;
std::string_view to_string(Urgency) noexcept;
std::string_view to_string(Outcome) noexcept;
std::string_view to_string(Channel) noexcept;
std::string_view to_string(Route) noexcept;
std::string_view to_string(Satisfaction) noexcept;
std::string_view to_string(VisitKind) noexcept;

// Strict parse: exactly the spec's spelling, case-sensitive. Defined for every enum above.
template <class E>
std::optional<E> parse(std::string_view text) noexcept;

// True for every state except `closed` and `withdrawn`.
constexpr bool is_open(State s) noexcept { return s != State::closed && s != State::withdrawn; }

// The stage clock an open state runs (LIFECYCLE.md "States"); `suspended` runs none.
constexpr std::optional<Stage> stage_of(State s) noexcept {
  switch (s) {
    case State::registered: return Stage::dispatch;
    case State::dispatched: return Stage::accept;
    case State::handling: return Stage::handling;
    case State::consulting: return Stage::consulting;
    case State::concluded: return Stage::feedback;
    case State::feedback_given: return Stage::follow_up;
    case State::suspended:
    case State::closed:
    case State::withdrawn: return std::nullopt;
  }
  return std::nullopt;
}

// JSON as the spec strings; from_json throws fengqiao::Exception with
// ErrorCode::invalid_data on unknown text or a value that is not a string, the message
// naming the enum and the text, e.g. `unknown State "frozen"`.
#define FENGQIAO_DECLARE_ENUM_JSON(E)               \
  void to_json(nlohmann::json& j, const E& e);      \
  void from_json(const nlohmann::json& j, E& e);
FENGQIAO_DECLARE_ENUM_JSON(State)
FENGQIAO_DECLARE_ENUM_JSON(Supervision)
FENGQIAO_DECLARE_ENUM_JSON(Stage)
FENGQIAO_DECLARE_ENUM_JSON(Action)
FENGQIAO_DECLARE_ENUM_JSON(EventType)
FENGQIAO_DECLARE_ENUM_JSON(Role)
FENGQIAO_DECLARE_ENUM_JSON(Urgency)
FENGQIAO_DECLARE_ENUM_JSON(Outcome)
FENGQIAO_DECLARE_ENUM_JSON(Channel)
FENGQIAO_DECLARE_ENUM_JSON(Route)
FENGQIAO_DECLARE_ENUM_JSON(Satisfaction)
FENGQIAO_DECLARE_ENUM_JSON(VisitKind)
#undef FENGQIAO_DECLARE_ENUM_JSON

}  // namespace fengqiao
