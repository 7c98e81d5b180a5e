// Python objects the binding converts itself, typed for help() and the stubs.
//
// An argument the binding reads as "an Actor or a dict", "an aware datetime or an ISO
// string", ... is a py::object to C++; pybind11 would print it as `handle` or `object` in
// every signature (help(), __doc__, and what tests/bindings/test_stubs.py compares with
// fengqiao.pyi). Hinted<T> is that object under the name T::text, so the signature says
// what a caller may pass and the stub can say the same thing.
#pragma once

#include <pybind11/pybind11.h>

namespace fengqiao::python {

namespace py = pybind11;

template <class Hint>
class Hinted : public py::object {
 public:
  // Any object loads: the binding's own conversion (to_actor, to_instant, ...) checks it
  // and raises the error naming the argument.
  static bool accepts(PyObject*) { return true; }
  PYBIND11_OBJECT_DEFAULT(Hinted, py::object, accepts)
};

// The type texts, in the spelling of fengqiao.pyi (typing's names, as pybind11 itself
// writes List[...] and Optional[...]).
#define FENGQIAO_HINT(NAME, TEXT)                 \
  struct NAME##Hint {                             \
    static constexpr const char text[] = TEXT;    \
  };                                              \
  using NAME = Hinted<NAME##Hint>

FENGQIAO_HINT(Parties, "List[Dict[str, Any]]");
FENGQIAO_HINT(JsonDict, "Dict[str, Any]");
FENGQIAO_HINT(OptionalJsonDict, "Optional[Dict[str, Any]]");
FENGQIAO_HINT(ActorLike, "Union[fengqiao.Actor, Dict[str, str]]");
FENGQIAO_HINT(OptionalActor, "Optional[fengqiao.Actor]");
FENGQIAO_HINT(InstantLike, "Union[datetime.datetime, str]");
FENGQIAO_HINT(OptionalInstantLike, "Union[datetime.datetime, str, None]");
FENGQIAO_HINT(Datetime, "datetime.datetime");
FENGQIAO_HINT(OptionalDatetime, "Optional[datetime.datetime]");
FENGQIAO_HINT(DayLike, "Union[datetime.date, str]");
FENGQIAO_HINT(DurationLike, "Union[datetime.timedelta, float]");
FENGQIAO_HINT(OptionalStr, "Optional[str]");
FENGQIAO_HINT(Strings, "List[str]");
FENGQIAO_HINT(OptionalStrings, "Union[str, Iterable[str], None]");
FENGQIAO_HINT(CalendarLike, "Union[fengqiao.BusinessCalendar, Dict[str, Any]]");
FENGQIAO_HINT(OptionalCalendarLike, "Union[fengqiao.BusinessCalendar, Dict[str, Any], None]");
FENGQIAO_HINT(RulesLike, "Union[fengqiao.DeadlineRules, Dict[str, Any]]");
FENGQIAO_HINT(OptionalRulesLike, "Union[fengqiao.DeadlineRules, Dict[str, Any], None]");
FENGQIAO_HINT(OptionalStorage, "Optional[fengqiao.Storage]");
FENGQIAO_HINT(OptionalClock, "Optional[fengqiao.Clock]");
FENGQIAO_HINT(EventListener, "Callable[[fengqiao.Event, fengqiao.Case], object]");
FENGQIAO_HINT(ConfigurationListener, "Callable[[fengqiao.ConfigRecord], object]");
FENGQIAO_HINT(OptionalFailureHandler, "Optional[Callable[[fengqiao.ListenerFailure], object]]");
FENGQIAO_HINT(HistorySource, "Union[str, bytes, os.PathLike[str]]");
FENGQIAO_HINT(ExceptionType, "Optional[Type[BaseException]]");
FENGQIAO_HINT(OptionalException, "Optional[BaseException]");
FENGQIAO_HINT(Traceback, "Optional[types.TracebackType]");
FENGQIAO_HINT(CaseList, "List[fengqiao.Case]");
FENGQIAO_HINT(EventList, "List[fengqiao.Event]");
FENGQIAO_HINT(VisitList, "List[fengqiao.Visit]");
FENGQIAO_HINT(ConfigRecordList, "List[fengqiao.ConfigRecord]");
FENGQIAO_HINT(ReplayFailureList, "List[fengqiao.ReplayFailure]");
FENGQIAO_HINT(OptionalConfigRecord, "Optional[fengqiao.ConfigRecord]");
FENGQIAO_HINT(OptionalCase, "Optional[fengqiao.Case]");
FENGQIAO_HINT(OptionalReplayFailure, "Optional[fengqiao.ReplayFailure]");

#undef FENGQIAO_HINT

}  // namespace fengqiao::python

namespace pybind11::detail {
template <class Hint>
struct handle_type_name<fengqiao::python::Hinted<Hint>> {
  static constexpr auto name = const_name(Hint::text);
};
}  // namespace pybind11::detail
