// The spec's vocabulary (LIFECYCLE.md) as C++ enumerations.
//
// Every enumerator is spelt as the spec spells the string, so `to_string` is the
// identity on names; the one exception is `Action::return_` ("return" is a C++ keyword).
// `parse<E>(text)` is the strict inverse: unknown text gives std::nullopt.
#pragma once

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
};

// What an event records: a user's action, or one of the engine-generated deadline events.
enum class EventType : std::uint8_t { action, deadline_warning, deadline_overdue, escalated };

enum class Role : std::uint8_t { intake, grid_worker, citizen, dispatcher, handler, mediator, supervisor, admin };

enum class Urgency : std::uint8_t { normal, urgent, emergency };

enum class Outcome : std::uint8_t { resolved, declined, referred };

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

enum class Satisfaction : std::uint8_t { satisfied, basic, unsatisfied };

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

// Strict parse: exactly the spec's spelling, case-sensitive. Defined for every enum above.
template <class E>
std::optional<E> parse(std::string_view text) noexcept;

// True for every state except `closed` and `withdrawn`.
constexpr bool is_open(State s) noexcept { return s != State::closed && s != State::withdrawn; }

// The stage clock an open state runs (LIFECYCLE.md "States"); `suspended` runs none.
std::optional<Stage> stage_of(State s) noexcept;

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
#undef FENGQIAO_DECLARE_ENUM_JSON

}  // namespace fengqiao
