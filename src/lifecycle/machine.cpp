// The lifecycle machine. The transition table below is LIFECYCLE.md's action table, one
// row per (from state, action, to state), followed by the supervision region's table.
// Guards: `Allowed` runs the checks of "Precise points" after the state check (rules,
// then actor, then data) and records the first refusal; the other guards only choose
// between rows. Effects write the draft case.
//
// Boost.MSM needs more than its default 20 rows (47 here; Boost ships numbered MPL
// sequences up to 50); these must precede its headers.
#define BOOST_MPL_CFG_NO_PREPROCESSED_HEADERS
#define BOOST_MPL_LIMIT_VECTOR_SIZE 50
#define BOOST_MPL_LIMIT_MAP_SIZE 50

#include "lifecycle/machine.hpp"

#include <array>
#include <exception>

#include <boost/msm/back/state_machine.hpp>
#include <boost/msm/front/functor_row.hpp>
#include <boost/msm/front/state_machine_def.hpp>

#include "deadline/stage_clock.hpp"

namespace fengqiao::detail {
namespace {

namespace msmf = boost::msm::front;
using msmf::none;
using msmf::Row;

// ---- Events ------------------------------------------------------------------------
// A user's action; the action's identity is the type, its input the Transition.
template <Action A>
struct act {
  Transition& t;
};
namespace ev {
using register_case = act<Action::register_case>;
using resolve_on_spot = act<Action::resolve_on_spot>;
using decline = act<Action::decline>;
using dispatch = act<Action::dispatch>;
using accept = act<Action::accept>;
using return_ = act<Action::return_>;
using transfer = act<Action::transfer>;
using start_consultation = act<Action::start_consultation>;
using end_consultation = act<Action::end_consultation>;
using suspend = act<Action::suspend>;
using resume = act<Action::resume>;
using extend = act<Action::extend>;
using resolve = act<Action::resolve>;
using refer = act<Action::refer>;
using give_feedback = act<Action::give_feedback>;
using follow_up = act<Action::follow_up>;
using reopen = act<Action::reopen>;
using withdraw = act<Action::withdraw>;
using supervise = act<Action::supervise>;
}  // namespace ev

// Supervision-region events. The first three come from a running clock reaching an
// instant; the others are posted by lifecycle effects.
struct deadline_warning {};
struct deadline_overdue {};
struct escalation {
  int level;
};
struct clock_reset {};        // a fresh clock, or a re-evaluation: on_track, level 0
struct passed_warning {};     // re-evaluation found the warning instant passed (emits nothing)
struct passed_deadline {};    // re-evaluation found the deadline passed (emits nothing)
struct supervision_order {};  // `supervise`: one level up

// ---- The machine -------------------------------------------------------------------
struct LifecycleDef : msmf::state_machine_def<LifecycleDef> {
  Case* draft = nullptr;                     // the case being changed
  Transition* transition = nullptr;          // set while a user's action runs
  std::vector<std::string>* notified = nullptr;
  std::exception_ptr failure;                // an exception thrown by an effect

  // ---- Guards ----
  struct Allowed {
    template <class E, class F, class S, class T>
    bool operator()(const E& e, F&, S&, T&) const {
      Transition& t = e.t;
      if (t.refusal) return false;  // an earlier row of this action already refused it
      if ((t.refusal = check_rules(t))) return false;
      if ((t.refusal = check_actor(t))) return false;
      if ((t.refusal = check_data(t))) return false;
      return true;
    }
  };
  template <Satisfaction... S>
  struct SatisfactionIs {
    template <class E, class F, class Src, class T>
    bool operator()(const E& e, F&, Src&, T&) const {
      auto s = parse<Satisfaction>(e.t.data.value("satisfaction", std::string()));
      return s && ((*s == S) || ...);
    }
  };
  using Satisfied = SatisfactionIs<Satisfaction::satisfied, Satisfaction::basic>;
  using Unsatisfied = SatisfactionIs<Satisfaction::unsatisfied>;
  struct HasLead {
    template <class E, class F, class S, class T>
    bool operator()(const E&, F& fsm, S&, T&) const { return fsm.draft->lead.has_value(); }
  };
  struct NoLead {
    template <class E, class F, class S, class T>
    bool operator()(const E&, F& fsm, S&, T&) const { return !fsm.draft->lead.has_value(); }
  };
  template <State From>
  struct SuspendedFrom {
    template <class E, class F, class S, class T>
    bool operator()(const E&, F& fsm, S&, T&) const { return fsm.draft->suspended_from == From; }
  };
  struct BelowLevel {  // an escalation step fires only if the case is below its level
    template <class F, class S, class T>
    bool operator()(const escalation& e, F& fsm, S&, T&) const { return fsm.draft->level < e.level; }
  };

