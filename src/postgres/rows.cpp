#include "postgres/rows.hpp"

#include <algorithm>

namespace fengqiao::postgres_detail {
namespace {

// A stored JSON column read back as T; `what` names the row.
template <class T>
T parse_row(const std::string& text, const std::string& what) {
  try {
    return nlohmann::json::parse(text).get<T>();
  } catch (const nlohmann::json::exception& e) {  // not JSON
    throw DataError(what + " does not parse: " + e.what());
  } catch (const Exception& e) {  // JSON, but not a T: its from_json says why
    throw DataError(what + " does not parse: " + e.what());
  }
}

}  // namespace

CaseColumns columns_of(const Case& c) {
  CaseColumns out;
  out.state = std::string(to_string(c.state));
  out.supervision = std::string(to_string(c.supervision));
  out.level = c.level;
  out.lead = c.lead;
  out.jurisdiction = jurisdiction_key(c.jurisdiction);
  if (auto next = c.next_due()) out.next_due = to_seconds(next->at);
  return out;
}

std::string jurisdiction_key(const std::vector<std::string>& path) {
  std::string key = "/";
  for (const std::string& element : path) {
    for (char ch : element) {
      if (ch == '%') key += "%25";
      else if (ch == '/') key += "%2F";
      else key += ch;
    }
    key += '/';
  }
  return key;
}

std::string jurisdiction_key_end(const std::string& prefix_key) {
  // Every key with this prefix continues it after its final '/'; the same text with that
  // '/' replaced by the next byte ('0') sorts after all of them byte-wise.
  std::string end = prefix_key;
  end.back() = static_cast<char>('/' + 1);
  return end;
}

std::int64_t to_seconds(Instant t) { return static_cast<std::int64_t>(t.time_since_epoch().count()); }
Instant from_seconds(std::int64_t s) { return Instant(Seconds(s)); }

std::string snapshot_text(const Case& c) { return nlohmann::json(c).dump(); }
Case snapshot_from(const std::string& text, std::string_view case_id) {
  return parse_row<Case>(text, "the snapshot of case \"" + std::string(case_id) + "\"");
}

std::string event_text(const Event& e) { return nlohmann::json(e).dump(); }
Event event_from(const std::string& text, std::string_view case_id, std::int64_t seq) {
  return parse_row<Event>(text, "event " + std::to_string(seq) + " of case \"" + std::string(case_id) + "\"");
}

nlohmann::json payload_from(const std::string& text, std::int64_t outbox_id) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw DataError("the payload of outbox message " + std::to_string(outbox_id) + " does not parse: " + e.what());
  }
}

std::string visit_text(const Visit& v) { return nlohmann::json(v).dump(); }
Visit visit_from(const std::string& text, std::string_view visit_id) {
  return parse_row<Visit>(text, "visit \"" + std::string(visit_id) + "\"");
}

std::string config_text(const ConfigRecord& r) { return nlohmann::json(r).dump(); }
ConfigRecord config_from(const std::string& text, std::int64_t seq) {
  const std::string what = "configuration record " + std::to_string(seq);
  ConfigRecord r = parse_row<ConfigRecord>(text, what);
  if (static_cast<std::int64_t>(r.seq) != seq) throw DataError(what + " holds the record of seq " + std::to_string(r.seq));
  return r;
}

std::vector<std::string> visit_keys_of(const Visit& v) {
  std::vector<std::string> keys;
  for (const Party& p : v.parties) {
    if (!p.id_number.empty()) keys.push_back("id_number:" + p.id_number);
    if (!p.phone.empty()) keys.push_back("phone:" + p.phone);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

bool has_nul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

}  // namespace fengqiao::postgres_detail
