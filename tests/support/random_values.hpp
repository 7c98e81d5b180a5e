// Random values of the library's types for codec round trips: every field of a Case or an
// Event (through the field lists of fields.hpp, so a new field is filled as soon as it is
// listed there), optionals set and unset, UTF-8 text of one to four bytes per character,
// extreme integers and instants at both ends of what time.hpp formats (years 1400..9999).
//
// The values are well-formed, not plausible: a clock's schedule has its 2 + max_level
// steps (Case's codecs require it) and an event carries the fields of its type only
// (event.hpp: action, actor and data for an action; stage, and level for an escalation,
// otherwise). Anything else is arbitrary.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "civil_oracle.hpp"
#include "fields.hpp"

namespace fengqiao::testing {

// How many enumerators each enumeration has (vocabulary.hpp, rules.hpp).
template <class E>
constexpr int enumerator_count();
template <> constexpr int enumerator_count<State>() { return 9; }
template <> constexpr int enumerator_count<Supervision>() { return 4; }
template <> constexpr int enumerator_count<Stage>() { return 6; }
template <> constexpr int enumerator_count<Action>() { return 19; }
template <> constexpr int enumerator_count<EventType>() { return 4; }
template <> constexpr int enumerator_count<Role>() { return 8; }
template <> constexpr int enumerator_count<Urgency>() { return 3; }
template <> constexpr int enumerator_count<Outcome>() { return 3; }
template <> constexpr int enumerator_count<Channel>() { return 6; }
template <> constexpr int enumerator_count<Route>() { return 9; }
template <> constexpr int enumerator_count<Satisfaction>() { return 3; }
template <> constexpr int enumerator_count<VisitKind>() { return 3; }
template <> constexpr int enumerator_count<Span::Unit>() { return 2; }

class RandomValues {
 public:
  explicit RandomValues(std::uint64_t seed) : rng_(seed) {}

  // The range of instants format_instant renders in UTC: 1400-01-01T00:00:00Z ..
  // 9999-12-31T23:59:59Z (computed by the oracle, not asked of the library).
  static long long first_second() { return oracle::days_from_civil(1400, 1, 1) * 86400; }
  static long long last_second() { return oracle::days_from_civil(10000, 1, 1) * 86400 - 1; }

  // When true, instants range over every int64 (only for the compact codec, which never
  // formats them); otherwise over the formattable range above.
  bool any_instant = false;
  // When true, spans hold any int64 amount (again only for the compact codec). Otherwise
  // an amount is one a clock can hold: not negative, and in seconds for elapsed spans, so
  // anything up to INT64_MAX, often past the rules' bound of kSpanRulesMax in the unit it
  // is written in (a clock's limit grows by every stop: RULES.md), and often not whole
  // minutes (written as {"seconds": n}).
  bool any_span = false;
  static constexpr long long kSpanRulesMax = 100000;

