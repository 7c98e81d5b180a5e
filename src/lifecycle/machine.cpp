// The lifecycle machine. The transition table below is LIFECYCLE.md's action table, one
// row per (from state, action, to state), followed by the supervision region's table.
//
// What each row does is not repeated here: the declarative description of every action
// (fengqiao/action_table.hpp) says who may do it, its data, its rule, its branch and its
// clock effect, and the two generic functors read it. `Allowed` runs the checks of
// "Precise points" (rules, actor, data) once per action and then the row's branch;
// `Apply` records the action (effects.cpp) and does the row's clock effect. Both look
// their row up at compile time, so a row here that the action table does not declare
// fails to build, and a count below proves that no declared row is missing here.
//
// Boost.MSM needs more than its default 20 rows (30 here; Boost ships numbered MPL
// sequences up to 50); these must precede its headers.
#define BOOST_MPL_CFG_NO_PREPROCESSED_HEADERS
#define BOOST_MPL_LIMIT_VECTOR_SIZE 50
#define BOOST_MPL_LIMIT_MAP_SIZE 50

#include "lifecycle/machine.hpp"

#include <array>
#include <exception>
#include <type_traits>
#include <utility>

#include <boost/mpl/count_if.hpp>
#include <boost/mpl/fold.hpp>
#include <boost/mpl/int.hpp>
#include <boost/mpl/plus.hpp>
#include <boost/msm/back/state_machine.hpp>
#include <boost/msm/front/functor_row.hpp>
#include <boost/msm/front/state_machine_def.hpp>

#include "deadline/stage_clock.hpp"

namespace fengqiao::detail {
namespace {

namespace msmf = boost::msm::front;
namespace mpl = boost::mpl;
using msmf::none;
using msmf::Row;

// ---- Events ------------------------------------------------------------------------
// A user's action; the action's identity is the type, its input the Transition.
template <Action A>
struct act {
  static constexpr Action action = A;
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
using assign = act<Action::assign>;
using note = act<Action::note>;
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

// The lifecycle state a state type stands for: none for the state before `register`.
template <class S>
constexpr std::optional<State> state_of() {
  if constexpr (std::is_same_v<S, none>) return std::nullopt;
  else if constexpr (S::is_case_state) return S::value;
  else return std::nullopt;
}

// The action-table row of action A from state type S to state type T (T == S, or none:
// the state stays). A compile error when the table declares no such row.
template <Action A, class S, class T>
constexpr const ActionRow& row_of() {
  constexpr std::optional<State> from = state_of<S>();
  constexpr std::optional<State> to = std::is_same_v<T, none> ? from : state_of<T>();
  constexpr int index = spec_of(A).row_index(from, to);
  static_assert(index >= 0, "a transition row that the action table (fengqiao/action_table.hpp) does not declare");
  return spec_of(A).rows[static_cast<std::size_t>(index)];
}

// ---- The machine -------------------------------------------------------------------
struct LifecycleDef : msmf::state_machine_def<LifecycleDef> {
  Case* draft = nullptr;                     // the case being changed
  std::vector<std::string>* notified = nullptr;
  std::exception_ptr failure;                // an exception thrown by an effect

  // ---- The two functors of every lifecycle row ----
  struct Allowed {
    template <Action A, class F, class S, class T>
    bool operator()(const act<A>& e, F&, S&, T&) const {
      return passes_checks(e.t) && branch_holds(row_of<A, S, T>().when, e.t);
    }
  };
  struct Apply {
    template <Action A, class F, class S, class T>
    void operator()(const act<A>& e, F& fsm, S&, T&) const {
      constexpr const ActionRow& row = row_of<A, S, T>();
      constexpr std::optional<Stage> started = row.to ? stage_of(*row.to) : std::nullopt;
      record(e.t, row);
      apply_clock<row.clock, started.has_value()>(fsm, e.t, started);
      if constexpr (spec_of(A).raises_supervision) fsm.process_event(supervision_order{});
    }
  };

