#include "storage/compact_codec.hpp"

#include <limits>

#include <nlohmann/json.hpp>

#include "storage/msgpack_writer.hpp"
#include "storage/rows.hpp"

namespace fengqiao::storage_detail {

namespace {

void put_span(Buf& out, const Span& s) {
  put_enum(out, s.unit);
  put_i64(out, s.amount);
}
Span get_span(Reader& r) {
  Span s;
  s.unit = r.enumerated<Span::Unit>();
  s.amount = r.i64();
  return s;
}

// A level is an int. Any 64-bit instant and span amount is kept as it was given (MemoryStorage
// promises it: tests/codecs_round_trip_test.cpp), so those are not range-checked.
std::int64_t get_level(Reader& r, const char* what) {
  const std::int64_t v = r.i64();
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
    r.fail(std::string("has ") + what + " of " + std::to_string(v));
  return v;
}

void put_clock(Buf& out, const StageClock& c) {
  put_enum(out, c.stage);
  put_instant(out, c.started_at);
  put_span(out, c.rule.limit);
  put_span(out, c.rule.warn_before);
  put_span(out, c.rule.escalate_every);
  put_i64(out, c.rule.max_level);
  put_span(out, c.rule.max_extension);
  put_span(out, c.limit);
  put_u8(out, c.extended ? 1 : 0);
  put_opt(out, c.stopped_at, put_instant);
  put_instant(out, c.armed_after);
  put_u32(out, static_cast<std::uint32_t>(c.schedule.size()));
  for (Instant t : c.schedule) put_instant(out, t);
  put_u8(out, c.next_step);
}
// The schedule must have the length its rule gives it, as the JSON reader requires
// (model/json.cpp): the engine steps through it by max_level.
// Into `c`, reusing its schedule's capacity (a snapshot is decoded on every action).
void clock_into(Reader& r, StageClock& c) {
  c.stage = r.enumerated<Stage>();
  c.started_at = r.instant();
  c.rule.limit = get_span(r);
  c.rule.warn_before = get_span(r);
  c.rule.escalate_every = get_span(r);
  const std::int64_t max_level = get_level(r, "a clock rule's max_level");
  if (max_level < 0) r.fail("has a clock rule's max_level of " + std::to_string(max_level));
  c.rule.max_level = static_cast<int>(max_level);
  c.rule.max_extension = get_span(r);
  c.limit = get_span(r);
  c.extended = r.flag();
  c.stopped_at = r.opt<Instant>([](Reader& x) { return x.instant(); });
  c.armed_after = r.instant();
  const std::size_t steps = r.count("schedule instants");
  if (steps != static_cast<std::size_t>(2 + c.rule.max_level))
    r.fail("has a clock schedule of " + std::to_string(steps) + " instants; its max_level " +
           std::to_string(c.rule.max_level) + " needs " + std::to_string(2 + c.rule.max_level));
  c.schedule.resize(steps);
  for (Instant& t : c.schedule) t = r.instant();
  c.next_step = r.u8();
}

// Lower-case hex digits' values, -1 for every other byte: every commit encodes a hash or two,
// and a table is one load per character instead of two comparisons and a branch.
struct HexTable {
  signed char value[256];
  constexpr HexTable() : value() {
    for (int i = 0; i < 256; ++i) value[i] = -1;
    for (int i = 0; i < 10; ++i) value['0' + i] = static_cast<signed char>(i);
    for (int i = 0; i < 6; ++i) value['a' + i] = static_cast<signed char>(10 + i);
  }
};
constexpr HexTable kHex;
int hex_digit(char c) { return kHex.value[static_cast<unsigned char>(c)]; }


}  // namespace


void put_hash(Buf& out, const std::string& hash) {
  if (hash.empty()) {
    put_u8(out, 0);
    return;
  }
  if (hash.size() == 64) {
    // Converted in place, then kept only if every character was a digit (any -1 makes the
    // OR of the values negative).
    char* p = out.ensure(33);
    int seen = 0;
    for (std::size_t i = 0; i < 32; ++i) {
      const int hi = hex_digit(hash[2 * i]), lo = hex_digit(hash[2 * i + 1]);
      seen |= hi | lo;
      p[1 + i] = static_cast<char>(hi * 16 + lo);
    }
    if (seen >= 0) {
      p[0] = 1;
      out.advance(33);
      return;
    }
  }
  put_u8(out, 2);
  put_str(out, hash);
}

void Reader::fail(const std::string& what) const {
  throw CodecError(what + " (at byte " + std::to_string(p - begin) + " of " + std::to_string(end - begin) + ")");
}

Instant Reader::instant() { return Instant(Seconds(i64())); }

void Reader::hash_into(std::string& v) {
  static const char kDigits[] = "0123456789abcdef";
  switch (u8()) {
    case 0: v.clear(); return;
    case 1: {
      need(32, "a hash");
      v.resize(64);
      for (std::size_t i = 0; i < 32; ++i) {
        const auto b = static_cast<std::uint8_t>(*p++);
        v[2 * i] = kDigits[b >> 4];
        v[2 * i + 1] = kDigits[b & 0xf];
      }
      return;
    }
    case 2: str_into(v); return;
    default: fail("has an unknown hash form");
  }
}

std::string Reader::hash() {
  static const char kDigits[] = "0123456789abcdef";
  switch (u8()) {
    case 0: return std::string();
    case 1: {
      need(32, "a hash");
      std::string h(64, '0');
      for (std::size_t i = 0; i < 32; ++i) {
        const auto b = static_cast<std::uint8_t>(*p++);
        h[2 * i] = kDigits[b >> 4];
        h[2 * i + 1] = kDigits[b & 0xf];
      }
      return h;
    }
    case 2: return str();
    default: fail("has an unknown hash form");
  }
}

// Every field of Case but the id. A field added to Case must be handled here too:
// tests/codecs_round_trip_test.cpp fills every field listed in tests/support/fields.hpp
// (which stops compiling when Case gains a field it does not list) and fails, naming the
// field, when this codec does not give it back.

void encode_case(const Case& c, Buf& out) {
  put_u8(out, kCaseFormat);
  put_enum(out, c.channel);
  put_str(out, c.category);
  put_enum(out, c.urgency);
  put_strs(out, c.jurisdiction);
  put_u32(out, static_cast<std::uint32_t>(c.parties.size()));
  for (const Party& p : c.parties) {
    put_str(out, p.name);
    put_str(out, p.id_number);
    put_str(out, p.phone);
    put_str(out, p.account);
  }
  put_str(out, c.summary);
  put_str(out, c.first_responder);
  put_strs(out, c.notice);
  put_instant(out, c.registered_at);
  put_opt(out, c.route, put_enum<Route>);
  put_opt(out, c.lead, put_str);
  put_strs(out, c.co_handlers);
  put_strs(out, c.consultation_orgs);
  put_opt(out, c.assignee, put_str);
  put_strs(out, c.involved_orgs);
  put_u32(out, c.notes);
  put_enum(out, c.state);
  put_opt(out, c.suspended_from, put_enum<State>);
  put_opt(out, c.outcome, put_enum<Outcome>);
  put_str(out, c.resolution_method);
  put_opt(out, c.satisfaction, put_enum<Satisfaction>);
  put_u32(out, c.reopened);
  put_opt(out, c.closed_at, put_instant);
  put_opt(out, c.reopen_until, put_instant);
  put_enum(out, c.supervision);
  put_i64(out, c.level);
  put_u32(out, c.record.warnings);
  put_u32(out, c.record.overdues);
  put_u32(out, c.record.escalations);
  put_u32(out, c.record.supervision_orders);
  put_i64(out, c.record.highest_level);
  put_opt(out, c.clock, put_clock);
  put_opt(out, c.held_clock, put_clock);
  put_i64(out, static_cast<std::int64_t>(c.version));
  put_instant(out, c.updated_at);
  put_hash(out, c.chain_head);
}

namespace {

// An optional read in place: its value keeps its capacity when it was engaged already.
template <class T, class Into>
void opt_into(Reader& r, std::optional<T>& v, Into into) {
  if (!r.flag()) {
    v.reset();
    return;
  }
  if (!v) v.emplace();
  into(r, *v);
}

// Into `c`, reusing its strings and vectors (decode_case starts from an empty Case).
void read_case_into(Reader& r, const std::string& id, Case& c) {
  if (const std::uint8_t format = r.u8(); format != kCaseFormat)
    r.fail("is of snapshot format " + std::to_string(format) + ", not " + std::to_string(kCaseFormat) +
           " (written by a later fengqiao, or damaged)");
  c.id.assign(id);
  c.channel = r.enumerated<Channel>();
  r.str_into(c.category);
  c.urgency = r.enumerated<Urgency>();
  r.strs_into(c.jurisdiction);
  c.parties.resize(r.count("parties"));
  for (Party& p : c.parties) {
    r.str_into(p.name);
    r.str_into(p.id_number);
    r.str_into(p.phone);
    r.str_into(p.account);
  }
  r.str_into(c.summary);
  r.str_into(c.first_responder);
  r.strs_into(c.notice);
  c.registered_at = r.instant();
  c.route = r.opt<Route>([](Reader& x) { return x.enumerated<Route>(); });
  opt_into(r, c.lead, [](Reader& x, std::string& v) { x.str_into(v); });
  r.strs_into(c.co_handlers);
  r.strs_into(c.consultation_orgs);
  opt_into(r, c.assignee, [](Reader& x, std::string& v) { x.str_into(v); });
  r.strs_into(c.involved_orgs);
  c.notes = r.u32();
  c.state = r.enumerated<State>();
  c.suspended_from = r.opt<State>([](Reader& x) { return x.enumerated<State>(); });
  c.outcome = r.opt<Outcome>([](Reader& x) { return x.enumerated<Outcome>(); });
  r.str_into(c.resolution_method);
  c.satisfaction = r.opt<Satisfaction>([](Reader& x) { return x.enumerated<Satisfaction>(); });
  c.reopened = r.u32();
  c.closed_at = r.opt<Instant>([](Reader& x) { return x.instant(); });
  c.reopen_until = r.opt<Instant>([](Reader& x) { return x.instant(); });
  c.supervision = r.enumerated<Supervision>();
  c.level = static_cast<int>(get_level(r, "a level"));
  c.record.warnings = r.u32();
  c.record.overdues = r.u32();
  c.record.escalations = r.u32();
  c.record.supervision_orders = r.u32();
  c.record.highest_level = static_cast<int>(get_level(r, "a highest level"));
  opt_into(r, c.clock, clock_into);
  opt_into(r, c.held_clock, clock_into);
  c.version = static_cast<std::uint64_t>(r.i64());
  c.updated_at = r.instant();
  r.hash_into(c.chain_head);
  if (r.left() != 0) r.fail("has " + std::to_string(r.left()) + " bytes after its last field");
}

}  // namespace

void decode_case_into(const char* data, std::size_t size, const std::string& id, Case& c) {
  Reader r{data, data + size};
  try {
    read_case_into(r, id, c);
  } catch (const CodecError& e) {
    throw DataError("the snapshot of case \"" + id + "\" is damaged: it " + e.what());
  }
}

Case decode_case(const char* data, std::size_t size, const std::string& id) {
  Reader r{data, data + size};
  Case c;
  try {
    read_case_into(r, id, c);
  } catch (const CodecError& e) {
    throw DataError("the snapshot of case \"" + id + "\" is damaged: it " + e.what());
  }
  return c;
}

namespace {

// Every text of a JSON value, keys included.
bool utf8_data(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::string: return valid_utf8(j.get_ref<const std::string&>());
    case nlohmann::json::value_t::array:
      for (const auto& v : j)
        if (!utf8_data(v)) return false;
      return true;
    case nlohmann::json::value_t::object:
      for (const auto& [k, v] : j.items())
        if (!valid_utf8(k) || !utf8_data(v)) return false;
      return true;
    default: return true;
  }
}

}  // namespace

