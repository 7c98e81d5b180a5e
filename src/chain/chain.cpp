// The hash chain (fengqiao/chain.hpp). The encoding is docs/CHAIN.md's, byte for byte: a
// change here is a new kEncodingVersion, never an edit of version 1 (stores in the field
// were chained with it).
#include "fengqiao/chain.hpp"

#include <array>
#include <cstring>
#include <limits>
#include <memory>

#include <openssl/evp.h>

#include "core/buf.hpp"

namespace fengqiao::chain {
namespace {

using Digest = std::array<unsigned char, 32>;

// Domain-separation prefixes: a genesis value can never be mistaken for an event hash,
// and a later encoding version hashes differently whatever its bytes.
constexpr char kGenesisTag[] = "fengqiao.chain.v1.genesis";
constexpr char kEventTag[] = "fengqiao.chain.v1.event";

// The default provider's SHA-256, fetched once: OpenSSL 3 looks the algorithm up again on
// every EVP_Digest(..., EVP_sha256(), ...) call, which cost as much as hashing an event
// (perf on benchmarks/replay). EVP_MD objects are reference counted and safe to share
// between threads; each thread keeps its own context (a context is not).
const EVP_MD* sha256_algorithm() {
  static const std::unique_ptr<EVP_MD, void (*)(EVP_MD*)> md(EVP_MD_fetch(nullptr, "SHA256", nullptr), EVP_MD_free);
  return md.get();
}

Digest sha256(const char* message, std::size_t size) {
  thread_local const std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  Digest out{};
  unsigned int length = 0;
  const EVP_MD* md = sha256_algorithm();
  if (!md || !context || EVP_DigestInit_ex2(context.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), message, size) != 1 ||
      EVP_DigestFinal_ex(context.get(), out.data(), &length) != 1 || length != out.size())
    throw Exception(make_error(ErrorCode::storage_error, "libcrypto could not compute a SHA-256 digest"));
  return out;
}

std::string to_hex(const Digest& d) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(64, '0');
  for (std::size_t i = 0; i < d.size(); ++i) {
    out[2 * i] = kDigits[d[i] >> 4];
    out[2 * i + 1] = kDigits[d[i] & 0xf];
  }
  return out;
}

// Lowercase hex digits by table, -1 for any other byte. A hash's digits are random: a
// comparison chain per digit mispredicts about every other one, which cost more than
// the SHA-256 that produced them (perf, on the in-memory benchmarks).
constexpr std::array<signed char, 256> kHexValue = [] {
  std::array<signed char, 256> t{};
  for (auto& v : t) v = -1;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = static_cast<signed char>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) t[static_cast<std::size_t>(c)] = static_cast<signed char>(c - 'a' + 10);
  return t;
}();
int hex_value(char c) { return kHexValue[static_cast<unsigned char>(c)]; }

// Messages are written into a Buf through raw pointers: std::string's append is an
// out-of-line call per field, which cost as much as the SHA-256 of the message (perf, on
// the in-memory benchmarks).
using core_detail::Buf;

void put_u64(Buf& out, std::uint64_t v) {
  char* bytes = out.ensure(8);  // big-endian
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((v >> (56 - 8 * i)) & 0xff);
  out.advance(8);
}
void put_i64(Buf& out, std::int64_t v) { put_u64(out, static_cast<std::uint64_t>(v)); }
void put_str(Buf& out, std::string_view s) {
  put_u64(out, s.size());
  out.append(s.data(), s.size());
}
void put_strs(Buf& out, const std::vector<std::string>& v) {
  put_u64(out, v.size());
  for (const std::string& s : v) put_str(out, s);
}
template <class E>
void put_name(Buf& out, E v) {
  put_str(out, to_string(v));  // the spec's spelling: stable, unlike the enumerators' numbers
}
template <class T, class Put>
void put_opt(Buf& out, const std::optional<T>& v, Put put) {
  out.push_back(v ? '\x01' : '\x00');
  if (v) put(out, *v);
}

