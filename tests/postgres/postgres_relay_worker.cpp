// fengqiao_postgres_relay: one outbox relay process of postgres_relay_test.cpp, on a
// PostgreSQL schema shared with other relays and with the test's writers.
//
//   fengqiao_postgres_relay <conninfo> <name> <log> <mode>
//
// Prints "ready" once its storage is open, then runs relay rounds (batch of 20) until the
// file <log>.stop exists and a round found the outbox empty. Its sink appends, with one
// O_APPEND write each (so the lines of all relays interleave whole and in the order they
// happened):
//   begin <name> <id>      before it hands message <id> on
//   end <name> <id>        after, when the message counts as delivered
// and a round that found the lease held elsewhere appends "elsewhere <name>".
// Modes: "deliver" spends 1 ms per message; "hang" writes "begin" for its first message
// and then never returns (the test SIGKILLs it there, in the middle of a delivery).
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include <fengqiao/outbox.hpp>
#include <fengqiao/postgres_storage.hpp>

namespace {

void append(int fd, const std::string& line) {
  const std::string text = line + "\n";
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) std::_Exit(3);
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: fengqiao_postgres_relay <conninfo> <name> <log> <deliver|hang>\n";
    return 1;
  }
  const std::string name = argv[2], log = argv[3], mode = argv[4];
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) return 1;
  fengqiao::PostgresOptions po;
  po.application_name = "fengqiao_relay_" + name;
  auto storage = fengqiao::PostgresStorage::open(argv[1], po);
  if (!storage) {
    std::cout << "error " << storage.error().describe() << std::endl;
    return 2;
  }
  fengqiao::OutboxRelayOptions options;
  options.batch_size = 20;
  options.backlog_threshold = 0;
  fengqiao::OutboxRelay relay(*storage, [&](const fengqiao::OutboxMessage& m) {
    append(fd, "begin " + name + " " + std::to_string(m.id));
    if (mode == "hang")
      for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    append(fd, "end " + name + " " + std::to_string(m.id));
    return true;
  }, options);
  std::cout << "ready" << std::endl;
  for (;;) {
    const bool stopping = exists(log + ".stop");  // read before the round: it must see the last messages
    auto round = relay.deliver();
    if (!round) {
      std::cout << "error " << round.error().describe() << std::endl;
      return 2;
    }
    if (round->lease_elsewhere) {
      append(fd, "elsewhere " + name);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    if (round->delivered == 0) {
      if (stopping) return 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
}