// Every field of Event but the case id and seq. A field added to Event must be handled here
// too (tests/codecs_round_trip_test.cpp checks every field of random events).
void encode_event(const Event& e, Buf& out) {
  constexpr std::uint8_t kAbsent = 0xff;
  put_i64(out, e.at.time_since_epoch().count());
  out.push_back(static_cast<char>(e.type));
  out.push_back(static_cast<char>(e.action ? static_cast<std::uint8_t>(*e.action) : kAbsent));
  out.push_back(static_cast<char>(e.actor ? 1 : 0));
  if (e.actor) {
    put_str(out, e.actor->id);
    out.push_back(static_cast<char>(e.actor->role));
    put_str(out, e.actor->org);
  }
  out.push_back(static_cast<char>(e.stage ? static_cast<std::uint8_t>(*e.stage) : kAbsent));
  put_i64(out, e.level);
  put_strs(out, e.notified);
  put_strs(out, e.notice);
  out.push_back(static_cast<char>(e.state_after));
  out.push_back(static_cast<char>(e.supervision_after ? static_cast<std::uint8_t>(*e.supervision_after) : kAbsent));
  put_hash(out, e.hash);  // before the data: the MessagePack runs to the end of the block
  if (out.utf8_only && !out.bad_utf8 && !utf8_data(e.data)) out.bad_utf8 = true;
  put_msgpack(out, e.data);
}

