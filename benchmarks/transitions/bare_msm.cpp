// A bare Boost.MSM machine with the engine's table: the lifecycle region's 30 rows and
// the supervision region's 17, the same states (open states sharing the internal
// `supervise` transition, the supervision states' internal transitions) and the same
// events. Guards that choose between rows read one field; the others return true.
// Effects only count. Compiled like src/lifecycle/machine.cpp: same MPL limits, -g0.
#define BOOST_MPL_CFG_NO_PREPROCESSED_HEADERS
#define BOOST_MPL_LIMIT_VECTOR_SIZE 50
#define BOOST_MPL_LIMIT_MAP_SIZE 50

#include "transitions/bare_msm.hpp"

#include <chrono>

#include <boost/msm/back/state_machine.hpp>
#include <boost/msm/front/functor_row.hpp>
#include <boost/msm/front/state_machine_def.hpp>

namespace bare {
namespace {

namespace msmf = boost::msm::front;
using msmf::none;
using msmf::Row;

// An action event: its identity is the type; `arg` feeds the row-choosing guards.
template <int A>
struct act {
  int arg = 0;
};
namespace ev {
using register_case = act<0>;
using resolve_on_spot = act<1>;
using decline = act<2>;
using dispatch = act<3>;
using accept = act<4>;
using return_ = act<5>;
using transfer = act<6>;
using start_consultation = act<7>;
using end_consultation = act<8>;
using suspend = act<9>;
using resume = act<10>;
using extend = act<11>;
using resolve = act<12>;
using refer = act<13>;
using give_feedback = act<14>;
using follow_up = act<15>;
using reopen = act<16>;
using withdraw = act<17>;
using supervise = act<18>;
}  // namespace ev
struct deadline_warning {};
struct deadline_overdue {};
struct escalation {
  int level;
};
struct clock_reset {};
struct passed_warning {};
struct passed_deadline {};
struct supervision_order {};

struct Def : msmf::state_machine_def<Def> {
  std::uint64_t effects = 0;
  bool has_lead = false;
  int suspended_from = 0;
  int level = 0;

  struct Allowed {
    template <class E, class F, class S, class T>
    bool operator()(const E&, F&, S&, T&) const { return true; }
  };
  template <int Arg>
  struct ArgIs {
    template <class E, class F, class S, class T>
    bool operator()(const E& e, F&, S&, T&) const { return e.arg == Arg; }
  };
  using Satisfied = ArgIs<0>;
  using Unsatisfied = ArgIs<1>;
  struct HasLead {
    template <class E, class F, class S, class T>
    bool operator()(const E&, F& fsm, S&, T&) const { return fsm.has_lead; }
  };
  struct NoLead {
    template <class E, class F, class S, class T>
    bool operator()(const E&, F& fsm, S&, T&) const { return !fsm.has_lead; }
  };
  template <int From>
  struct SuspendedFrom {
    template <class E, class F, class S, class T>
    bool operator()(const E&, F& fsm, S&, T&) const { return fsm.suspended_from == From; }
  };
  struct BelowLevel {
    template <class F, class S, class T>
    bool operator()(const escalation& e, F& fsm, S&, T&) const { return fsm.level < e.level; }
  };
  template <int Tag>
  struct Count {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& fsm, S&, T&) const { fsm.effects += Tag; }
  };
  template <class... Guards>
  struct All {
    template <class E, class F, class S, class T>
    bool operator()(const E& e, F& fsm, S& s, T& t) const { return (Guards()(e, fsm, s, t) && ...); }
  };

  struct open_state : msmf::state<> {
    struct internal_transition_table : boost::mpl::vector<
    msmf::Internal < ev::supervise , Count<1> , Allowed >
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
  struct on_track : msmf::state<> {};
  struct warning : msmf::state<> {
    struct internal_transition_table : boost::mpl::vector<
    msmf::Internal < deadline_warning , Count<1> , none >
    > {};
  };
  struct overdue : msmf::state<> {
    struct internal_transition_table : boost::mpl::vector<
    msmf::Internal < deadline_warning , Count<1> , none >,
    msmf::Internal < deadline_overdue , Count<1> , none >
    > {};
  };
  struct escalated : msmf::state<> {
    struct internal_transition_table : boost::mpl::vector<
    msmf::Internal < deadline_warning , Count<1> , none >,
    msmf::Internal < deadline_overdue , Count<1> , none >
    > {};
  };
  using initial_state = boost::mpl::vector<new_case, on_track>;

  using E = Count<1>;  // every effect of the engine's table becomes this one

