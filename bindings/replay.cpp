// fengqiao.replay(): run a recorded history (HISTORY-FORMAT.md) and report whether the
// engine still does what it says. A file is streamed from C++ rather than read into
// Python, so a history of millions of lines needs memory for one line, as in C++.
#include <cerrno>
#include <fstream>
#include <memory>
#include <sstream>

#include <fengqiao/replay.hpp>

#include "common.hpp"
#include "hints.hpp"

namespace fengqiao::python {
namespace {

// A str is a history's text when it starts (after blank space) with the header's '{',
// else a path: no file name of a history starts with '{', and every history text does.
bool looks_like_text(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  return first != std::string::npos && s[first] == '{';
}

ReplayResult replay_stream(std::istream& in, const ReplayOptions& options) {
  py::gil_scoped_release nogil;
  return replay(in, options);
}

ReplayResult run(const HistorySource& history, const OptionalStr& source, const OptionalStorage& storage,
                 bool keep_going) {
  ReplayOptions options;
  options.keep_going = keep_going;
  if (!storage.is_none()) {
    if (!py::isinstance<Storage>(storage)) throw py::type_error("storage: expected a fengqiao.Storage or None");
    options.storage = storage.cast<std::shared_ptr<Storage>>();
  }
  const bool named = !source.is_none();
  if (named) options.source = source.cast<std::string>();

  if (py::isinstance<py::bytes>(history) || (py::isinstance<py::str>(history) &&
                                             looks_like_text(history.cast<std::string>()))) {
    std::istringstream in(history.cast<std::string>());
    if (!named) options.source = "<text>";
    return replay_stream(in, options);
  }
  // os.fspath accepts str and path-like objects and refuses the rest with a TypeError.
  py::object path = py::module_::import("os").attr("fspath")(history);
  const std::string file = py::str(path).cast<std::string>();
  errno = 0;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    errno = errno ? errno : ENOENT;
    PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path.ptr());
    throw py::error_already_set();
  }
  if (!named) options.source = file;
  return replay_stream(in, options);
}

// The failure as ReplayFailure::to_json has it: expected/actual as structured values (None
// where there is nothing), the deadline explanation and the calendar hint.
JsonDict failure_dict(const ReplayFailure& f) { return JsonDict(from_json(f.to_json())); }

}  // namespace

void bind_replay(py::module_& m) {
  py::class_<ReplayFailure>(m, "ReplayFailure", "Where a replay stopped and why.")
      .def_property_readonly("kind", [](const ReplayFailure& f) { return std::string(to_string(f.kind)); },
                             "invalid_history, divergence, expectation, unexpected_error or missing_error.")
      .def_readonly("line", &ReplayFailure::line, "The history's line number (1 is the header).")
      .def_readonly("case_id", &ReplayFailure::case_id, "The case of that line (\"\" for the header).")
      .def_readonly("expected", &ReplayFailure::expected, "What the history says.")
      .def_readonly("actual", &ReplayFailure::actual, "What the engine did.")
      .def_readonly("message", &ReplayFailure::message, "The whole story in one sentence, with the line.")
      .def("to_dict", &failure_dict, "The failure as a dict: kind, line, case, expected and actual (structured values, None where there is nothing), message, and for a deadline divergence its explanation and hint.")
      .def(
          "__repr__",
          [](const ReplayFailure& f) {
            return "<fengqiao.ReplayFailure " + std::string(to_string(f.kind)) + " at line " + std::to_string(f.line) +
                   ": " + f.message + ">";
          },
          "Kind, line and message.");

  py::class_<ReplayResult>(m, "ReplayResult", "What replay() found.")
      .def_property_readonly("clean", &ReplayResult::clean, "True when the engine did all the history says.")
      .def_property_readonly(
          "failure",
          [](const ReplayResult& r) { return OptionalReplayFailure(r.failure ? py::cast(*r.failure) : py::none()); },
          "The first failure (where it stopped, unless keep_going), or None when clean.")
      .def_property_readonly(
          "failures",
          [](const ReplayResult& r) {
            py::list out;
            for (const auto& f : r.failures) out.append(py::cast(f));
            return ReplayFailureList(out);
          },
          "Every failure in line order: the first only, unless replay() ran with keep_going=True.")
      .def_readonly("source", &ReplayResult::source, "The file's path, `source` as given, or \"<text>\".")
      .def_readonly("lines", &ReplayResult::lines, "Non-blank lines read, header included.")
      .def_readonly("cases", &ReplayResult::cases, "Cases registered.")
      .def_readonly("actions", &ReplayResult::actions, "Action lines applied, refusals included.")
      .def_readonly("visits", &ReplayResult::visits, "Visit lines applied, refusals included.")
      .def_readonly("config_changes", &ReplayResult::config_changes,
                    "Configuration lines (calendar or rules updates) applied, refusals included.")
      .def_readonly("events_checked", &ReplayResult::events_checked,
                    "Engine event lines (deadline events) compared with what the engine fired.")
      .def_readonly("expectations", &ReplayResult::expectations, "`expect` lines checked.")
      .def_readonly("hashes_checked", &ReplayResult::hashes_checked,
                    "Lines whose \"hash\" (docs/CHAIN.md) the replayed event reproduced.")
      .def("describe", &ReplayResult::describe,
           "One line: \"clean\" with the counts, or the failure, as `fengqiao replay` prints it.")
      .def("to_dict", [](const ReplayResult& r) { return JsonDict(from_json(r.to_json())); },
           "As `fengqiao replay --json` prints it.")
      .def("__bool__", &ReplayResult::clean, "clean.")
      .def("__str__", &ReplayResult::describe, "describe().")
      .def(
          "__repr__",
          [](const ReplayResult& r) {
            return "<fengqiao.ReplayResult " + r.source + (r.clean() ? " clean" : " FAILED") + ">";
          },
          "Source, and clean or FAILED.");

  m.def("replay", &run, py::arg("history"), py::arg("source") = py::none(), py::arg("storage") = py::none(),
        py::kw_only(), py::arg("keep_going") = false,
        "Replays a history on a fresh engine with a manual clock. `history` is a path (str or "
        "os.PathLike), or the history's text (str starting with '{', or bytes). Stops at the "
        "first divergence unless keep_going=True, which goes on and reports every failure in "
        "`failures` (a malformed line still ends it); a malformed history is reported as a failure of kind invalid_history, "
        "not raised. A missing file raises FileNotFoundError.");
}

}  // namespace fengqiao::python