  std::mt19937_64& rng() { return rng_; }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  long long between(long long lo, long long hi) { return std::uniform_int_distribution<long long>(lo, hi)(rng_); }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(between(0, static_cast<long long>(v.size()) - 1))];
  }

  // Text from pieces of one to four UTF-8 bytes, with characters JSON must escape, the
  // separators of the storage's keys ('/', '%') and NUL.
  std::string text(int max_pieces = 8) {
    static const std::vector<std::string> pieces = {
        "a", "Z", "0", "9", " ", "-", "_", ".", "/", "%", "%2F", "\"", "\\", "'", "\n", "\t", std::string(1, '\0'),
        "\x7f", "\xC2\x80", "\xC3\xA9", "\xD0\xB6", "\xE7\x8E\x8B", "\xE4\xB8\xBD", "\xE7\xBA\xA0", "\xE7\xBA\xB7",
        "\xE2\x82\xAC", "\xEF\xBF\xBF", "\xF0\x9F\x98\x80", "\xF0\xA0\x80\x80", "\xF4\x8F\xBF\xBF", "{}", "null"};
    std::string out;
    for (long long i = between(0, max_pieces); i > 0; --i) out += pick(pieces);
    return out;
  }
  std::string nonempty_text(int max_pieces = 8) {
    std::string s = text(max_pieces);
    return s.empty() ? "\xE6\xA1\x88" : s;  // 案
  }

  Instant instant() {
    if (any_instant) {
      switch (between(0, 5)) {
        case 0: return Instant(Seconds(std::numeric_limits<long long>::min()));
        case 1: return Instant(Seconds(std::numeric_limits<long long>::max()));
        case 2: return Instant(Seconds(between(std::numeric_limits<long long>::min(), std::numeric_limits<long long>::max())));
        default: break;
      }
    }
    switch (between(0, 7)) {
      case 0: return Instant(Seconds(first_second()));
      case 1: return Instant(Seconds(last_second()));
      case 2: return Instant(Seconds(between(-1, 1)));
      case 3: return Instant(Seconds(between(first_second(), last_second())));
      default: return Instant(Seconds(between(1735689600, 1893456000)));  // 2025 .. 2030
    }
  }

  template <class I>
  I integer() {
    using L = std::numeric_limits<I>;
    switch (between(0, 5)) {
      case 0: return L::min();
      case 1: return L::max();
      case 2: return static_cast<I>(between(0, 3));
      case 3:
        if constexpr (sizeof(I) < sizeof(long long) || std::is_signed_v<I>)
          return static_cast<I>(between(static_cast<long long>(L::min()), static_cast<long long>(L::max())));
        else
          return static_cast<I>(rng_());
      default: return static_cast<I>(between(0, 40));
    }
  }

  // A JSON object of random depth: what an action's data may hold.
  nlohmann::json json_object(int depth = 3) {
    nlohmann::json j = nlohmann::json::object();
    for (long long i = between(0, 4); i > 0; --i) j[text(3)] = json_value(depth - 1);
    return j;
  }
  nlohmann::json json_value(int depth) {
    switch (between(0, depth > 0 ? 9 : 7)) {
      case 0: return nullptr;
      case 1: return chance(0.5);
      case 2: return integer<std::int64_t>();
      case 3: return integer<std::uint64_t>();
      case 4: return std::ldexp(static_cast<double>(between(-1000000, 1000000)), static_cast<int>(between(-60, 60)));
      case 5: return 0.1 * static_cast<double>(between(-100, 100));
      case 6:
      case 7: return text();
      case 8: {
        nlohmann::json a = nlohmann::json::array();
        for (long long i = between(0, 3); i > 0; --i) a.push_back(json_value(depth - 1));
        return a;
      }
      default: return json_object(depth - 1);
    }
  }

  // ---- Filling any field -----------------------------------------------------------------
  template <class T>
  void fill(T& v) {
    if constexpr (std::is_same_v<T, std::string>) {
      v = text();
    } else if constexpr (std::is_same_v<T, bool>) {
      v = chance(0.5);
    } else if constexpr (std::is_same_v<T, Instant>) {
      v = instant();
    } else if constexpr (std::is_enum_v<T>) {
      v = static_cast<T>(between(0, enumerator_count<T>() - 1));
    } else if constexpr (std::is_integral_v<T>) {
      v = integer<T>();
    } else if constexpr (std::is_same_v<T, nlohmann::json>) {
      v = json_object();
    } else if constexpr (fields::is_optional<T>::value) {
      if (chance(0.4)) {
        v.reset();
      } else {
        typename T::value_type x{};
        fill(x);
        v = std::move(x);
      }
    } else if constexpr (fields::is_vector<T>::value) {
      v.clear();
      v.resize(static_cast<std::size_t>(between(0, 4)));
      for (auto& x : v) fill(x);
    } else {
      static_assert(fields::has_fields<T>::value, "RandomValues::fill(): add a case for this type");
      fields::for_each_field(v, [&](const std::string&, auto& field) { fill(field); });
      well_formed(v);
    }
  }

  template <class T>
  T make() {
    T v{};
    fill(v);
    return v;
  }

 private:
  // The constraints the types' own documentation states (see the top of this file).
  template <class T>
  void well_formed(T& v) {
    if constexpr (std::is_same_v<T, Span>) {
      if (any_span) return;
      constexpr long long kMax = std::numeric_limits<long long>::max();
      const long long unit = v.unit == Span::Unit::working_days ? 1 : pick(std::vector<long long>{1, 60, 3600});
      switch (between(0, 4)) {
        case 0: v.amount = unit * (kSpanRulesMax + between(-1, 1)); break;
        case 1: v.amount = unit * between(kSpanRulesMax, kMax / unit); break;
        case 2: v.amount = kMax - between(0, 1); break;
        default: v.amount = unit * between(0, 400); break;
      }
    } else if constexpr (std::is_same_v<T, StageRule>) {
      v.max_level = static_cast<int>(between(0, 20));  // RULES.md: 0 ... 20
    } else if constexpr (std::is_same_v<T, StageClock>) {
      v.schedule.resize(static_cast<std::size_t>(2 + v.rule.max_level));
      for (Instant& t : v.schedule) t = instant();
    } else if constexpr (std::is_same_v<T, Case>) {
      if (v.id.empty()) v.id = nonempty_text();
      // Mostly the hex form the engine writes (MemoryStorage keeps it as 32 bytes), sometimes
      // empty or any text (adapters keep what they are given).
      if (chance(0.6)) v.chain_head = chance(0.2) ? std::string() : hex_hash();
    } else if constexpr (std::is_same_v<T, Event>) {
      if (chance(0.6)) v.hash = chance(0.2) ? std::string() : hex_hash();
      if (v.type == EventType::action) {
        v.stage.reset();
        v.level = 0;
      } else {
        v.action.reset();
        v.actor.reset();
        v.data = nlohmann::json::object();
        if (v.type != EventType::escalated) v.level = 0;
      }
    }
  }

  std::string hex_hash() {
    static const char kDigits[] = "0123456789abcdef";
    std::string h(64, '0');
    for (char& c : h) c = kDigits[between(0, 15)];
    return h;
  }

  std::mt19937_64 rng_;
};

}  // namespace fengqiao::testing
