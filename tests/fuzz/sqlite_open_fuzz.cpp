// Fuzz target: opening a damaged SQLite file. The input is the whole file (the seeds are
// small fengqiao databases of each schema version); it is opened read-only and read
// through, then opened writable — which migrates an older schema — and read again. A
// damaged file must be refused at open or give storage_error from the call that meets the
// damage (check_integrity names it): no crash, no exception, nothing the sanitizers object
// to. SQLite's own parsing of a corrupt file is SQLite's business (it is fuzzed upstream);
// what is checked here is fengqiao's reading of what SQLite hands back: snapshots and
// events stored as compact blobs (schema 5) or JSON (before it), visits and configuration
// records stored as JSON, and the indexed columns beside them.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <random>
#include <streambuf>
#include <string>

#include <fengqiao/history.hpp>
#include <fengqiao/sqlite_storage.hpp>

namespace {

namespace fs = std::filesystem;

// A private directory for this process's file, removed at exit: libFuzzer may run several
// jobs side by side, and each run rewrites the file from scratch.
class Scratch {
 public:
  Scratch() {
    std::random_device seed;
    for (;;) {
      dir_ = fs::temp_directory_path() / ("fengqiao-fuzz-" + std::to_string(seed()));
      if (fs::create_directory(dir_)) break;
    }
    file_ = (dir_ / "fuzz.db").string();
  }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  // The input as the database file, with no -wal or -shm left by the previous run (a
  // stale WAL would be replayed into the new file).
  const std::string& write(const std::uint8_t* data, std::size_t size) const {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::error_code ignored;
      fs::remove(file_ + suffix, ignored);
    }
    std::ofstream(file_, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return file_;
  }

 private:
  fs::path dir_;
  std::string file_;
};

// Discards what export writes: only the reading matters here.
class NullBuffer : public std::streambuf {
 protected:
  int overflow(int c) override { return traits_type::not_eof(c); }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

// Everything a reader of the store can ask for. Every answer is a Result: its value or
// its error are both fine, as long as reading does not crash.
void read_through(const fengqiao::SqliteStorage& storage) {
  (void)storage.check_integrity();
  auto cases = storage.query(fengqiao::CaseQuery{});
  if (cases) {
    std::size_t n = 0;
    for (const auto& c : *cases) {
      if (++n > 64) break;  // a damaged index may list many; a few show the decoding
      (void)storage.load(c.id);
      (void)storage.read_events(c.id, 1, [](const fengqiao::Event&) { return true; });
    }
  }
  (void)storage.count(fengqiao::CaseQuery{});
  (void)storage.first_due(fengqiao::Instant::max());
  (void)storage.outbox_fetch(64);
  (void)storage.outbox_depth();
  (void)storage.visits(fengqiao::VisitQuery{});
  (void)storage.count_visits(fengqiao::VisitQuery{});
  (void)storage.configuration();
  (void)storage.read_configurations(1, [](const fengqiao::ConfigRecord&) { return true; });
  // An auditor's export reads every case, event, visit and configuration record again,
  // merged in time order.
  NullBuffer discard;
  std::ostream out(&discard);
  (void)fengqiao::history::export_cases(storage, {}, out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Scratch scratch;
  const std::string& path = scratch.write(data, size);

  fengqiao::SqliteOptions read_only;
  read_only.create_if_missing = false;
  read_only.read_only = true;
  read_only.busy_timeout = std::chrono::milliseconds(0);
  if (auto storage = fengqiao::SqliteStorage::open(path, read_only)) read_through(**storage);

  fengqiao::SqliteOptions writable = read_only;
  writable.read_only = false;
  if (auto storage = fengqiao::SqliteStorage::open(path, writable)) read_through(**storage);
  return 0;
}
