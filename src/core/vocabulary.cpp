#include "fengqiao/vocabulary.hpp"

#include <array>
#include <cstddef>

namespace fengqiao {
namespace {

// One name table per enumeration, indexed by the enumerator's value.
template <class E>
struct Names;

#define FENGQIAO_NAMES(E, ...)                                     \
  template <>                                                      \
  struct Names<E> {                                                \
    static constexpr std::string_view table[] = {__VA_ARGS__};     \
    static_assert(std::size(table) == enum_count<E>, "one name per enumerator of " #E); \
  };

FENGQIAO_NAMES(State, "registered", "dispatched", "handling", "consulting", "suspended", "concluded",
               "feedback_given", "closed", "withdrawn")
FENGQIAO_NAMES(Supervision, "on_track", "warning", "overdue", "escalated")
FENGQIAO_NAMES(Stage, "dispatch", "accept", "handling", "consulting", "feedback", "follow_up")
FENGQIAO_NAMES(Action, "register", "resolve_on_spot", "decline", "dispatch", "accept", "return", "transfer",
               "start_consultation", "end_consultation", "suspend", "resume", "extend", "resolve", "refer",
               "give_feedback", "follow_up", "reopen", "withdraw", "supervise", "assign", "note")
FENGQIAO_NAMES(EventType, "action", "deadline_warning", "deadline_overdue", "escalated")
FENGQIAO_NAMES(Role, "intake", "grid_worker", "citizen", "dispatcher", "handler", "mediator", "supervisor",
               "admin")
FENGQIAO_NAMES(Urgency, "normal", "urgent", "emergency")
FENGQIAO_NAMES(Outcome, "resolved", "declined", "referred")
FENGQIAO_NAMES(Channel, "walk_in", "hotline", "online", "grid", "station", "referral")
FENGQIAO_NAMES(Route, "people_mediation", "administrative_mediation", "judicial_mediation", "industry_mediation",
               "arbitration", "administrative_review", "litigation", "petition", "legal_aid")
FENGQIAO_NAMES(Satisfaction, "satisfied", "basic", "unsatisfied")
FENGQIAO_NAMES(VisitKind, "claim", "inquiry", "lead")
#undef FENGQIAO_NAMES

template <class E>
std::string_view name_of(E e) noexcept {
  return Names<E>::table[static_cast<std::size_t>(e)];
}

}  // namespace

#define FENGQIAO_DEFINE(E)                                                   \
  std::string_view to_string(E e) noexcept { return name_of(e); }           \
  template <>                                                                \
  std::optional<E> parse<E>(std::string_view text) noexcept {               \
    const auto& t = Names<E>::table;                                         \
    for (std::size_t i = 0; i < std::size(t); ++i)                           \
      if (t[i] == text) return static_cast<E>(i);                            \
    return std::nullopt;                                                     \
  }

FENGQIAO_DEFINE(State)
FENGQIAO_DEFINE(Supervision)
FENGQIAO_DEFINE(Stage)
FENGQIAO_DEFINE(Action)
FENGQIAO_DEFINE(EventType)
FENGQIAO_DEFINE(Role)
FENGQIAO_DEFINE(Urgency)
FENGQIAO_DEFINE(Outcome)
FENGQIAO_DEFINE(Channel)
FENGQIAO_DEFINE(Route)
FENGQIAO_DEFINE(Satisfaction)
FENGQIAO_DEFINE(VisitKind)
#undef FENGQIAO_DEFINE

}  // namespace fengqiao
