// Reading a history from a file or from standard input ("-"), the same way in every
// command, and showing a long run's progress.
#pragma once

#include <chrono>
#include <cstddef>
#include <istream>
#include <memory>
#include <string>

#include <fengqiao/error.hpp>

namespace fengqiao::cli {

// "-" is standard input; anything else a file. A file that cannot be opened is an error
// whose message says so and why ("cannot open x.jsonl: No such file or directory"), not a
// malformed history.
class Input {
 public:
  static Result<Input> open(const std::string& path);
  std::istream& stream() const { return *in_; }
  // The name reports use: the path, or "<stdin>".
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::shared_ptr<std::istream> in_;
};

// "path: 120000 lines" on stderr, rewritten in place, for runs that last: only when stderr
// is a terminal (never in a pipe or a log), and only once a second has passed.
class Progress {
 public:
  explicit Progress(std::string label);
  ~Progress();  // clears the line it wrote
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  void lines(std::size_t n);

 private:
  std::string label_;
  bool terminal_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace fengqiao::cli
