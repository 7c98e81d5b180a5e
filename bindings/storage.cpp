// Storage adapters. Python picks one and hands it to an Engine (or to replay); the engine
// is the only thing that writes to it. The configuration a store keeps can be read here,
// e.g. to see which calendar a file was written with before opening an engine on it.
#include <memory>
#include <optional>
#include <vector>

#include <fengqiao/configuration.hpp>
#include <fengqiao/memory_storage.hpp>

#include "common.hpp"
#include "hints.hpp"

namespace fengqiao::python {

void bind_storage(py::module_& m) {
  py::class_<Storage, std::shared_ptr<Storage>>(m, "Storage", "Base of the storage adapters an Engine accepts.")
      .def(
          "configuration",
          [](const Storage& s) {
            Result<std::optional<ConfigRecord>> r = [&] {
              py::gil_scoped_release nogil;
              return s.configuration();
            }();
            std::optional<ConfigRecord> record = std::move(r).value_or_throw();
            return OptionalConfigRecord(record ? py::cast(std::move(*record)) : py::none());
          },
          "The ConfigRecord in force as the store keeps it, or None when it keeps none (a new store, "
          "or a file written before fengqiao kept its configuration).")
      .def(
          "configuration_history",
          [](const Storage& s) {
            std::vector<ConfigRecord> records;
            Status st = [&] {
              py::gil_scoped_release nogil;
              return s.read_configurations(1, [&](const ConfigRecord& r) {
                records.push_back(r);
                return true;
              });
            }();
            st.throw_if_error();
            py::list out;
            for (auto& r : records) out.append(py::cast(std::move(r)));
            return ConfigRecordList(std::move(out));
          },
          "Every ConfigRecord the store kept, oldest first.");

  py::class_<MemoryStorage, Storage, std::shared_ptr<MemoryStorage>>(
      m, "MemoryStorage", "Cases in memory; nothing survives the process. Share one between engines like a database.")
      .def(py::init([](bool keep_events, const DurationLike& busy_timeout) {
             MemoryStorageOptions o;
             o.keep_events = keep_events;
             o.busy_timeout = to_millis(busy_timeout, "busy_timeout");
             return std::make_shared<MemoryStorage>(o);
           }),
           py::kw_only(), py::arg("keep_events") = true, py::arg("busy_timeout") = 5.0,
           "keep_events=False keeps snapshots only (memory grows with cases, not events); "
           "history() then raises StorageError. busy_timeout (seconds or a timedelta): how long "
           "another thread waits for a batch on this storage before Busy.");
}

}  // namespace fengqiao::python
