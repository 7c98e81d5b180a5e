#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <utility>

#include <fengqiao/memory_storage.hpp>
#include <fengqiao/replay.hpp>

#include "commands.hpp"
#include "store_options.hpp"

namespace fengqiao::cli {
namespace {

// A file created next to its destination (so the rename stays on one file system),
// removed unless replace() moved it into place.
class TemporaryFile {
 public:
  static Result<TemporaryFile> beside(const std::string& destination) {
    std::string name = destination + ".tmp-XXXXXX";
    const int fd = ::mkstemp(name.data());
    if (fd < 0)
      return make_error(ErrorCode::storage_error, "cannot create a temporary file beside " + destination + " (" +
                                                      std::strerror(errno) + ")");
    // mkstemp makes it 0600; the export gets the mode an existing file had, or the one a
    // new file would get.
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
    t.out_ = std::make_unique<std::ofstream>(name, std::ios::binary | std::ios::trunc);
    if (!*t.out_) return make_error(ErrorCode::storage_error, "cannot write " + name);
    return t;
  }
  // The moved-from one must not remove the file.
  TemporaryFile(TemporaryFile&& other) noexcept : name_(std::exchange(other.name_, {})), out_(std::move(other.out_)) {}
  TemporaryFile& operator=(TemporaryFile&&) = delete;
  ~TemporaryFile() {
    if (!name_.empty()) ::unlink(name_.c_str());
  }

  std::ostream& stream() { return *out_; }

  // Closes the file and renames it to `destination`.
  Status replace(const std::string& destination) {
    out_->close();
    if (!*out_) return make_error(ErrorCode::storage_error, "could not finish writing " + name_);
    if (::rename(name_.c_str(), destination.c_str()) != 0)
      return make_error(ErrorCode::storage_error,
                        "cannot rename " + name_ + " to " + destination + " (" + std::strerror(errno) + ")");
    name_.clear();
    return Status::success();
  }

 private:
  TemporaryFile() = default;
  std::string name_;
  std::unique_ptr<std::ofstream> out_;
};

// Export has nothing to disagree with: any error means the input could not be used.
int fail(const Error& e) {
  std::cerr << "fengqiao export: " << e.describe() << '\n';
  return kUnusable;
}

}  // namespace

int export_cases(const Args& args) {
  std::string history_path, db, out_path;
  std::vector<std::string> cases;
  history::ExportOptions export_options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "--history" && has_value) history_path = args[++i];
    else if (a == "--db" && has_value) db = args[++i];
    else if (a == "--case" && has_value) cases.push_back(args[++i]);
    else if (a == "--out" && has_value) out_path = args[++i];
    // Parties' id_number and phone are masked unless asked for by name.
    else if (a == "--with-personal-data") export_options.personal_data = PersonalData::included;
    else {
      std::cerr << "fengqiao export: unexpected argument " << a << '\n';
      return usage(std::cerr, kUnusable);
    }
  }
  if (history_path.empty() == db.empty()) {
    std::cerr << "fengqiao export: give exactly one of --history and --db\n";
    return usage(std::cerr, kUnusable);
  }

  // The store keeps its calendar and rules (and their changes): the export's header and
  // configuration lines come from there.
  std::shared_ptr<Storage> storage;
  if (!db.empty()) {
    auto store = open_store(db);
    if (!store) return fail(store.error());
    storage = *store;
  } else {
    // Replaying the history into a fresh store fills in every engine event.
    storage = std::make_shared<MemoryStorage>();
    std::ifstream in(history_path);
    ReplayOptions options;
    options.storage = storage;
    options.source = history_path;
    auto result = replay(in, options);
    if (!result.clean()) {
      std::cerr << result.describe() << '\n';
      return result.failure->kind == ReplayFailure::Kind::invalid_history ? kUnusable : kFailed;
    }
  }

  if (out_path.empty()) {
    Status s = history::export_cases(*storage, cases, std::cout, export_options);
    return s ? kClean : fail(s.error());
  }
  // Written beside --out and renamed over it only when the whole export succeeded: a
  // failed export leaves an existing file as it was (and no half-written one).
  auto created = TemporaryFile::beside(out_path);
  if (!created) return fail(created.error());
  TemporaryFile temporary = std::move(created).value();
  Status s = history::export_cases(*storage, cases, temporary.stream(), export_options);
  if (!s) return fail(s.error());
  if (Status done = temporary.replace(out_path); !done) return fail(done.error());
  return kClean;
}

}  // namespace fengqiao::cli
