// A helper program run as a child process, with its stdin and stdout as pipes: the crash
// and cross-process tests talk to fengqiao_sqlite_worker through this.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace fengqiao::testing {

class ChildProcess {
 public:
  // Starts `args[0]` with `args`; its stderr goes to `stderr_path` (or is inherited).
  explicit ChildProcess(const std::vector<std::string>& args, const std::string& stderr_path = "") {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      if (!stderr_path.empty()) {
        int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (err >= 0) dup2(err, 2);
      }
      close(in[0]);
      close(in[1]);
      close(out[0]);
      close(out[1]);
      std::vector<char*> argv;
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    to_child_ = in[1];
    from_child_ = out[0];
  }
  ~ChildProcess() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(to_child_);
    close(from_child_);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void write_line(const std::string& line) {
    const std::string text = line + "\n";
    if (::write(to_child_, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
      throw std::runtime_error("writing to the child failed");
  }
  // The next line the child wrote; "" at end of file.
  std::string read_line() {
    std::string line;
    char ch;
    while (::read(from_child_, &ch, 1) == 1) {
      if (ch == '\n') return line;
      line += ch;
    }
    return line;
  }
  void kill_now() { kill(pid_, SIGKILL); }
  // Whether the child has ended (its wait status in `status`), without waiting.
  bool try_wait(int& status) {
    if (reaped_) return true;
    if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
    reaped_ = true;
    return true;
  }
  // Waits for the child and returns its wait status.
  int wait() {
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  bool reaped_ = false;
};

}  // namespace fengqiao::testing
