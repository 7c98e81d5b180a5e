// A file created next to its destination (so the rename stays on one file system) and
// removed unless replace() moved it into place: what `export --out` writes and what
// `import` fills when its store is new, so that a failure leaves nothing behind and an
// existing file as it was.
#pragma once

#include <fstream>
#include <memory>
#include <string>

#include <fengqiao/error.hpp>

namespace fengqiao::cli {

class TemporaryFile {
 public:
  // An empty file "<destination>.tmp-XXXXXX", with the mode an existing destination has, or
  // the one a new file would get.
  static Result<TemporaryFile> beside(const std::string& destination);
  // The moved-from one must not remove the file.
  TemporaryFile(TemporaryFile&& other) noexcept;
  TemporaryFile& operator=(TemporaryFile&&) = delete;
  // Removes the file (and a SQLite journal beside it) unless replace() moved it.
  ~TemporaryFile();

  const std::string& path() const { return name_; }
  // A stream writing the file (opened on first use).
  std::ostream& stream();

  // Closes the stream if open and renames the file to `destination`.
  Status replace(const std::string& destination);

 private:
  TemporaryFile() = default;
  std::string name_;
  std::unique_ptr<std::ofstream> out_;
};

}  // namespace fengqiao::cli