  // clang-format off
  struct transition_table : boost::mpl::vector<
  Row < new_case      , ev::register_case     , registered    , E , Allowed >,
  Row < registered    , ev::resolve_on_spot   , concluded     , E , Allowed >,
  Row < registered    , ev::decline           , concluded     , E , Allowed >,
  Row < registered    , ev::dispatch          , dispatched    , E , Allowed >,
  Row < dispatched    , ev::accept            , handling      , E , Allowed >,
  Row < dispatched    , ev::return_           , registered    , E , Allowed >,
  Row < handling      , ev::transfer          , dispatched    , E , Allowed >,
  Row < handling      , ev::start_consultation, consulting    , E , Allowed >,
  Row < consulting    , ev::end_consultation  , handling      , E , Allowed >,
  Row < handling      , ev::suspend           , suspended     , E , Allowed >,
  Row < consulting    , ev::suspend           , suspended     , E , Allowed >,
  Row < suspended     , ev::resume            , handling      , E , All<Allowed, SuspendedFrom<0>> >,
  Row < suspended     , ev::resume            , consulting    , E , All<Allowed, SuspendedFrom<1>> >,
  Row < handling      , ev::extend            , none          , E , Allowed >,
  Row < consulting    , ev::extend            , none          , E , Allowed >,
  Row < handling      , ev::resolve           , concluded     , E , Allowed >,
  Row < consulting    , ev::resolve           , concluded     , E , Allowed >,
  Row < handling      , ev::refer             , concluded     , E , Allowed >,
  Row < consulting    , ev::refer             , concluded     , E , Allowed >,
  Row < concluded     , ev::give_feedback     , feedback_given, E , Allowed >,
  Row < feedback_given, ev::follow_up         , closed        , E , All<Allowed, Satisfied> >,
  Row < feedback_given, ev::follow_up         , handling      , E , All<Allowed, Unsatisfied, HasLead> >,
  Row < feedback_given, ev::follow_up         , registered    , E , All<Allowed, Unsatisfied, NoLead> >,
  Row < closed        , ev::reopen            , handling      , E , All<Allowed, HasLead> >,
  Row < closed        , ev::reopen            , registered    , E , All<Allowed, NoLead> >,
  Row < registered    , ev::withdraw          , withdrawn     , E , Allowed >,
  Row < dispatched    , ev::withdraw          , withdrawn     , E , Allowed >,
  Row < handling      , ev::withdraw          , withdrawn     , E , Allowed >,
  Row < consulting    , ev::withdraw          , withdrawn     , E , Allowed >,
  Row < suspended     , ev::withdraw          , withdrawn     , E , Allowed >,
  Row < on_track      , clock_reset           , on_track      , E , none >,
  Row < warning       , clock_reset           , on_track      , E , none >,
  Row < overdue       , clock_reset           , on_track      , E , none >,
  Row < escalated     , clock_reset           , on_track      , E , none >,
  Row < on_track      , passed_warning        , warning       , none , none >,
  Row < on_track      , passed_deadline       , overdue       , none , none >,
  Row < on_track      , deadline_warning      , warning       , E , none >,
  Row < on_track      , deadline_overdue      , overdue       , E , none >,
  Row < warning       , deadline_overdue      , overdue       , E , none >,
  Row < on_track      , escalation            , escalated     , E , BelowLevel >,
  Row < warning       , escalation            , escalated     , E , BelowLevel >,
  Row < overdue       , escalation            , escalated     , E , BelowLevel >,
  Row < escalated     , escalation            , escalated     , E , BelowLevel >,
  Row < on_track      , supervision_order     , escalated     , E , none >,
  Row < warning       , supervision_order     , escalated     , E , none >,
  Row < overdue       , supervision_order     , escalated     , E , none >,
  Row < escalated     , supervision_order     , escalated     , E , none >
  > {};
  // clang-format on

  template <class F, class Ev>
  void no_transition(const Ev&, F&, int) {}
};

using Machine = boost::msm::back::state_machine<Def>;

// Writes two region ids into the machine's state array through MSM's serialization hook
// (the first int[2] it visits), the way a program restores a machine from a record.
class Restore {
 public:
  explicit Restore(const int* ids) : ids_(ids) {}
  template <class T>
  Restore& operator&(T& field) {
    put(field);
    return *this;
  }

 private:
  void put(int (&states)[2]) {
    if (done_) return;
    states[0] = ids_[0];
    states[1] = ids_[1];
    done_ = true;
  }
  template <class T>
  void put(T&) {}
  const int* ids_;
  bool done_ = false;
};

// The six steps as events, in the loop's order.
template <class F>
void six_steps(F&& fire) {
  fire(ev::register_case{});
  fire(ev::dispatch{});
  fire(ev::accept{});
  fire(ev::resolve{});
  fire(ev::give_feedback{});
  fire(ev::follow_up{0});
}

// A stored case as a program without an engine would keep it: the two region ids.
struct Record {
  int states[2];
};

}  // namespace

std::uint64_t lifecycles_fresh(std::size_t n) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    Machine m;
    m.start();
    six_steps([&](const auto& e) { m.process_event(e); });
    sum += m.effects + static_cast<std::uint64_t>(m.current_state()[0]);
  }
  return sum;
}

std::uint64_t lifecycles_restored(std::size_t n) {
  Machine m;
  m.start();
  const Record initial{{m.current_state()[0], m.current_state()[1]}};
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    Record r = initial;
    six_steps([&](const auto& e) {
      Restore restore(r.states);
      m.serialize(restore, 0);
      m.process_event(e);
      r.states[0] = m.current_state()[0];
      r.states[1] = m.current_state()[1];
    });
    sum += static_cast<std::uint64_t>(r.states[0]);
  }
  return sum + m.effects;
}

void event_latencies(std::size_t cases, std::vector<double>& out_ns) {
  Machine m;
  m.start();
  const Record initial{{m.current_state()[0], m.current_state()[1]}};
  out_ns.reserve(out_ns.size() + cases * 6);
  for (std::size_t i = 0; i < cases; ++i) {
    Record r = initial;
    six_steps([&](const auto& e) {
      const auto t0 = std::chrono::steady_clock::now();
      Restore restore(r.states);
      m.serialize(restore, 0);
      m.process_event(e);
      r.states[0] = m.current_state()[0];
      r.states[1] = m.current_state()[1];
      out_ns.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count());
    });
  }
}

}  // namespace bare
