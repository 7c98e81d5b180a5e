#include "temporary_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace fengqiao::cli {

Result<TemporaryFile> TemporaryFile::beside(const std::string& destination) {
  std::string name = destination + ".tmp-XXXXXX";
  const int fd = ::mkstemp(name.data());
  if (fd < 0)
    return make_error(ErrorCode::storage_error,
                      "cannot create a temporary file beside " + destination + " (" + std::strerror(errno) + ")");
  // mkstemp makes it 0600; the result gets the mode an existing file had, or the one a new
  // file would get.
  struct stat existing {};
  mode_t mode;
  if (::stat(destination.c_str(), &existing) == 0) {
    mode = existing.st_mode & 07777;
  } else {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    mode = 0666 & ~mask;
  }
  ::fchmod(fd, mode);
  ::close(fd);
  TemporaryFile t;
  t.name_ = name;
  return t;
}

TemporaryFile::TemporaryFile(TemporaryFile&& other) noexcept
    : name_(std::exchange(other.name_, {})), out_(std::move(other.out_)) {}

TemporaryFile::~TemporaryFile() {
  if (name_.empty()) return;
  ::unlink(name_.c_str());
  // A SQLite store left open by a failure may have its WAL beside it.
  ::unlink((name_ + "-wal").c_str());
  ::unlink((name_ + "-shm").c_str());
}

std::ostream& TemporaryFile::stream() {
  if (!out_) out_ = std::make_unique<std::ofstream>(name_, std::ios::binary | std::ios::trunc);
  return *out_;
}

Status TemporaryFile::replace(const std::string& destination) {
  if (out_) {
    out_->close();
    if (!*out_) return make_error(ErrorCode::storage_error, "could not finish writing " + name_);
  }
  if (::rename(name_.c_str(), destination.c_str()) != 0)
    return make_error(ErrorCode::storage_error,
                      "cannot rename " + name_ + " to " + destination + " (" + std::strerror(errno) + ")");
  // A SQLite store's WAL and shared-memory files go with it (the adapter keeps them after
  // the last connection closes, for readers of other users).
  for (const char* suffix : {"-wal", "-shm"})
    if (::access((name_ + suffix).c_str(), F_OK) == 0) ::rename((name_ + suffix).c_str(), (destination + suffix).c_str());
  name_.clear();
  return Status::success();
}

}  // namespace fengqiao::cli