  // LIFECYCLE.md "Deadline rules": what a row's ClockEffect does to the draft's clocks.
  template <ClockEffect Effect, bool StartsAStage, class F>
  static void apply_clock(F& fsm, Transition& t, std::optional<Stage> started) {
    Case& c = *fsm.draft;
    if constexpr (Effect == ClockEffect::none) {
      (void)c, (void)t, (void)started;
    } else if constexpr (Effect == ClockEffect::start || Effect == ClockEffect::hold_and_start) {
      static_assert(StartsAStage, "a clock starts only in a state that runs one");
      if constexpr (Effect == ClockEffect::hold_and_start) {
        stop_clock(*c.clock, t.now);
        c.held_clock = std::move(c.clock);
      } else {
        c.held_clock.reset();
      }
      c.clock = start_clock(*started, t.rules.rule(*started, c.urgency, c.category), t.now, t.calendar);
      fsm.process_event(clock_reset{});
    } else if constexpr (Effect == ClockEffect::stop) {
      stop_clock(*c.clock, t.now);
    } else if constexpr (Effect == ClockEffect::resume || Effect == ClockEffect::resume_held) {
      if constexpr (Effect == ClockEffect::resume_held) {
        c.clock = std::move(c.held_clock);
        c.held_clock.reset();
      }
      run_again(*c.clock, t.now, t.calendar);
      reevaluate(fsm, t.now);
    } else if constexpr (Effect == ClockEffect::extend) {
      const bool days = t.data.contains("days");
      const long long n = t.data[days ? "days" : "hours"].template get<long long>();
      extend_clock(*c.clock, days ? Span::working_days(n) : Span::hours(n), t.now, t.calendar);
      reevaluate(fsm, t.now);
    } else {
      static_assert(Effect == ClockEffect::end || Effect == ClockEffect::discard);
      c.clock.reset();
      c.held_clock.reset();
      c.suspended_from.reset();
      fsm.process_event(clock_reset{});
    }
  }

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

  // ---- Guards and effects of the supervision region ----
  struct BelowLevel {  // an escalation step fires only if the case is below its level
    template <class F, class S, class T>
    bool operator()(const escalation& e, F& fsm, S&, T&) const { return fsm.draft->level < e.level; }
  };
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
  // Lifecycle region. The actions that leave the state as it is and are allowed from
  // many states (`note` everywhere, `supervise` in every open state, `assign` while a
  // department has the case) are internal transitions, one table per group of states.
  template <class... Rows>
  struct internal : msmf::state<> {
    struct internal_transition_table : mpl::vector<Rows...> {};
  };
  using note_row = msmf::Internal<ev::note, Apply, Allowed>;
  using supervise_row = msmf::Internal<ev::supervise, Apply, Allowed>;
  using assign_row = msmf::Internal<ev::assign, Apply, Allowed>;
  using finished = internal<note_row>;                               // closed, withdrawn
  using open = internal<supervise_row, note_row>;                    // open, no department working it
  using with_department = internal<supervise_row, assign_row, note_row>;
  template <State S, class Base>
  struct case_state : Base {
    static constexpr bool is_case_state = true;
    static constexpr State value = S;
  };
  struct new_case : msmf::state<> {
    static constexpr bool is_case_state = false;
  };
  struct registered : case_state<State::registered, open> {};
  struct dispatched : case_state<State::dispatched, with_department> {};
  struct handling : case_state<State::handling, with_department> {};
  struct consulting : case_state<State::consulting, with_department> {};
  struct suspended : case_state<State::suspended, with_department> {};
  struct concluded : case_state<State::concluded, open> {};
  struct feedback_given : case_state<State::feedback_given, open> {};
  struct closed : case_state<State::closed, finished> {};
  struct withdrawn : case_state<State::withdrawn, finished> {};
  // Supervision region. It only moves up, but every armed warning and deadline instant
  // still fires (and is counted) in a region already at or above it: those are internal
  // transitions of the higher regions.
  struct on_track : msmf::state<> {};
  struct warning : msmf::state<> {
    struct internal_transition_table : mpl::vector<
    msmf::Internal < deadline_warning , CountWarning , none >
    > {};
  };
  struct overdue : msmf::state<> {
    struct internal_transition_table : mpl::vector<
    msmf::Internal < deadline_warning , CountWarning , none >,
    msmf::Internal < deadline_overdue , CountOverdue , none >
    > {};
  };
  struct escalated : msmf::state<> {
    struct internal_transition_table : mpl::vector<
    msmf::Internal < deadline_warning , CountWarning , none >,
    msmf::Internal < deadline_overdue , CountOverdue , none >
    > {};
  };

  using initial_state = mpl::vector<new_case, on_track>;