  // ---- Effects on the lifecycle region ----
  // A fresh clock for `S` (LIFECYCLE.md "starts at"); supervision back to on_track.
  template <Stage S>
  struct StartClock {
    template <class E, class F, class Src, class T>
    void operator()(const E& e, F& fsm, Src&, T&) const {
      Case& c = *fsm.draft;
      c.clock = start_clock(S, e.t.rules.rule(S, c.urgency, c.category), e.t.now, e.t.calendar);
      if (S != Stage::consulting) c.held_clock.reset();
      fsm.process_event(clock_reset{});
    }
  };
  // closed / withdrawn: no clock, supervision on_track, level 0.
  struct StopClocks {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& fsm, S&, T&) const {
      fsm.draft->clock.reset();
      fsm.draft->held_clock.reset();
      fsm.draft->suspended_from.reset();
      fsm.process_event(clock_reset{});
    }
  };
  // start_consultation: the handling clock stops and waits.
  struct HoldHandlingClock {
    template <class E, class F, class S, class T>
    void operator()(const E& e, F& fsm, S&, T&) const {
      Case& c = *fsm.draft;
      stop_clock(*c.clock, e.t.now);
      c.held_clock = std::move(c.clock);
    }
  };
  struct StopClock {  // suspend
    template <class E, class F, class S, class T>
    void operator()(const E& e, F& fsm, S&, T&) const {
      stop_clock(*fsm.draft->clock, e.t.now);
    }
  };
  // end_consultation: the consulting clock is discarded, the handling clock runs again.
  struct ResumeHandlingClock {
    template <class E, class F, class S, class T>
    void operator()(const E& e, F& fsm, S&, T&) const {
      Case& c = *fsm.draft;
      c.clock = std::move(c.held_clock);
      c.held_clock.reset();
      c.consultation_orgs.clear();
      run_again(*c.clock, e.t.now, e.t.calendar);
      reevaluate(fsm, e.t.now);
    }
  };
  struct RunClockAgain {  // resume
    template <class E, class F, class S, class T>
    void operator()(const E& e, F& fsm, S&, T&) const {
      run_again(*fsm.draft->clock, e.t.now, e.t.calendar);
      reevaluate(fsm, e.t.now);
    }
  };
  struct Extend {
    template <class E, class F, class S, class T>
    void operator()(const E& e, F& fsm, S&, T&) const {
      StageClock& clock = *fsm.draft->clock;
      const bool days = e.t.data.contains("days");
      const long long n = e.t.data[days ? "days" : "hours"].template get<long long>();
      extend_clock(clock, days ? Span::working_days(n) : Span::hours(n), e.t.now, e.t.calendar);
      reevaluate(fsm, e.t.now);
    }
  };
  struct RememberSuspendedFrom {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& fsm, S&, T&) const { fsm.draft->suspended_from = fsm.draft->state; }
  };
  struct ForgetSuspendedFrom {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& fsm, S&, T&) const { fsm.draft->suspended_from.reset(); }
  };
  struct Supervise {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& fsm, S&, T&) const { fsm.process_event(supervision_order{}); }
  };
  // Adapters from the record_* functions of effects.cpp to MSM functors.
  template <void (*Record)(Transition&)>
  struct Do {
    template <class E, class F, class S, class T>
    void operator()(const E& e, F&, S&, T&) const { Record(e.t); }
  };
  template <Outcome O>
  struct Conclude {
    template <class E, class F, class S, class T>
    void operator()(const E& e, F&, S&, T&) const { record_conclusion(e.t, O); }
  };

  // Re-evaluation (LIFECYCLE.md): from the new instants, level 0; nothing is emitted.
  template <class F>
  static void reevaluate(F& fsm, Instant now) {
    fsm.process_event(clock_reset{});
    switch (status_at(*fsm.draft->clock, now)) {
      case Supervision::overdue: fsm.process_event(passed_deadline{}); break;
      case Supervision::warning: fsm.process_event(passed_warning{}); break;
      default: break;
    }
  }

  // ---- Effects on the supervision region ----
  struct ResetLevel {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& fsm, S&, T&) const { fsm.draft->level = 0; }
  };
  struct CountWarning {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& fsm, S&, T&) const { ++fsm.draft->record.warnings; }
  };
  struct CountOverdue {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& fsm, S&, T&) const { ++fsm.draft->record.overdues; }
  };
  struct Escalate {
    template <class F, class S, class T>
    void operator()(const escalation& e, F& fsm, S&, T&) const {
      ++fsm.draft->record.escalations;
      reach_level(fsm, e.level);
    }
  };
  struct RaiseLevel {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& fsm, S&, T&) const {
      ++fsm.draft->record.supervision_orders;
      reach_level(fsm, fsm.draft->level + 1);
    }
  };
  // Level L notifies the jurisdiction L levels above the case's own.
  template <class F>
  static void reach_level(F& fsm, int level) {
    Case& c = *fsm.draft;
    c.level = level;
    if (level > c.record.highest_level) c.record.highest_level = level;
    if (fsm.notified) fsm.notified->push_back(jurisdiction_above(c, level));
  }

  // ---- States ----
  // Lifecycle region. `supervise` is allowed in every open state (and changes only the
  // supervision region), so it is one internal transition shared by the open states.
  struct open_state : msmf::state<> {
    struct internal_transition_table : boost::mpl::vector<
    //                action          effect      guard
    msmf::Internal < ev::supervise , Supervise , Allowed >
    > {};
  };
  struct new_case : msmf::state<> {};
  struct registered : open_state {};
  struct dispatched : open_state {};
  struct handling : open_state {};
  struct consulting : open_state {};
  struct suspended : open_state {};
  struct concluded : open_state {};
  struct feedback_given : open_state {};
  struct closed : msmf::state<> {};
  struct withdrawn : msmf::state<> {};
  // Supervision region. It only moves up, but every armed warning and deadline instant
  // still fires (and is counted) in a region already at or above it: those are internal
  // transitions of the higher regions.
  struct on_track : msmf::state<> {};
  struct warning : msmf::state<> {
    struct internal_transition_table : boost::mpl::vector<
    msmf::Internal < deadline_warning , CountWarning , none >
    > {};
  };
  struct overdue : msmf::state<> {
    struct internal_transition_table : boost::mpl::vector<
    msmf::Internal < deadline_warning , CountWarning , none >,
    msmf::Internal < deadline_overdue , CountOverdue , none >
    > {};
  };
  struct escalated : msmf::state<> {
    struct internal_transition_table : boost::mpl::vector<
    msmf::Internal < deadline_warning , CountWarning , none >,
    msmf::Internal < deadline_overdue , CountOverdue , none >
    > {};
  };

  using initial_state = boost::mpl::vector<new_case, on_track>;

  using Closing = msmf::ActionSequence_<boost::mpl::vector<Do<record_follow_up>, Do<record_closing>, StopClocks>>;
  template <class... Effects>
  using Seq = msmf::ActionSequence_<boost::mpl::vector<Effects...>>;
  template <class... Guards>
  struct All {  // every guard, left to right, stopping at the first that fails
    template <class E, class F, class S, class T>
    bool operator()(const E& e, F& fsm, S& s, T& t) const { return (Guards()(e, fsm, s, t) && ...); }
  };

  // clang-format off
  struct transition_table : boost::mpl::vector<
  // ---- Lifecycle region: LIFECYCLE.md "Actions", top to bottom ---------------------------------------------
  //    from            action                  to              effect                                                         guard
  Row < new_case      , ev::register_case     , registered    , Seq<Do<record_registration>, StartClock<Stage::dispatch>>    , Allowed >,
  Row < registered    , ev::resolve_on_spot   , concluded     , Seq<Conclude<Outcome::resolved>, StartClock<Stage::feedback>>, Allowed >,
  Row < registered    , ev::decline           , concluded     , Seq<Conclude<Outcome::declined>, StartClock<Stage::feedback>>, Allowed >,
  Row < registered    , ev::dispatch          , dispatched    , Seq<Do<record_dispatch>, StartClock<Stage::accept>>          , Allowed >,
  Row < dispatched    , ev::accept            , handling      , StartClock<Stage::handling>                                  , Allowed >,
  Row < dispatched    , ev::return_           , registered    , Seq<Do<record_return>, StartClock<Stage::dispatch>>          , Allowed >,
  Row < handling      , ev::transfer          , dispatched    , Seq<Do<record_transfer>, StartClock<Stage::accept>>          , Allowed >,
  Row < handling      , ev::start_consultation, consulting    , Seq<Do<record_consultation>, HoldHandlingClock,
                                                                    StartClock<Stage::consulting>>                           , Allowed >,
  Row < consulting    , ev::end_consultation  , handling      , ResumeHandlingClock                                          , Allowed >,
  Row < handling      , ev::suspend           , suspended     , Seq<RememberSuspendedFrom, StopClock>                        , Allowed >,
  Row < consulting    , ev::suspend           , suspended     , Seq<RememberSuspendedFrom, StopClock>                        , Allowed >,
  Row < suspended     , ev::resume            , handling      , Seq<ForgetSuspendedFrom, RunClockAgain>   , All<Allowed, SuspendedFrom<State::handling>> >,
  Row < suspended     , ev::resume            , consulting    , Seq<ForgetSuspendedFrom, RunClockAgain>   , All<Allowed, SuspendedFrom<State::consulting>> >,
  Row < handling      , ev::extend            , none          , Extend                                                       , Allowed >,
  Row < consulting    , ev::extend            , none          , Extend                                                       , Allowed >,
  Row < handling      , ev::resolve           , concluded     , Seq<Conclude<Outcome::resolved>, StartClock<Stage::feedback>>, Allowed >,
  Row < consulting    , ev::resolve           , concluded     , Seq<Conclude<Outcome::resolved>, StartClock<Stage::feedback>>, Allowed >,
  Row < handling      , ev::refer             , concluded     , Seq<Conclude<Outcome::referred>, StartClock<Stage::feedback>>, Allowed >,
  Row < consulting    , ev::refer             , concluded     , Seq<Conclude<Outcome::referred>, StartClock<Stage::feedback>>, Allowed >,
  Row < concluded     , ev::give_feedback     , feedback_given, StartClock<Stage::follow_up>                                 , Allowed >,
  Row < feedback_given, ev::follow_up         , closed        , Closing                                                      , All<Allowed, Satisfied> >,
  Row < feedback_given, ev::follow_up         , handling      , Seq<Do<record_follow_up>, Do<record_reopening>,
                                                                    StartClock<Stage::handling>>                 , All<Allowed, Unsatisfied, HasLead> >,
  Row < feedback_given, ev::follow_up         , registered    , Seq<Do<record_follow_up>, Do<record_reopening>,
                                                                    StartClock<Stage::dispatch>>      , All<Allowed, Unsatisfied, NoLead> >,
  Row < closed        , ev::reopen            , handling      , Seq<Do<record_reopening>, StartClock<Stage::handling>>  , All<Allowed, HasLead> >,
  Row < closed        , ev::reopen            , registered    , Seq<Do<record_reopening>, StartClock<Stage::dispatch>>  , All<Allowed, NoLead> >,
  Row < registered    , ev::withdraw          , withdrawn     , StopClocks                                                   , Allowed >,
  Row < dispatched    , ev::withdraw          , withdrawn     , StopClocks                                                   , Allowed >,
  Row < handling      , ev::withdraw          , withdrawn     , StopClocks                                                   , Allowed >,
  Row < consulting    , ev::withdraw          , withdrawn     , StopClocks                                                   , Allowed >,
  Row < suspended     , ev::withdraw          , withdrawn     , StopClocks                                                   , Allowed >,
  // ---- Supervision region: LIFECYCLE.md "Firing", "Re-evaluation", `supervise` ----------------------------
  //    from            event                   to              effect                                                         guard
  Row < on_track      , clock_reset           , on_track      , ResetLevel                                                   , none >,
  Row < warning       , clock_reset           , on_track      , ResetLevel                                                   , none >,
  Row < overdue       , clock_reset           , on_track      , ResetLevel                                                   , none >,
  Row < escalated     , clock_reset           , on_track      , ResetLevel                                                   , none >,
  Row < on_track      , passed_warning        , warning       , none                                                         , none >,
  Row < on_track      , passed_deadline       , overdue       , none                                                         , none >,
  Row < on_track      , deadline_warning      , warning       , CountWarning                                                 , none >,
  Row < on_track      , deadline_overdue      , overdue       , CountOverdue                                                 , none >,
  Row < warning       , deadline_overdue      , overdue       , CountOverdue                                                 , none >,
  Row < on_track      , escalation            , escalated     , Escalate                                                     , BelowLevel >,
  Row < warning       , escalation            , escalated     , Escalate                                                     , BelowLevel >,
  Row < overdue       , escalation            , escalated     , Escalate                                                     , BelowLevel >,
  Row < escalated     , escalation            , escalated     , Escalate                                                     , BelowLevel >,
  Row < on_track      , supervision_order     , escalated     , RaiseLevel                                                   , none >,
  Row < warning       , supervision_order     , escalated     , RaiseLevel                                                   , none >,
  Row < overdue       , supervision_order     , escalated     , RaiseLevel                                                   , none >,
  Row < escalated     , supervision_order     , escalated     , RaiseLevel                                                   , none >
  > {};
  // clang-format on

  // Nothing matched in any region: the engine reports invalid_transition from the result.
  template <class F, class E>
  void no_transition(const E&, F&, int) {}

  template <class F, class E>
  void exception_caught(const E&, F& fsm, std::exception&) {
    fsm.failure = std::current_exception();
  }
};