// A JSON value by what it means, not how nlohmann holds it: a non-negative integer read
// from text is number_unsigned, the same number built in C++ number_integer; both encode
// alike. Object keys in byte order (nlohmann's object is a std::map over std::string, so
// iteration is already that order).
void put_json(Buf& out, const nlohmann::json& j) {
  using V = nlohmann::json::value_t;
  switch (j.type()) {
    case V::null: out.push_back('n'); return;
    case V::boolean: out.push_back(j.get<bool>() ? 't' : 'f'); return;
    case V::number_integer:
      out.push_back('i');
      put_i64(out, j.get<std::int64_t>());
      return;
    case V::number_unsigned: {
      const auto u = j.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        out.push_back('i');
        put_i64(out, static_cast<std::int64_t>(u));
      } else {
        out.push_back('u');
        put_u64(out, u);
      }
      return;
    }
    case V::number_float: {
      out.push_back('d');
      const double d = j.get<double>();
      std::uint64_t bits = 0;
      static_assert(sizeof bits == sizeof d, "IEEE-754 binary64 expected");
      std::memcpy(&bits, &d, sizeof bits);
      put_u64(out, bits);
      return;
    }
    case V::string:
      out.push_back('s');
      put_str(out, j.get_ref<const std::string&>());
      return;
    case V::array:
      out.push_back('a');
      put_u64(out, j.size());
      for (const auto& x : j) put_json(out, x);
      return;
    case V::object:
      out.push_back('o');
      put_u64(out, j.size());
      for (auto it = j.begin(); it != j.end(); ++it) {
        put_str(out, it.key());
        put_json(out, it.value());
      }
      return;
    case V::binary: {
      // Not produced by any JSON text; encoded all the same so that no value is left out.
      out.push_back('b');
      const auto& bytes = j.get_binary();
      put_u64(out, bytes.size());
      if (!bytes.empty()) out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      return;
    }
    case V::discarded: break;
  }
  throw Exception(make_error(ErrorCode::invalid_data, "an event's data holds a discarded JSON value"));
}

void put_digest_of_hex(Buf& out, std::string_view hex) {
  // Checked and converted in one pass; a bad digit anywhere makes any_bad negative.
  char bytes[32] = {};
  int any_bad = -1;
  if (hex.size() == 64) {
    any_bad = 0;
    for (std::size_t i = 0; i < 32; ++i) {
      const int high = hex_value(hex[2 * i]);
      const int low = hex_value(hex[2 * i + 1]);
      any_bad |= high | low;
      bytes[i] = static_cast<char>(high * 16 + low);
    }
  }
  if (any_bad < 0)
    throw Exception(make_error(ErrorCode::invalid_data,
                               "a previous hash must be 64 lowercase hexadecimal digits, got \"" + std::string(hex) + "\""));
  out.append(bytes, sizeof bytes);
}

std::string short_hash(std::string_view h) {
  return h.empty() ? std::string("(none)") : std::string(h.substr(0, 16)) + (h.size() > 16 ? "…" : "");
}

}  // namespace

bool is_hash(std::string_view text) noexcept {
  if (text.size() != 64) return false;
  int any_bad = 0;  // one branch for the whole text instead of one per digit
  for (char c : text) any_bad |= hex_value(c);
  return any_bad >= 0;
}

std::string genesis(std::string_view case_id) {
  std::string message(kGenesisTag, sizeof kGenesisTag);  // with its NUL
  message.append(case_id.data(), case_id.size());
  return to_hex(sha256(message.data(), message.size()));
}

namespace {

// Appends the encoding of `e` to `out` (event_hash writes it straight into its message).
void encode_into(Buf& out, const Event& e) {
  put_str(out, e.case_id);
  put_u64(out, e.seq);
  put_i64(out, static_cast<std::int64_t>(e.at.time_since_epoch().count()));
  put_name(out, e.type);
  put_opt(out, e.action, [](Buf& o, Action a) { put_name(o, a); });
  put_opt(out, e.actor, [](Buf& o, const Actor& a) {
    put_str(o, a.id);
    put_name(o, a.role);
    put_str(o, a.org);
  });
  put_json(out, e.data);
  put_opt(out, e.stage, [](Buf& o, Stage s) { put_name(o, s); });
  put_i64(out, e.level);
  put_strs(out, e.notified);
  put_name(out, e.state_after);
  put_strs(out, e.notice);
  put_opt(out, e.supervision_after, [](Buf& o, Supervision s) { put_name(o, s); });
}

}  // namespace

