// The outbox relay lease on PostgreSQL: relays in several processes on one schema take
// turns (one relay at a time fetches, delivers and acknowledges), every message is
// delivered, none twice while no relay dies, and a relay killed in the middle of a
// delivery leaves no lease behind (the session lock dies with its connection): another
// relay delivers its message again.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include <fengqiao/outbox.hpp>
#include <fengqiao/postgres_storage.hpp>
#include <fengqiao/testing/storage_conformance.hpp>

#include "child_process.hpp"
#include "pg_server.hpp"

namespace {

using namespace fengqiao;
namespace fx = fengqiao::testing;

// `messages` outbox messages on new cases, committed `per_case` to a commit.
void enqueue(Storage& s, const std::string& prefix, int cases, int per_case) {
  for (int i = 0; i < cases; ++i) {
    CaseCommit c;
    c.snapshot.id = prefix + std::to_string(i);
    c.snapshot.version = 1;
    c.snapshot.jurisdiction = {"daxinganling"};
    Event e;
    e.case_id = c.snapshot.id;
    e.seq = 1;
    e.type = EventType::action;
    e.action = Action::register_case;
    c.events.push_back(e);
    for (int k = 0; k < per_case; ++k) c.outbox.push_back(OutboxMessage{0, "sms", c.snapshot.id, 1, {{"k", k}}});
    s.commit(c).throw_if_error();
  }
}

std::vector<std::uint64_t> queued_ids(Storage& s) {
  std::vector<std::uint64_t> ids;
  for (const OutboxMessage& m : s.outbox_fetch(100000).value()) ids.push_back(m.id);
  return ids;
}

class Relay {
 public:
  Relay(const std::string& conninfo, const std::string& name, const std::string& log, const std::string& mode)
      : child_(std::vector<std::string>{FENGQIAO_PG_RELAY, conninfo, name, log, mode}, log + "." + name + ".err") {
    const std::string first = child_.read_line();
    REQUIRE_MESSAGE(first == "ready", "relay " << name << " did not start: \"" << first << "\"");
  }
  // Its exit status; fails the test if it does not end within the time.
  int finish(std::chrono::seconds within) {
    const auto until = std::chrono::steady_clock::now() + within;
    for (;;) {
      int status = 0;
      if (child_.try_wait(status)) return status;
      REQUIRE_MESSAGE(std::chrono::steady_clock::now() < until, "a relay did not finish");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  std::string last_line() { return child_.read_line(); }
  void kill() {
    child_.kill_now();
    child_.wait();
  }

 private:
  fx::ChildProcess child_;
};

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool wait_for_line(const std::string& path, const std::string& prefix, std::chrono::seconds within) {
  const auto until = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < until) {
    for (const std::string& l : lines_of(path))
      if (l.rfind(prefix, 0) == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

TEST_CASE("the relay lease: one object at a time holds it, and a lost connection releases it") {
  fx::TestSchema schema;
  PostgresOptions ao, bo;
  ao.application_name = fx::unique_name("lease_a");
  bo.application_name = fx::unique_name("lease_b");
  auto a = PostgresStorage::open(schema.conninfo(), ao).value_or_throw();
  auto b = PostgresStorage::open(schema.conninfo(), bo).value_or_throw();

  CHECK(a->outbox_take_lease().value());
  CHECK(a->outbox_take_lease().value());  // held already: still true, and not taken twice
  CHECK_FALSE(b->outbox_take_lease().value());
  REQUIRE(a->outbox_release_lease());     // one release frees it, although taken "twice"
  CHECK(b->outbox_take_lease().value());
  CHECK_FALSE(a->outbox_take_lease().value());
  REQUIRE(b->outbox_release_lease());
  REQUIRE(b->outbox_release_lease());     // idempotent

  // A holder whose connection is gone holds nothing: the server ended its session.
  REQUIRE(b->outbox_take_lease().value());
  {
    pqxx::connection admin(schema.conninfo());
    pqxx::nontransaction tx(admin);
    tx.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = " +
            tx.quote(bo.application_name));
  }
  bool taken = false;
  for (int i = 0; i < 200 && !taken; ++i) {  // the server ends the session asynchronously
    taken = a->outbox_take_lease().value();
    if (!taken) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(taken);
  // b does not think it still holds it: its next call is an error (its connection was
  // lost) or, connected again, finds the lease held by a.
  auto lost = b->outbox_take_lease();
  if (!lost) CHECK(lost.error().code == ErrorCode::storage_error);
  else CHECK_FALSE(*lost);
  CHECK_FALSE(b->outbox_take_lease().value());

  // A relay on b delivers nothing while a holds the lease, and says why.
  enqueue(*a, "L-", 2, 1);
  int seen = 0;
  OutboxRelay relay(b, [&](const OutboxMessage&) { return ++seen, true; });
  auto round = relay.drain();
  REQUIRE(round);
  CHECK(round->lease_elsewhere);
  CHECK(round->delivered == 0);
  CHECK(round->depth == 2);
  CHECK(seen == 0);
  REQUIRE(a->outbox_release_lease());
  round = relay.drain();
  REQUIRE(round);
  CHECK_FALSE(round->lease_elsewhere);
  CHECK(round->delivered == 2);
  CHECK(seen == 2);
  // The relay gave the lease back after its rounds.
  CHECK(a->outbox_take_lease().value());
}

TEST_CASE("three relay processes: every message delivered once, by one relay at a time") {
  fx::TestSchema schema;
  fx::TempDir dir;
  const std::string log = dir.file("deliveries.log");
  auto writer = PostgresStorage::open(schema.conninfo()).value_or_throw();
  enqueue(*writer, "A-", 150, 2);  // 300 messages before the relays start
  std::vector<std::unique_ptr<Relay>> relays;
  for (const char* name : {"r1", "r2", "r3"}) relays.push_back(std::make_unique<Relay>(schema.conninfo(), name, log, "deliver"));
  enqueue(*writer, "B-", 150, 1);  // and 150 more while they run
  const std::vector<std::uint64_t> all = queued_ids(*writer);  // not yet delivered, at least
  { std::ofstream(log + ".stop") << "stop\n"; }
  for (auto& r : relays) {
    const int status = r->finish(std::chrono::seconds(120));
    CHECK_MESSAGE(WIFEXITED(status), "a relay died");
    CHECK_MESSAGE(WEXITSTATUS(status) == 0, "a relay failed: " << r->last_line());
  }

  // The log, in the order things happened: a `begin` while another relay's delivery is
  // open would be two relays delivering at once.
  std::map<std::uint64_t, int> deliveries;
  std::map<std::string, std::uint64_t> last_of;
  std::set<std::string> delivering_relays;
  std::string open_relay;
  int elsewhere = 0, overlaps = 0;
  for (const std::string& line : lines_of(log)) {
    std::istringstream in(line);
    std::string kind, name;
    std::uint64_t id = 0;
    in >> kind >> name >> id;
    if (kind == "elsewhere") {
      ++elsewhere;
      continue;
    }
    if (kind == "begin") {
      if (!open_relay.empty() && open_relay != name) ++overlaps;
      open_relay = name;
      continue;
    }
    REQUIRE(kind == "end");
    open_relay.clear();
    ++deliveries[id];
    CHECK_MESSAGE(id > last_of[name], name << " delivered " << id << " after " << last_of[name]);  // in id order
    last_of[name] = id;
    delivering_relays.insert(name);
  }
  CHECK(overlaps == 0);
  CHECK(deliveries.size() == 450);
  for (std::uint64_t id : all) CHECK_MESSAGE(deliveries[id] == 1, "message " << id << " delivered " << deliveries[id] << " times");
  for (const auto& delivered : deliveries)  // a pair, not a structured binding: doctest's message is a lambda (Clang)
    CHECK_MESSAGE(delivered.second == 1, "message " << delivered.first << " delivered " << delivered.second << " times");
  CHECK(writer->outbox_depth().value() == 0);
  // They did contend: rounds found the lease held, and more than one relay delivered.
  MESSAGE(elsewhere << " rounds found the lease held elsewhere; " << delivering_relays.size() << " relays delivered");
  CHECK(elsewhere > 0);
  CHECK(delivering_relays.size() >= 2);
}

TEST_CASE("a relay killed in the middle of a delivery releases the lease; its message is delivered again") {
  fx::TestSchema schema;
  fx::TempDir dir;
  const std::string log = dir.file("deliveries.log");
  auto storage = PostgresStorage::open(schema.conninfo()).value_or_throw();
  enqueue(*storage, "K-", 10, 1);
  const std::vector<std::uint64_t> all = queued_ids(*storage);
  REQUIRE(all.size() == 10);

  Relay hung(schema.conninfo(), "hung", log, "hang");
  REQUIRE_MESSAGE(wait_for_line(log, "begin hung ", std::chrono::seconds(30)), "the relay never began a delivery");

  std::vector<std::uint64_t> delivered;
  OutboxRelay relay(storage, [&](const OutboxMessage& m) { return delivered.push_back(m.id), true; });
  // While it hangs in its sink, holding the lease, this relay delivers nothing.
  auto round = relay.deliver();
  REQUIRE(round);
  CHECK(round->lease_elsewhere);
  CHECK(delivered.empty());

  hung.kill();  // SIGKILL: the connection closes, the server drops its session and its lock
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (delivered.size() < all.size() && std::chrono::steady_clock::now() < until) {
    round = relay.drain();
    REQUIRE(round);
    if (round->lease_elsewhere) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // None lost: every message, the one the killed relay was delivering (the first) included.
  CHECK(delivered == all);
  CHECK(storage->outbox_depth().value() == 0);
  const auto lines = lines_of(log);
  REQUIRE(!lines.empty());
  CHECK(lines.front() == "begin hung " + std::to_string(all.front()));
}
