#include "sqlite/file_guard.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <sqlite3.h>

namespace fengqiao::sqlite_detail {

std::optional<FileIdentity> FileIdentity::of(const std::string& path) {
  if (path == ":memory:" || path.empty()) return std::nullopt;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  FileIdentity id;
  id.device_ = static_cast<unsigned long long>(st.st_dev);
  id.inode_ = static_cast<unsigned long long>(st.st_ino);
  return id;
}

Status FileIdentity::still_there(const Where& where) const {
  struct stat st {};
  const std::string nothing = "; nothing was written (SQLite would write into the file it opened, which nothing can read after it "
                              "closes). Open the store again on the file that is there now";
  if (::stat(where.path.c_str(), &st) != 0) {
    if (errno == ENOENT)
      return make_error(ErrorCode::storage_error, describe_file(where) + " was deleted since the store opened it" + nothing);
    return make_error(ErrorCode::storage_error,
                      describe_file(where) + " cannot be checked (" + std::strerror(errno) + ")" + nothing);
  }
  if (static_cast<unsigned long long>(st.st_dev) != device_ || static_cast<unsigned long long>(st.st_ino) != inode_)
    return make_error(ErrorCode::storage_error,
                      describe_file(where) + " was replaced by another file since the store opened it" + nothing);
  return Status::success();
}

namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

Status reader_would_leave_files(const Where& where) {
  struct stat db {};
  if (::stat(where.path.c_str(), &db) != 0) return Status::success();  // open() reports a missing file
  const uid_t me = ::geteuid();
  if (me == 0 || me == db.st_uid) return Status::success();
  // Only a WAL database (file format 2 in the header's bytes 18-19) gets them.
  if (exists(where.path + "-wal") && exists(where.path + "-shm")) return Status::success();
  return make_error(ErrorCode::storage_error,
                    describe_file(where) + " has no -wal and -shm files, which reading it would create owned by "
                    "this user (uid " + std::to_string(me) + "), and its owner (uid " + std::to_string(db.st_uid) +
                    ") could then not write it; nothing was created. Open it writable once as its owner (fengqiao "
                    "keeps those files from then on), or read it as its owner");
}

Status writer_cannot_use_files(const Where& where) {
  // A database file this process may not write is refused for that, by open() itself.
  if (::access(where.path.c_str(), W_OK) != 0) return Status::success();
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string file = where.path + suffix;
    if (!exists(file) || ::access(file.c_str(), W_OK) == 0) continue;
    struct stat st {};
    ::stat(file.c_str(), &st);
    return make_error(ErrorCode::storage_error,
                      describe_file(where) + ": its " + suffix + " file \"" + file + "\" (owner uid " +
                          std::to_string(st.st_uid) + ") is not writable by this process, so every write would fail; "
                          "left by a reader run as another user? When no process has the database open, remove it "
                          "or give it to the database's owner");
  }
  return Status::success();
}

void keep_wal_files(sqlite3* db) {
  int keep = 1;
  sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &keep);
}

}  // namespace fengqiao::sqlite_detail