std::string encode(const Event& e) {
  Buf out;
  encode_into(out, e);
  return std::string(out.data(), out.size());
}

std::string event_hash(const Event& e, std::string_view previous) {
  // One buffer per thread: the engine hashes every event it stores.
  thread_local Buf message;
  message.clear();
  message.append(kEventTag, sizeof kEventTag);
  put_digest_of_hex(message, previous);
  encode_into(message, e);
  return to_hex(sha256(message.data(), message.size()));
}

std::string Break::describe() const {
  return "case \"" + case_id + "\"" + (seq ? ", event " + std::to_string(seq) : std::string()) + ": " + what;
}

Checker::Checker(std::string case_id) : case_id_(std::move(case_id)), head_(genesis(case_id_)) {}

std::optional<Break> Checker::next(const Event& e) {
  if (broken_) return std::nullopt;
  auto fail = [&](std::uint64_t seq, std::string what) {
    broken_ = true;
    return Break{case_id_, seq, std::move(what)};
  };
  const std::uint64_t expected_seq = seen_ + 1;
  if (e.seq != expected_seq)
    return fail(expected_seq, e.seq > expected_seq
                                  ? "is missing (the next stored event is numbered " + std::to_string(e.seq) + ")"
                                  : "is not there: an event numbered " + std::to_string(e.seq) + " is stored in its place");
  // The stored event's own case id is hashed, so an event moved from another case breaks
  // here even if its seq fits.
  const std::string recomputed = event_hash(e, head_);
  if (e.hash.empty()) return fail(e.seq, "has no stored hash (recomputed " + short_hash(recomputed) + ")");
  if (e.hash != recomputed) {
    // Tell a changed event from a broken link: does the stored hash chain from anything
    // we know? We only know the previous head, so say what was recomputed.
    return fail(e.seq, "its content does not match its hash: stored " + short_hash(e.hash) + ", recomputed " +
                           short_hash(recomputed) +
                           (e.case_id != case_id_ ? " (the event names case \"" + e.case_id + "\")" : std::string()));
  }
  head_ = recomputed;
  ++seen_;
  return std::nullopt;
}

std::optional<Break> Checker::finish(std::string_view chain_head, std::uint64_t version) {
  if (broken_) return std::nullopt;
  broken_ = true;
  if (seen_ != version)
    return Break{case_id_, seen_ + 1,
                 "is missing: the case is at version " + std::to_string(version) + " but its history ends at event " +
                     std::to_string(seen_)};
  if (chain_head != head_)
    return Break{case_id_, 0,
                 "the snapshot's chain head " + short_hash(chain_head) + " is not the hash of its last event " +
                     std::to_string(seen_) + " (" + short_hash(head_) + "): events were changed and rechained, or "
                     "the head was changed"};
  broken_ = false;
  return std::nullopt;
}

namespace {

// Reads the case's events through the checker; the storage's errors are returned, a
// break is put in `report`.
Status check_case(const Storage& storage, const Case& snapshot, Report& report) {
  Checker checker(snapshot.id);
  std::optional<Break> broken;
  Status s = storage.read_events(snapshot.id, 1, [&](const Event& e) {
    broken = checker.next(e);
    if (!broken) ++report.events;
    return !broken;
  });
  if (!s) return s;
  if (!broken) broken = checker.finish(snapshot.chain_head, snapshot.version);
  ++report.cases;
  report.broken = std::move(broken);
  return Status::success();
}

}  // namespace

Result<Report> verify_case(const Storage& storage, std::string_view case_id) {
  auto snapshot = storage.load(case_id);
  if (!snapshot) return snapshot.error();
  Report report;
  if (Status s = check_case(storage, *snapshot, report); !s) return s.error();
  return report;
}

Result<Report> verify_store(const Storage& storage) {
  Report report;
  Status inner = Status::success();
  Status s = for_each_case(storage, CaseQuery{}, [&](const Case& c) {
    inner = check_case(storage, c, report);
    return inner.ok() && report.intact();
  });
  if (!s) return s.error();
  if (!inner) return inner.error();
  return report;
}

Status as_status(const Result<Report>& report) {
  if (!report) return report.error();
  if (report->intact()) return Status::success();
  return make_error(ErrorCode::storage_error, "hash chain broken: " + report->broken->describe());
}

}  // namespace fengqiao::chain
