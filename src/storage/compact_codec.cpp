#include "storage/compact_codec.hpp"

#include <array>

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
void get_clock_into(Reader& r, StageClock& c) {
  c.stage = r.enumerated<Stage>();
  c.started_at = r.instant();
  c.rule.limit = get_span(r);
  c.rule.warn_before = get_span(r);
  c.rule.escalate_every = get_span(r);
  c.rule.max_level = static_cast<int>(r.i64());
  c.rule.max_extension = get_span(r);
  c.limit = get_span(r);
  c.extended = r.u8() != 0;
  c.stopped_at = r.opt<Instant>([](Reader& x) { return x.instant(); });
  c.armed_after = r.instant();
  c.schedule.resize(r.u32());
  for (Instant& t : c.schedule) t = r.instant();
  c.next_step = r.u8();
}

// An optional read in place: its value keeps its capacity when it was engaged already.
template <class T, class Into>
void opt_into(Reader& r, std::optional<T>& v, Into into) {
  if (!r.u8()) {
    v.reset();
    return;
  }
  if (!v) v.emplace();
  into(r, *v);
}

// Lowercase hex digits by table, -1 for any other byte. A hash's digits are random: a
// comparison chain per digit mispredicts about every other one, which cost more than
// the SHA-256 that produced them (perf, on the in-memory benchmarks).
constexpr std::array<signed char, 256> kHexDigit = [] {
  std::array<signed char, 256> t{};
  for (auto& v : t) v = -1;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = static_cast<signed char>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) t[static_cast<std::size_t>(c)] = static_cast<signed char>(c - 'a' + 10);
  return t;
}();
int hex_digit(char c) { return kHexDigit[static_cast<unsigned char>(c)]; }

}  // namespace

void put_hash(Buf& out, const std::string& hash) {
  if (hash.empty()) {
    put_u8(out, 0);
    return;
  }
  if (hash.size() == 64) {
    // Converted while checked, in one pass; kept only if every digit was one.
    char* p = out.ensure(33);
    int any_bad = 0;
    for (std::size_t i = 0; i < 32; ++i) {
      const int high = hex_digit(hash[2 * i]);
      const int low = hex_digit(hash[2 * i + 1]);
      any_bad |= high | low;
      p[1 + i] = static_cast<char>(high * 16 + low);
    }
    if (any_bad >= 0) {
      p[0] = 1;
      out.advance(33);
      return;
    }
  }
  put_u8(out, 2);
  put_str(out, hash);
}

void Reader::hash_into(std::string& v) {
  static const char kDigits[] = "0123456789abcdef";
  switch (u8()) {
    case 0: v.clear(); return;
    case 1: {
      v.resize(64);
      for (std::size_t i = 0; i < 32; ++i) {
        const auto b = static_cast<std::uint8_t>(*p++);
        v[2 * i] = kDigits[b >> 4];
        v[2 * i + 1] = kDigits[b & 0xf];
      }
      return;
    }
    default: str_into(v); return;
  }
}

std::string Reader::hash() {
  static const char kDigits[] = "0123456789abcdef";
  switch (u8()) {
    case 0: return std::string();
    case 1: {
      std::string h(64, '0');
      for (std::size_t i = 0; i < 32; ++i) {
        const auto b = static_cast<std::uint8_t>(*p++);
        h[2 * i] = kDigits[b >> 4];
        h[2 * i + 1] = kDigits[b & 0xf];
      }
      return h;
    }
    default: return str();
  }
}

// Every field of Case but the id. A field added to Case must be handled here too:
// tests/codecs_round_trip_test.cpp fills every field listed in tests/support/fields.hpp
// (which stops compiling when Case gains a field it does not list) and fails, naming the
// field, when this codec does not give it back.

void encode_case(const Case& c, Buf& out) {
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

Case decode_case(const std::string& blob, const std::string& id) {
  Case c;
  decode_case_into(blob, id, c);
  return c;
}

void decode_case_into(const std::string& blob, const std::string& id, Case& c) {
  Reader r{blob.data()};
  c.id.assign(id);
  c.channel = r.enumerated<Channel>();
  r.str_into(c.category);
  c.urgency = r.enumerated<Urgency>();
  r.strs_into(c.jurisdiction);
  c.parties.resize(r.u32());
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
  c.level = static_cast<int>(r.i64());
  c.record.warnings = r.u32();
  c.record.overdues = r.u32();
  c.record.escalations = r.u32();
  c.record.supervision_orders = r.u32();
  c.record.highest_level = static_cast<int>(r.i64());
  opt_into(r, c.clock, get_clock_into);
  opt_into(r, c.held_clock, get_clock_into);
  c.version = static_cast<std::uint64_t>(r.i64());
  c.updated_at = r.instant();
  r.hash_into(c.chain_head);
}

}  // namespace fengqiao::storage_detail
