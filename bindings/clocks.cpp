// Clocks: where an engine's "now" comes from. ManualClock is what tests, replays and
// simulations use; times it reports are UTC (a clock has no calendar of its own).
#include <memory>

#include <fengqiao/clock.hpp>

#include "common.hpp"
#include "hints.hpp"

namespace fengqiao::python {

void bind_clocks(py::module_& m) {
  py::class_<Clock, std::shared_ptr<Clock>>(m, "Clock", "Base of the clocks an Engine accepts.")
      .def("now", [](const Clock& c) { return Datetime(to_datetime(c.now(), UtcOffset::from_seconds(0))); },
           "The current instant, as an aware datetime in UTC.");

  py::class_<SystemClock, Clock, std::shared_ptr<SystemClock>>(m, "SystemClock",
                                                               "The wall clock, in whole seconds.")
      .def(py::init<>(), "Reads the system's clock at each now().");

  py::class_<ManualClock, Clock, std::shared_ptr<ManualClock>>(
      m, "ManualClock", "A clock that moves only when told to; safe to move from any thread.")
      .def(py::init([](const OptionalInstantLike& start) {
             return std::make_shared<ManualClock>(start.is_none() ? Instant{} : to_instant(start, "start"));
           }),
           py::arg("start") = py::none(), "Starts at `start` (aware datetime or ISO string), else 1970-01-01 UTC.")
      .def(
          "set", [](ManualClock& c, const InstantLike& when) { c.set(to_instant(when, "when")); }, py::arg("when"),
          "Moving it backwards is allowed; the engine never fires anything twice.")
      .def(
          "advance", [](ManualClock& c, const DurationLike& by) { c.advance(to_seconds(by, "by")); }, py::arg("by"),
          "By a timedelta or a number of seconds.");
}

}  // namespace fengqiao::python
