// What keeps a SqliteStorage honest about the file it writes, and readers from leaving
// files its writer cannot use (docs/STORAGE.md "The file under an open store").
#pragma once

#include <optional>
#include <string>

#include "fengqiao/error.hpp"
#include "sqlite/errors.hpp"

struct sqlite3;

namespace fengqiao::sqlite_detail {

// The file a path named when a store opened it. SQLite keeps writing to the file it has
// open, so a store whose file was deleted or renamed over would go on acknowledging
// commits into an unlinked file and lose them all at close.
class FileIdentity {
 public:
  // The identity of `path` now; nothing (never checked) for ":memory:" or a path that
  // cannot be read.
  static std::optional<FileIdentity> of(const std::string& path);

  // storage_error naming the file when `where.path` no longer names the file it named at
  // open (deleted, or replaced by another one). One stat(2): cheap next to a transaction.
  Status still_there(const Where& where) const;

  friend bool operator==(const FileIdentity& a, const FileIdentity& b) {
    return a.device_ == b.device_ && a.inode_ == b.inode_;
  }
  friend bool operator!=(const FileIdentity& a, const FileIdentity& b) { return !(a == b); }

 private:
  unsigned long long device_ = 0, inode_ = 0;
};

// Before a read-only open: SQLite would create `-wal` and `-shm` files next to a WAL
// database that has none, owned by this process's user. Run as a user other than the
// file's owner (and not root, whom SQLite hands them to the owner), those files are ones
// the owner's writer then cannot write. Refused instead, with what to do.
Status reader_would_leave_files(const Where& where);

// Before a writable open: `-wal` or `-shm` files this process may not write (left by a
// reader run as another user with an older fengqiao) would make every write fail later as
// "read-only"; refused at open, naming the file.
Status writer_cannot_use_files(const Where& where);

// On a writable connection: keep `-wal` and `-shm` when the last connection closes
// (SQLITE_FCNTL_PERSIST_WAL), so readers of any user find them made by the writer.
void keep_wal_files(sqlite3* db);

}  // namespace fengqiao::sqlite_detail