namespace {

// An optional enumerator is its value, or 0xff for none.
template <class E>
std::optional<E> optional_enum(Reader& r) {
  if (r.p < r.end && static_cast<std::uint8_t>(*r.p) == 0xff) {
    ++r.p;
    return std::nullopt;
  }
  return r.enumerated<E>();
}

// Counts MessagePack nesting without building anything, and stops (returning false) past
// kMaxDataNesting: nlohmann's MessagePack reader recurses once per level, so a damaged blob
// of nested one-byte arrays would otherwise exhaust the stack.
constexpr std::size_t kMaxDataNesting = 512;
struct DepthCheck : nlohmann::json::json_sax_t {
  std::size_t depth = 0;
  bool too_deep = false;
  bool open() {
    if (++depth <= kMaxDataNesting) return true;
    too_deep = true;
    return false;
  }
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return open(); }
  bool key(string_t&) override { return true; }
  bool end_object() override { return --depth, true; }
  bool start_array(std::size_t) override { return open(); }
  bool end_array() override { return --depth, true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }
};

nlohmann::json read_data(Reader& r) {
  DepthCheck depth;
  const bool whole = nlohmann::json::sax_parse(r.p, r.end, &depth, nlohmann::json::input_format_t::msgpack);
  if (depth.too_deep) r.fail("has action data nested deeper than " + std::to_string(kMaxDataNesting) + " levels");
  if (!whole) r.fail("has action data that is not one MessagePack value");
  try {
    nlohmann::json data = nlohmann::json::from_msgpack(r.p, r.end);
    r.p = r.end;
    return data;
  } catch (const nlohmann::json::exception& e) {
    r.fail(std::string("has action data that does not read back: ") + e.what());
  }
}

Event read_event(Reader& r, const std::string& case_id, std::uint64_t seq) {
  Event e;
  e.case_id = case_id;
  e.seq = seq;
  e.at = r.instant();
  e.type = r.enumerated<EventType>();
  e.action = optional_enum<Action>(r);
  if (r.flag()) {
    Actor actor;
    actor.id = r.str();
    actor.role = r.enumerated<Role>();
    actor.org = r.str();
    e.actor = std::move(actor);
  }
  e.stage = optional_enum<Stage>(r);
  e.level = static_cast<int>(get_level(r, "an escalation level"));
  e.notified = r.strs();
  e.notice = r.strs();
  e.state_after = r.enumerated<State>();
  e.supervision_after = optional_enum<Supervision>(r);
  e.hash = r.hash();
  e.data = read_data(r);
  return e;
}

}  // namespace

Event decode_event(const char* data, std::size_t size, const std::string& case_id, std::uint64_t seq) {
  Reader r{data, data + size};
  try {
    return read_event(r, case_id, seq);
  } catch (const CodecError& e) {
    throw DataError("event " + std::to_string(seq) + " of case \"" + case_id + "\" is damaged: it " + e.what());
  }
}

}  // namespace fengqiao::storage_detail