using Machine = boost::msm::back::state_machine<LifecycleDef>;
using Table = Machine::stt;
template <class S>
constexpr int id_of = boost::msm::back::get_state_id<Table, S>::value;

// Boost.MSM keeps the active state of each region in an int array, restored through its
// serialization hook; this "archive" writes our ids into the first such array it sees
// (the machine's own m_states, serialized before its history) and ignores the rest.
class StateRestorer {
 public:
  explicit StateRestorer(const int (&ids)[2]) : ids_(ids) {}
  template <class T>
  StateRestorer& operator&(T& field) {
    assign(field);
    return *this;
  }

 private:
  void assign(int (&states)[2]) {
    if (done_) return;
    states[0] = ids_[0];
    states[1] = ids_[1];
    done_ = true;
  }
  template <class T>
  void assign(T&) {}
  const int (&ids_)[2];
  bool done_ = false;
};

// Our enums <-> MSM state ids.
const std::array<int, 9> kLifecycleIds = {
    id_of<LifecycleDef::registered>, id_of<LifecycleDef::dispatched>, id_of<LifecycleDef::handling>,
    id_of<LifecycleDef::consulting>, id_of<LifecycleDef::suspended>,  id_of<LifecycleDef::concluded>,
    id_of<LifecycleDef::feedback_given>, id_of<LifecycleDef::closed>, id_of<LifecycleDef::withdrawn>};
