#include "postgres/errors.hpp"

#include <regex>

#include <pqxx/except>

#include "postgres/rows.hpp"

namespace fengqiao::postgres_detail {

std::string masked(const std::string& connection) {
  static const std::regex keyword(R"((password\s*=\s*)('([^'\\]|\\.)*'|\S+))", std::regex::icase);
  static const std::regex uri(R"(^(postgres(ql)?://[^:@/]*:)[^@/]*@)", std::regex::icase);
  std::string out = std::regex_replace(connection, keyword, "$1***");
  return std::regex_replace(out, uri, "$1***@");
}

std::string describe_server(const Where& where) { return "PostgreSQL \"" + where.server + "\""; }

namespace {

std::string first_line(std::string_view text) {
  std::string s(text.substr(0, text.find('\n')));
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

Error sql_error(const pqxx::sql_error& e, const Where& where, const Doing& doing) {
  const std::string server = describe_server(where);
  // libpqxx 6.4 leaves sqlstate() empty for some statements (simple queries); its
  // exception class still says which error it was.
  std::string state = e.sqlstate();
  if (state.empty()) {
    if (dynamic_cast<const pqxx::insufficient_privilege*>(&e)) state = "42501";
    else if (dynamic_cast<const pqxx::unique_violation*>(&e)) state = "23505";
    else if (dynamic_cast<const pqxx::deadlock_detected*>(&e)) state = "40P01";
    else if (dynamic_cast<const pqxx::serialization_failure*>(&e)) state = "40001";
    else if (dynamic_cast<const pqxx::insufficient_resources*>(&e)) state = "53000";
  }
  const std::string detail = " (SQLSTATE " + state + ": " + first_line(e.what()) + ") while " + doing.what;
  // Lock not available: lock_timeout (= busy_timeout) passed while another transaction
  // held a row, the configuration or the outbox lock.
  if (state == "55P03")
    return make_error(ErrorCode::busy, server + " is locked by another transaction (still locked after " +
                                           std::to_string(where.busy_timeout.count()) + " ms, PostgresOptions::busy_timeout)" +
                                           detail + "; nothing was stored, retry later");
  if (state == "40P01")
    return make_error(ErrorCode::busy, server + " broke a deadlock by aborting this transaction" + detail +
                                           "; nothing was stored, retry");
  if (state == "40001")
    return make_error(ErrorCode::conflict, server + " could not serialize this transaction with a concurrent one" + detail +
                                               "; nothing was stored, reload and retry");
  if (state == "23505" && doing.on_unique)
    return make_error(*doing.on_unique, server + ": it already exists" + detail);
  if (state == "42501")
    return make_error(ErrorCode::storage_error,
                      server + ": permission denied" + detail +
                          "; grant the role SELECT, INSERT, UPDATE, DELETE on the schema's tables and USAGE on its "
                          "sequence (or connect as a role that has them)");
  if (state == "25006")
    return make_error(ErrorCode::storage_error, server + " accepts no writes (a read-only transaction or a standby)" +
                                                    detail + "; connect to the primary");
  if (state.rfind("53", 0) == 0)
    return make_error(ErrorCode::storage_error,
                      server + " ran out of resources (disk, memory or connections)" + detail + "; nothing was stored");
  if (state == "57014")
    return make_error(ErrorCode::storage_error, server + " cancelled the statement (statement_timeout or an "
                                                         "administrator)" + detail + "; nothing was stored");
  return make_error(ErrorCode::storage_error, server + ": PostgreSQL error" + detail);
}

}  // namespace

Error translate(const std::exception& e, const Where& where, const Doing& doing) {
  const std::string server = describe_server(where);
  // in_doubt_error first: the connection broke while COMMIT was in flight, so the server
  // may or may not have committed. Never report that as a plain failure: a retry could
  // store the change twice (a register would then fail as duplicate, an action fire twice).
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e))
    return make_error(ErrorCode::storage_error,
                      server + ": the connection was lost while committing (" + first_line(e.what()) + ") while " +
                          doing.what + "; whether it was stored is unknown: " +
                          (doing.if_unknown.empty() ? std::string("read it back to find out") : doing.if_unknown) +
                          ". The next call connects again");
  if (dynamic_cast<const pqxx::broken_connection*>(&e)) {
    // Only a write has something to say about what was stored (a write always names how
    // to find out, for the in-doubt case above).
    const bool writing = !doing.if_unknown.empty();
    return make_error(ErrorCode::storage_error,
                      server + " cannot be reached or the connection was lost (" + first_line(e.what()) + ") while " +
                          doing.what +
                          (writing ? "; nothing was stored (the server rolls back a transaction whose connection is gone)"
                                   : "") +
                          ". Check that the server runs and accepts this login; the next call connects again");
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) return sql_error(*sql, where, doing);
  if (dynamic_cast<const HeldByBatch*>(&e))
    return make_error(ErrorCode::busy, server + " " + e.what() + " while " + doing.what + "; nothing was done, retry");
  if (dynamic_cast<const DataError*>(&e))
    return make_error(ErrorCode::storage_error, server + " holds unreadable data (" + e.what() + ") while " +
                                                    doing.what + "; restore it from a backup");
  return make_error(ErrorCode::storage_error,
                    server + ": unexpected failure (" + first_line(e.what()) + ") while " + doing.what);
}

}  // namespace fengqiao::postgres_detail
