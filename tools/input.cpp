#include "input.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

namespace fengqiao::cli {

Result<Input> Input::open(const std::string& path) {
  Input input;
  if (path == "-") {
    input.name_ = "<stdin>";
    input.in_ = std::shared_ptr<std::istream>(&std::cin, [](std::istream*) {});
    return input;
  }
  input.name_ = path;
  auto file = std::make_shared<std::ifstream>(path, std::ios::binary);
  if (!*file) return make_error(ErrorCode::storage_error, "cannot open " + path + ": " + std::strerror(errno));
  input.in_ = std::move(file);
  return input;
}

Progress::Progress(std::string label)
    : label_(std::move(label)), terminal_(::isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() {
  if (shown_) std::cerr << "\r\033[K" << std::flush;
}

void Progress::lines(std::size_t n) {
  if (!terminal_) return;
  if (!shown_ && std::chrono::steady_clock::now() - start_ < std::chrono::seconds(1)) return;
  shown_ = true;
  std::cerr << "\r\033[K" << label_ << ": " << n << " lines" << std::flush;
}

}  // namespace fengqiao::cli