const std::array<int, 4> kSupervisionIds = {id_of<LifecycleDef::on_track>, id_of<LifecycleDef::warning>,
                                            id_of<LifecycleDef::overdue>, id_of<LifecycleDef::escalated>};

template <class E, std::size_t N>
E from_id(const std::array<int, N>& ids, int id) {
  for (std::size_t i = 0; i < N; ++i)
    if (ids[i] == id) return static_cast<E>(i);
  return static_cast<E>(0);  // unreachable: every id in the table maps back
}

// One machine per thread, reused: constructing Boost.MSM's queues per action would cost
// more than the transition itself.
Machine& machine_for(Case& draft, bool is_new) {
  thread_local Machine m = [] {
    Machine fresh;
    fresh.start();
    return fresh;
  }();
  const int ids[2] = {is_new ? id_of<LifecycleDef::new_case> : kLifecycleIds[static_cast<std::size_t>(draft.state)],
                      kSupervisionIds[static_cast<std::size_t>(draft.supervision)]};
  StateRestorer restorer(ids);
  m.serialize(restorer, 0);
  m.draft = &draft;
  m.transition = nullptr;
  m.notified = nullptr;
  m.failure = nullptr;
  return m;
}

void store_states(Machine& m, Case& draft) {
  draft.state = from_id<State>(kLifecycleIds, m.current_state()[0]);
  draft.supervision = from_id<Supervision>(kSupervisionIds, m.current_state()[1]);
  m.draft = nullptr;
  if (m.failure) std::rethrow_exception(std::exchange(m.failure, nullptr));
}

