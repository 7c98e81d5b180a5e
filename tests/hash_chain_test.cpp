// The hash chain (fengqiao/chain.hpp, docs/CHAIN.md): the encoding is what the document
// says, byte for byte; the engine chains every event it stores; exports carry each event's
// hash, replay recomputes it, and history::verify names the first line that does not match.
#include <doctest/doctest.h>

#include <sstream>

#include <openssl/evp.h>

#include <fengqiao/chain.hpp>
#include <fengqiao/history.hpp>
#include <fengqiao/replay.hpp>

#include "fixtures.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;

namespace {

// SHA-256 in hex, straight from libcrypto: the expected values below are built by hand from
// docs/CHAIN.md, not through the library's encoder.
std::string sha256_hex(const std::string& message) {
  unsigned char d[32];
  unsigned int n = 0;
  REQUIRE(EVP_Digest(message.data(), message.size(), d, &n, EVP_sha256(), nullptr) == 1);
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) out += {digits[d[i] >> 4], digits[d[i] & 15]};
  return out;
}

std::string be64(std::uint64_t v) {
  std::string out;
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
  return out;
}
std::string str(const std::string& s) { return be64(s.size()) + s; }
std::string raw(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

std::vector<Event> history_of(Engine& e, const std::string& id) { return e.history(id); }

// A small store: two cases, actions and engine events, a note with an attachment digest.
void run_center(Bench& b) {
  b->register_case("C-1", intake, registration());
  b->act("C-1", Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
  b->act("C-1", Action::accept, lead_handler);
  b->act("C-1", Action::note, lead_handler,
         {{"text", "Photos."},
          {"attachments", {{{"ref", "dms://p1"}, {"sha256", std::string(64, 'a')}, {"kind", "photo"}}}}});
  b->register_case("C-2", intake, registration("urgent", "labour_wage"));
  b->act("C-2", Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
  b.set("2025-09-12T09:00:00+08:00");
  b->poll();
  b->act("C-1", Action::supervise, supervisor, {{"order", "Hurry."}});
}

// With personal data: a masked export drops the hashes of what it masked (they would not
// match the masked content), and these tests follow every hash through the export.
std::string exported(Bench& b) {
  std::ostringstream out;
  history::ExportOptions o;
  o.personal_data = PersonalData::included;
  history::export_cases(*b.storage, {}, out, o).throw_if_error();
  return out.str();
}

// The export with line `n` (1-based) replaced by what `edit` makes of it.
std::string with_line(const std::string& text, std::size_t n, const std::function<std::string(std::string)>& edit) {
  std::istringstream in(text);
  std::string line, out;
  for (std::size_t i = 1; std::getline(in, line); ++i) out += (i == n ? edit(line) : line) + "\n";
  return out;
}

std::size_t line_of(const std::string& text, const std::string& part) {
  std::istringstream in(text);
  std::string line;
  for (std::size_t i = 1; std::getline(in, line); ++i)
    if (line.find(part) != std::string::npos) return i;
  FAIL("no line with " << part);
  return 0;
}

}  // namespace

TEST_SUITE("hash chain") {

TEST_CASE("the genesis value and an event's hash are docs/CHAIN.md's, byte for byte") {
  CHECK(chain::genesis("C-1") == sha256_hex(std::string("fengqiao.chain.v1.genesis") + '\0' + "C-1"));

  Event e;
  e.case_id = "C-1";
  e.seq = 2;
  e.at = at("2025-09-01T09:05:00+08:00");
  e.type = EventType::action;
  e.action = Action::dispatch;
  e.actor = Actor{"u7", Role::dispatcher, "center"};
  e.data = nlohmann::json::parse(R"({"route":"people_mediation","lead":"justice_xilinji","co":["police_xilinji"],"n":-3,"x":1.5,"ok":true,"z":null})");
  e.notified = {"mohe"};
  e.state_after = State::dispatched;
  e.supervision_after = Supervision::on_track;
  e.hash = "ignored: not part of what is hashed";

  // Field by field, as the document lists them.
  std::string want = str("C-1") + be64(2) + be64(static_cast<std::uint64_t>(1756688700)) + str("action") +
                     std::string(1, '\1') + str("dispatch") + std::string(1, '\1') + str("u7") + str("dispatcher") +
                     str("center");
  // data: an object of 7 members in byte order of their keys.
  std::string data = "o" + be64(7);
  data += str("co") + "a" + be64(1) + "s" + str("police_xilinji");
  data += str("lead") + "s" + str("justice_xilinji");
  data += str("n") + "i" + be64(static_cast<std::uint64_t>(-3));
  data += str("ok") + "t";
  data += str("route") + "s" + str("people_mediation");
  data += str("x") + "d" + be64(0x3FF8000000000000ULL);  // 1.5 as IEEE-754 binary64
  data += str("z") + "n";
  want += data;
  want += std::string(1, '\0');  // no stage
  want += be64(0);               // level
  want += be64(1) + str("mohe"); // notified
  want += str("dispatched");     // state_after
  want += be64(0);               // notice: none
  want += std::string(1, '\1') + str("on_track");
  CHECK(chain::encode(e) == want);

  const std::string previous = chain::genesis("C-1");
  CHECK(chain::event_hash(e, previous) ==
        sha256_hex(std::string("fengqiao.chain.v1.event") + '\0' + raw(previous) + want));

  // An integer means the same however nlohmann holds it (parsed text is unsigned).
  Event signed_five = e, unsigned_five = e;
  signed_five.data = {{"days", static_cast<std::int64_t>(5)}};
  unsigned_five.data = nlohmann::json::parse(R"({"days":5})");
  CHECK(chain::encode(signed_five) == chain::encode(unsigned_five));
  CHECK_THROWS_AS(chain::event_hash(e, "not a hash"), Exception);
}

TEST_CASE("every field of an event is covered: changing any one changes the hash") {
  Bench b;
  run_center(b);
  const std::vector<Event> events = history_of(*b.engine, "C-1");
  REQUIRE(events.size() >= 5);
  const Event& note = events[3];
  REQUIRE(note.action == Action::note);
  const std::string previous = events[2].hash;
  const std::string h = chain::event_hash(note, previous);
  CHECK(h == note.hash);
  std::vector<std::pair<std::string, Event>> changed;
  auto with = [&](const std::string& what, auto&& edit) {
    Event e = note;
    edit(e);
    changed.emplace_back(what, e);
  };
  with("case_id", [](Event& e) { e.case_id = "C-2"; });
  with("seq", [](Event& e) { ++e.seq; });
  with("at", [](Event& e) { e.at += Seconds(1); });
  with("type", [](Event& e) { e.type = EventType::deadline_warning; });
  with("action", [](Event& e) { e.action = Action::supervise; });
  with("actor", [](Event& e) { e.actor->org = "police_xilinji"; });
  with("data", [](Event& e) { e.data["text"] = "Photo."; });
  with("attachment digest", [](Event& e) { e.data["attachments"][0]["sha256"] = std::string(63, 'a') + "b"; });
  with("stage", [](Event& e) { e.stage = Stage::handling; });
  with("level", [](Event& e) { e.level = 1; });
  with("notified", [](Event& e) { e.notified.push_back("mohe"); });
  with("state_after", [](Event& e) { e.state_after = State::consulting; });
  with("notice", [](Event& e) { e.notice.push_back("Bring your ID."); });
  with("supervision_after", [](Event& e) { e.supervision_after.reset(); });
  for (const auto& [what, e] : changed) {
    CAPTURE(what);
    CHECK(chain::event_hash(e, previous) != h);
  }
  CHECK(chain::event_hash(note, events[1].hash) != h);  // another link
}

TEST_CASE("the engine chains every event it stores, engine events included, and keeps the head") {
  Bench b;
  run_center(b);
  for (const std::string id : {"C-1", "C-2"}) {
    CAPTURE(id);
    std::string head = chain::genesis(id);
    bool engine_event = false;
    for (const Event& e : history_of(*b.engine, id)) {
      CHECK(e.hash == chain::event_hash(e, head));
      head = e.hash;
      engine_event = engine_event || e.type != EventType::action;
    }
    CHECK(b->get(id).chain_head == head);
    const auto report = chain::verify_case(*b.storage, id).value();
    CHECK(report.intact());
    if (std::string(id) == "C-2") CHECK(engine_event);
  }
  const auto all = chain::verify_store(*b.storage).value();
  CHECK(all.intact());
  CHECK(all.cases == 2);
  // Listeners hear the stored event, hash included.
  std::string heard;
  b->subscribe([&](const Event& e, const Case& c) {
    heard = e.hash;
    CHECK(c.chain_head == e.hash);
  });
  b->act("C-1", Action::note, dispatcher, {{"text", "Called the parties."}});
  CHECK(heard == b->get("C-1").chain_head);
  CHECK(chain::as_status(chain::verify_store(*b.storage)).ok());
}

TEST_CASE("a snapshot stored before the chain: its next event continues the chain of its stored events") {
  Bench b;
  run_center(b);
  Case old = b->get("C-1");
  old.chain_head.clear();  // as a store written before fengqiao kept the head
  b.storage->rewrite_snapshot(old).throw_if_error();
  b->act("C-1", Action::note, dispatcher, {{"text", "After the upgrade."}});
  CHECK(chain::verify_case(*b.storage, "C-1").value().intact());
}

TEST_CASE("an export carries each event's hash; replaying it recomputes every one") {
  Bench b;
  run_center(b);
  const std::string text = exported(b);
  for (const Event& e : history_of(*b.engine, "C-1")) CHECK(text.find("\"hash\":\"" + e.hash + "\"") != std::string::npos);
  std::istringstream in(text);
  const ReplayResult r = replay(in);
  REQUIRE_MESSAGE(r.clean(), r.describe());
  CHECK(r.hashes_checked == history_of(*b.engine, "C-1").size() + history_of(*b.engine, "C-2").size());
  CHECK(r.describe().find("event hashes match") != std::string::npos);
  std::istringstream again(text);
  const ReplayResult v = history::verify(again);
  CHECK_MESSAGE(v.clean(), v.describe());
}

TEST_CASE("a replayed event whose hash differs is a divergence at its line") {
  Bench b;
  run_center(b);
  const std::string text = exported(b);
  const Event dispatch = history_of(*b.engine, "C-1")[1];
  const std::size_t n = line_of(text, dispatch.hash);

  SUBCASE("the hash itself changed") {
    const std::string bad = with_line(text, n, [&](std::string l) {
      return l.replace(l.find(dispatch.hash), 64, std::string(64, '0'));
    });
    std::istringstream in(bad);
    const ReplayResult r = replay(in);
    REQUIRE_FALSE(r.clean());
    CHECK(r.failure->kind == ReplayFailure::Kind::divergence);
    CHECK(r.failure->line == n);
    CHECK(r.failure->case_id == "C-1");
    CHECK(r.failure->actual.find("recomputed " + dispatch.hash) != std::string::npos);
  }
  SUBCASE("the action's data changed in a way the engine accepts") {
    const std::string bad = with_line(text, n, [&](std::string l) {
      return l.replace(l.find("people_mediation"), 16, "judicial_mediation");
    });
    std::istringstream in(bad);
    const ReplayResult r = replay(in);
    REQUIRE_FALSE(r.clean());
    CHECK(r.failure->kind == ReplayFailure::Kind::divergence);
    CHECK(r.failure->line == n);
  }
}

TEST_CASE("history::verify requires every event line's hash; replay does not") {
  Bench b;
  run_center(b);
  const std::string text = exported(b);
  const Event warning = [&] {
    for (const Event& e : history_of(*b.engine, "C-2"))
      if (e.type != EventType::action) return e;
    FAIL("C-2 has no engine event");
    return Event{};
  }();
  const std::size_t n = line_of(text, warning.hash);
  const std::string without = with_line(text, n, [&](std::string l) {
    return l.replace(l.find(",\"hash\":\""), 9 + 64 + 1, "");
  });
  std::istringstream replayed(without);
  CHECK(replay(replayed).clean());
  std::istringstream verified(without);
  const ReplayResult v = history::verify(verified);
  REQUIRE_FALSE(v.clean());
  CHECK(v.failure->line == n);
  CHECK(v.failure->case_id == "C-2");
  CHECK(v.failure->actual.find("found none") != std::string::npos);
}

TEST_CASE("\"hash\" on a history line: version 2 only, 64 lowercase hex digits, not with expect_error") {
  const std::string h(64, 'a');
  const std::string action = R"({"at":"2025-09-01T09:00:00+08:00","case":"C-1","action":"accept","actor":{"id":"u","role":"handler","org":"o"}})";
  CHECK(history::parse_line(action.substr(0, action.size() - 1) + R"(,"hash":")" + h + "\"}", 3, UtcOffset()).value().hash == h);
  auto v1 = history::parse_line(action.substr(0, action.size() - 1) + R"(,"hash":")" + h + "\"}", 3, UtcOffset(), 1);
  REQUIRE_FALSE(v1.ok());
  CHECK(v1.error().message.find("version 2") != std::string::npos);
  auto upper = history::parse_line(action.substr(0, action.size() - 1) + R"(,"hash":")" + std::string(64, 'A') + "\"}", 3, UtcOffset());
  REQUIRE_FALSE(upper.ok());
  CHECK(upper.error().code == ErrorCode::invalid_history);
  auto refused = history::parse_line(action.substr(0, action.size() - 1) + R"(,"expect_error":"conflict","hash":")" + h + "\"}", 3,
                                     UtcOffset());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("expect_error") != std::string::npos);
  const std::string event = R"({"at":"2025-09-01T09:00:00+08:00","case":"C-1","event":"deadline_warning","stage":"accept","hash":")" + h + "\"}";
  CHECK(history::parse_line(event, 4, UtcOffset()).value().hash == h);
}

}  // TEST_SUITE