  // clang-format off
  struct transition_table : mpl::vector<
  // ---- Lifecycle region: LIFECYCLE.md "Actions", top to bottom -----------------------
  //    from            action                  to
  Row < new_case      , ev::register_case     , registered    , Apply, Allowed >,
  Row < registered    , ev::resolve_on_spot   , concluded     , Apply, Allowed >,
  Row < registered    , ev::decline           , concluded     , Apply, Allowed >,
  Row < registered    , ev::dispatch          , dispatched    , Apply, Allowed >,
  Row < dispatched    , ev::accept            , handling      , Apply, Allowed >,
  Row < dispatched    , ev::return_           , registered    , Apply, Allowed >,
  Row < handling      , ev::transfer          , dispatched    , Apply, Allowed >,
  Row < handling      , ev::start_consultation, consulting    , Apply, Allowed >,
  Row < consulting    , ev::end_consultation  , handling      , Apply, Allowed >,
  Row < handling      , ev::suspend           , suspended     , Apply, Allowed >,
  Row < consulting    , ev::suspend           , suspended     , Apply, Allowed >,
  Row < suspended     , ev::resume            , handling      , Apply, Allowed >,
  Row < suspended     , ev::resume            , consulting    , Apply, Allowed >,
  Row < handling      , ev::extend            , none          , Apply, Allowed >,
  Row < consulting    , ev::extend            , none          , Apply, Allowed >,
  Row < handling      , ev::resolve           , concluded     , Apply, Allowed >,
  Row < consulting    , ev::resolve           , concluded     , Apply, Allowed >,
  Row < handling      , ev::refer             , concluded     , Apply, Allowed >,
  Row < consulting    , ev::refer             , concluded     , Apply, Allowed >,
  Row < concluded     , ev::give_feedback     , feedback_given, Apply, Allowed >,
  Row < feedback_given, ev::follow_up         , closed        , Apply, Allowed >,
  Row < feedback_given, ev::follow_up         , handling      , Apply, Allowed >,
  Row < feedback_given, ev::follow_up         , registered    , Apply, Allowed >,
  Row < closed        , ev::reopen            , handling      , Apply, Allowed >,
  Row < closed        , ev::reopen            , registered    , Apply, Allowed >,
  Row < registered    , ev::withdraw          , withdrawn     , Apply, Allowed >,
  Row < dispatched    , ev::withdraw          , withdrawn     , Apply, Allowed >,
  Row < handling      , ev::withdraw          , withdrawn     , Apply, Allowed >,
  Row < consulting    , ev::withdraw          , withdrawn     , Apply, Allowed >,
  Row < suspended     , ev::withdraw          , withdrawn     , Apply, Allowed >,
  // (`supervise`, `assign`, `note`: the internal tables of the states above.)
  // ---- Supervision region: LIFECYCLE.md "Firing", "Re-evaluation", `supervise` -------
  //    from            event                   to              effect          guard
  Row < on_track      , clock_reset           , on_track      , ResetLevel    , none >,
  Row < warning       , clock_reset           , on_track      , ResetLevel    , none >,
  Row < overdue       , clock_reset           , on_track      , ResetLevel    , none >,
  Row < escalated     , clock_reset           , on_track      , ResetLevel    , none >,
  Row < on_track      , passed_warning        , warning       , none          , none >,
  Row < on_track      , passed_deadline       , overdue       , none          , none >,
  Row < on_track      , deadline_warning      , warning       , CountWarning  , none >,
  Row < on_track      , deadline_overdue      , overdue       , CountOverdue  , none >,
  Row < warning       , deadline_overdue      , overdue       , CountOverdue  , none >,
  Row < on_track      , escalation            , escalated     , Escalate      , BelowLevel >,
  Row < warning       , escalation            , escalated     , Escalate      , BelowLevel >,
  Row < overdue       , escalation            , escalated     , Escalate      , BelowLevel >,
  Row < escalated     , escalation            , escalated     , Escalate      , BelowLevel >,
  Row < on_track      , supervision_order     , escalated     , RaiseLevel    , none >,
  Row < warning       , supervision_order     , escalated     , RaiseLevel    , none >,
  Row < overdue       , supervision_order     , escalated     , RaiseLevel    , none >,
  Row < escalated     , supervision_order     , escalated     , RaiseLevel    , none >
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

// ---- The table against the action table: no declared row is missing ----------------
// (Every row present is declared: row_of fails to compile otherwise.) The rows of the
// action table, one per (from state, row); a new case counts as one from-state.
constexpr std::size_t declared_rows() {
  std::size_t n = 0;
  for (const ActionSpec& s : kActionTable)
    for (const ActionRow* r = s.begin_rows(); r != s.end_rows(); ++r) n += r->from.empty() ? 1 : r->from.size();
  return n;
}
template <class Row>
struct is_action_row : mpl::false_ {};
template <Action A, class S, class T, class F, class G>
struct is_action_row<Row<S, act<A>, T, F, G>> : mpl::true_ {};
template <Action A, class F, class G>
struct is_action_row<msmf::Internal<act<A>, F, G>> : mpl::true_ {};
template <class Rows>
constexpr std::size_t action_rows_in = mpl::count_if<Rows, is_action_row<mpl::_1>>::value;

template <class... States>
struct StateList {
  // The lifecycle states in State's order: State s is the (s)-th type.
  static constexpr bool in_enum_order() {
    std::size_t i = 0;
    return ((States::value == static_cast<State>(i++)) && ...);
  }
  static constexpr std::size_t internal_action_rows() {
    return (action_rows_in<typename States::internal_transition_table> + ...);
  }
  static constexpr std::array<int, sizeof...(States)> ids() { return {id_of<States>...}; }
};
using LifecycleStates =
    StateList<LifecycleDef::registered, LifecycleDef::dispatched, LifecycleDef::handling, LifecycleDef::consulting,
              LifecycleDef::suspended, LifecycleDef::concluded, LifecycleDef::feedback_given, LifecycleDef::closed,
              LifecycleDef::withdrawn>;
static_assert(LifecycleStates::in_enum_order() && LifecycleStates::ids().size() == enum_count<State>,
              "LifecycleStates lists every State, in the enum's order");
static_assert(action_rows_in<LifecycleDef::transition_table> + LifecycleStates::internal_action_rows() == declared_rows(),
              "every row of the action table (fengqiao/action_table.hpp) has its row in the transition table");

// ---- Our enums <-> MSM state ids ----------------------------------------------------
constexpr std::array<int, enum_count<State>> kLifecycleIds = LifecycleStates::ids();
constexpr std::array<int, enum_count<Supervision>> kSupervisionIds = {
    id_of<LifecycleDef::on_track>, id_of<LifecycleDef::warning>, id_of<LifecycleDef::overdue>,
    id_of<LifecycleDef::escalated>};

template <class E, std::size_t N>
E from_id(const std::array<int, N>& ids, int id) {
  for (std::size_t i = 0; i < N; ++i)
    if (ids[i] == id) return static_cast<E>(i);
  return static_cast<E>(0);  // unreachable: every id in the table maps back (tested)
}

// ---- Restoring a stored case into the machine ---------------------------------------
// Boost.MSM persists a machine through its Boost.Serialization hook (serialize(ar, v)),
// which passes the array of active state ids (one per region) first. This archive is
// the one place that relies on that: it sets the array and ignores every other member.
// machine_restores_every_state_pair (tests) restores each pair of the two regions and
// reads it back, so a Boost that changed the hook would fail there, not in production.
class ActiveStatesArchive {
 public:
  explicit ActiveStatesArchive(const int (&ids)[2]) : ids_(ids) {}
  template <class T>
  ActiveStatesArchive& operator&(T& member) {
    assign(member);
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

void restore(Machine& m, int lifecycle_id, int supervision_id) {
  const int ids[2] = {lifecycle_id, supervision_id};
  ActiveStatesArchive archive(ids);
  m.serialize(archive, 0);
}

// One machine per thread, reused: constructing Boost.MSM's queues per action would cost
// more than the transition itself.
Machine& machine_for(Case& draft, bool is_new) {
  thread_local Machine m = [] {
    Machine fresh;
    fresh.start();
    return fresh;
  }();
  restore(m, is_new ? id_of<LifecycleDef::new_case> : kLifecycleIds[static_cast<std::size_t>(draft.state)],
          kSupervisionIds[static_cast<std::size_t>(draft.supervision)]);
  m.draft = &draft;
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
constexpr auto kDispatch = make_dispatch(std::make_index_sequence<enum_count<Action>>{});

}  // namespace

std::optional<Error> run_action(Transition& t) {
  const bool is_new = t.action == Action::register_case;
  Machine& m = machine_for(t.draft, is_new);
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

namespace fengqiao::detail {

std::pair<State, Supervision> restored(State state, Supervision supervision) {
  Case probe;
  probe.state = state;
  probe.supervision = supervision;
  Machine& m = machine_for(probe, false);
  Case read;
  store_states(m, read);
  return {read.state, read.supervision};
}

}  // namespace fengqiao::detail