template <Action A>
boost::msm::back::HandledEnum process(Machine& m, Transition& t) {
  return m.process_event(act<A>{t});
}

using Dispatch = boost::msm::back::HandledEnum (*)(Machine&, Transition&);
template <std::size_t... I>
constexpr std::array<Dispatch, sizeof...(I)> make_dispatch(std::index_sequence<I...>) {
  return {&process<static_cast<Action>(I)>...};
}
constexpr auto kDispatch = make_dispatch(std::make_index_sequence<19>{});

}  // namespace

std::optional<Error> run_action(Transition& t) {
  const bool is_new = t.action == Action::register_case;
  Machine& m = machine_for(t.draft, is_new);
  m.transition = &t;
  m.notified = &t.notified;
  const State before = t.draft.state;
  auto handled = kDispatch[static_cast<std::size_t>(t.action)](m, t);
  store_states(m, t.draft);
  if (t.refusal) return t.refusal;
  if (handled == boost::msm::back::HANDLED_FALSE) {
    if (is_new) return make_error(ErrorCode::invalid_transition, "register: the case already exists");
    return make_error(ErrorCode::invalid_transition, std::string(to_string(t.action)) + " is not allowed from state " +
                                                         std::string(to_string(before)));
  }
  t.draft.updated_at = t.now;
  return std::nullopt;
}

bool run_clock_step(Case& draft, const ClockStep& step, std::vector<std::string>& notified) {
  // (HANDLED_TRUE for a region change and for the internal transitions alike.)
  Machine& m = machine_for(draft, false);
  m.notified = &notified;
  boost::msm::back::HandledEnum handled;
  switch (step.type) {
    case EventType::deadline_warning: handled = m.process_event(deadline_warning{}); break;
    case EventType::deadline_overdue: handled = m.process_event(deadline_overdue{}); break;
    default: handled = m.process_event(escalation{step.level}); break;
  }
  store_states(m, draft);
  // The step is consumed either way: each instant fires at most once.
  std::size_t index = step.type == EventType::deadline_warning   ? 0
                      : step.type == EventType::deadline_overdue ? 1
                                                                 : static_cast<std::size_t>(1 + step.level);
  draft.clock->next_step = static_cast<std::uint8_t>(index + 1);
  draft.updated_at = step.at;
  return handled == boost::msm::back::HANDLED_TRUE;
}

}  // namespace fengqiao::detail
