// The file under an open SqliteStorage (issue 12, "What was seen" 5): a file deleted or
// replaced while a store has it open must make further commits fail with storage_error
// (they were acknowledged into an unlinked file and lost at close), and a read-only reader
// run as another user must not leave -wal/-shm files the writer cannot write. The
// other-user cases need root (to switch users in a child process) and are skipped without it.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>

#include <fengqiao/sqlite_storage.hpp>
#include <fengqiao/testing/storage_conformance.hpp>

using namespace fengqiao;
using namespace fengqiao::testing::conformance;

namespace {

const std::string kWal = "-wal", kShm = "-shm";

// Runs `body` in a child process as `uid` (gid the same); returns its exit code.
int as_user(uid_t uid, const std::function<int()>& body) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0) _exit(100);
    int code = 101;
    try {
      code = body();
    } catch (...) {
    }
    _exit(code);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

uid_t owner_of(const std::string& path) {
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  return st.st_uid;
}

constexpr uid_t kWriter = 65534, kReader = 54321;

// A directory both users may create files in, as a shared data directory is.
struct SharedDir {
  fengqiao::testing::TempDir dir;
  SharedDir() { std::filesystem::permissions(dir.path(), std::filesystem::perms::all); }
  std::string db() const { return dir.file("center.db"); }
};

// The writer's process: opens writable, commits case `id`. 0 on success, 1 refused at open, 2 at commit.
int write_case(const std::string& db, const std::string& id) {
  auto store = SqliteStorage::open(db);
  if (!store) return 1;
  return (*store)->commit(change(make_case(id, 1), 0)) ? 0 : 2;
}

// The reader's process: opens read-only and reads. 0 read, 1 refused at open, 2 a read failed.
int read_cases(const std::string& db) {
  SqliteOptions ro;
  ro.read_only = true;
  ro.create_if_missing = false;
  auto store = SqliteStorage::open(db, ro);
  if (!store) return 1;
  return (*store)->count(CaseQuery{}) ? 0 : 2;
}

}  // namespace

TEST_CASE("a database file deleted under an open store: every later commit is storage_error") {
  fengqiao::testing::TempDir dir;
  const std::string db = dir.file("center.db");
  auto store = SqliteStorage::open(db).value_or_throw();
  need(store->commit(change(make_case("C-1", 1), 0)), "first commit");
  std::filesystem::remove(db);
  const Status refused = store->commit(change(make_case("C-2", 1), 0));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::storage_error);
  CHECK_MESSAGE(refused.error().message.find("was deleted since the store opened it") != std::string::npos,
                refused.error().message);
  CHECK_FALSE(store->begin_batch());
}

TEST_CASE("a database file replaced under an open store: commits refused, the new file untouched") {
  fengqiao::testing::TempDir dir;
  const std::string db = dir.file("center.db"), other = dir.file("other.db");
  auto store = SqliteStorage::open(db).value_or_throw();
  need(store->commit(change(make_case("C-1", 1), 0)), "first commit");
  { need(SqliteStorage::open(other).value_or_throw()->commit(change(make_case("O-1", 1), 0)), "other file"); }
  std::filesystem::rename(other, db);
  const Status refused = store->commit(change(make_case("C-2", 1), 0));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::storage_error);
  CHECK_MESSAGE(refused.error().message.find("was replaced by another file") != std::string::npos, refused.error().message);
  // Closing the store leaves no log of the file that is gone for the new one to be read through.
  store.reset();
  auto now = SqliteStorage::open(db).value_or_throw();
  CHECK(now->count(CaseQuery{}).value() == 1);
  CHECK(now->load("O-1"));
  CHECK(now->load("C-1").error().code == ErrorCode::unknown_case);
}

TEST_CASE("a batch whose file was deleted meanwhile is refused at commit, not acknowledged") {
  fengqiao::testing::TempDir dir;
  const std::string db = dir.file("center.db");
  auto store = SqliteStorage::open(db).value_or_throw();
  need(store->begin_batch(), "begin_batch");
  need(store->commit(change(make_case("C-1", 1), 0)), "commit in the batch");
  std::filesystem::remove(db);
  const Status refused = store->end_batch(true);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::storage_error);
  CHECK(refused.error().message.find("deleted") != std::string::npos);
}

TEST_CASE("a reader run as another user leaves no file its writer cannot write") {
  if (geteuid() != 0) return;  // needs to switch users
  SharedDir shared;
  const std::string db = shared.db();
  REQUIRE(as_user(kWriter, [&] { return write_case(db, "C-1"); }) == 0);
  // `fengqiao report` run by another user, with no writer open.
  CHECK(as_user(kReader, [&] { return read_cases(db); }) == 0);
  for (const auto& entry : std::filesystem::directory_iterator(shared.dir.path())) {
    CAPTURE(entry.path().string());
    CHECK(owner_of(entry.path().string()) == kWriter);
  }
  // Before, the reader had created -wal and -shm as its own (mode 0644): "attempt to write
  // a readonly database".
  CHECK(as_user(kWriter, [&] { return write_case(db, "C-2"); }) == 0);
  // And while a writer has it open.
  CHECK(as_user(kReader, [&] { return read_cases(db); }) == 0);
}

TEST_CASE("a reader as another user on a file without -wal/-shm is refused and creates nothing") {
  if (geteuid() != 0) return;
  SharedDir shared;
  const std::string db = shared.db();
  REQUIRE(as_user(kWriter, [&] { return write_case(db, "C-1"); }) == 0);
  // As a file closed by an older fengqiao (which removed them) is.
  std::filesystem::remove(db + kWal);
  std::filesystem::remove(db + kShm);
  CHECK(as_user(kReader, [&] {
          SqliteOptions ro;
          ro.read_only = true;
          auto store = SqliteStorage::open(db, ro);
          return !store && store.error().code == ErrorCode::storage_error &&
                         store.error().message.find("has no -wal and -shm files") != std::string::npos
                     ? 0
                     : 1;
        }) == 0);
  CHECK_FALSE(std::filesystem::exists(db + kWal));
  CHECK_FALSE(std::filesystem::exists(db + kShm));
  // Its owner reads it (and root would, SQLite gives root's files to the owner).
  CHECK(as_user(kWriter, [&] { return read_cases(db); }) == 0);
  CHECK(as_user(kWriter, [&] { return write_case(db, "C-2"); }) == 0);
}

TEST_CASE("a writer refuses at open -wal/-shm files it cannot write, naming them") {
  if (geteuid() != 0) return;
  SharedDir shared;
  const std::string db = shared.db();
  REQUIRE(as_user(kWriter, [&] { return write_case(db, "C-1"); }) == 0);
  // As an older fengqiao's reader left them.
  REQUIRE(chown((db + kShm).c_str(), kReader, kReader) == 0);
  CHECK(as_user(kWriter, [&] {
          auto store = SqliteStorage::open(db);
          return !store && store.error().message.find("-shm file") != std::string::npos ? 0 : 1;
        }) == 0);
}
