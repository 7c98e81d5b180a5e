#include "postgres/schema.hpp"

#include <set>
#include <string>
#include <vector>

#include <pqxx/pqxx>  // the whole library: result iteration needs most of it
#include <pqxx/nontransaction>
#include <pqxx/transaction>

namespace fengqiao::postgres_detail {
namespace {

// Each migration takes the schema from to_version - 1 to to_version. Append new ones;
// never edit one that has shipped (databases in the field were made by it).
struct Migration {
  int to_version;
  std::vector<const char*> statements;
};

// Every text that is compared or ordered is COLLATE "C": byte-wise, as the engine and
// the other adapters order ids, whatever the database's default collation (a locale
// collation would put "C-10" and "c-2" in dictionary order and make jurisdiction key
// ranges match the wrong rows).
const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1,
       {
           "CREATE TABLE meta ("
           " key   TEXT COLLATE \"C\" PRIMARY KEY,"
           " value TEXT NOT NULL)",

           // The snapshot is TEXT, not jsonb: jsonb would reorder keys and normalise
           // numbers, and the stored text must be exactly what to_json wrote.
           "CREATE TABLE cases ("
           " id           TEXT COLLATE \"C\" NOT NULL PRIMARY KEY,"
           " state        TEXT COLLATE \"C\" NOT NULL,"
           " supervision  TEXT COLLATE \"C\" NOT NULL,"
           " level        INTEGER NOT NULL,"
           " lead         TEXT COLLATE \"C\","
           " jurisdiction TEXT COLLATE \"C\" NOT NULL,"
           " next_due     BIGINT,"
           " version      BIGINT NOT NULL,"
           " snapshot     TEXT NOT NULL)",
           "CREATE INDEX cases_by_state ON cases(state, id)",
           "CREATE INDEX cases_by_supervision ON cases(supervision, id)",
           "CREATE INDEX cases_by_lead ON cases(lead, id) WHERE lead IS NOT NULL",
           "CREATE INDEX cases_by_jurisdiction ON cases(jurisdiction, id)",
           // The due index: first_due() is one descent of this b-tree.
           "CREATE INDEX cases_by_due ON cases(next_due, id) WHERE next_due IS NOT NULL",

           "CREATE TABLE events ("
           " case_id TEXT COLLATE \"C\" NOT NULL,"
           " seq     BIGINT NOT NULL,"
           " at      BIGINT NOT NULL,"
           " type    TEXT NOT NULL,"
           " json    TEXT NOT NULL,"
           " PRIMARY KEY (case_id, seq))",
           // Histories and configuration records are append-only; a rolled-back
           // transaction removes rows without a DELETE, so the trigger never stands in
           // the way of fengqiao itself.
           "CREATE FUNCTION fengqiao_append_only() RETURNS trigger LANGUAGE plpgsql AS"
           " $$BEGIN RAISE EXCEPTION 'fengqiao % are append-only', TG_TABLE_NAME; END$$",
           "CREATE TRIGGER events_are_append_only BEFORE UPDATE OR DELETE ON events"
           " FOR EACH ROW EXECUTE FUNCTION fengqiao_append_only()",

           // Ids come from the sequence, taken under kOutboxLock (see commit): a sequence
           // never goes back, so an acknowledged id is never handed out again.
           "CREATE TABLE outbox ("
           " id        BIGSERIAL PRIMARY KEY,"
           " topic     TEXT NOT NULL,"
           " case_id   TEXT COLLATE \"C\" NOT NULL,"
           " event_seq BIGINT NOT NULL,"
           " payload   TEXT NOT NULL)",

           "CREATE TABLE visits ("
           " id      TEXT COLLATE \"C\" NOT NULL PRIMARY KEY,"
           " at      BIGINT NOT NULL,"
           " kind    TEXT COLLATE \"C\" NOT NULL,"
           " channel TEXT COLLATE \"C\" NOT NULL,"
           " case_id TEXT COLLATE \"C\","
           " json    TEXT NOT NULL)",
           "CREATE INDEX visits_by_at ON visits(at, id)",
           "CREATE INDEX visits_by_case ON visits(case_id, id) WHERE case_id IS NOT NULL",
           // A party's id_number and phone ("id_number:<v>", "phone:<v>"), one row per
           // distinct value per visit: "every visit of this person" is one index range.
           "CREATE TABLE visit_keys ("
           " key      TEXT COLLATE \"C\" NOT NULL,"
           " visit_id TEXT COLLATE \"C\" NOT NULL,"
           " PRIMARY KEY (key, visit_id))",

           "CREATE TABLE configurations ("
           " seq  BIGINT PRIMARY KEY CHECK (seq > 0),"
           " at   BIGINT NOT NULL,"
           " json TEXT NOT NULL)",
           "CREATE TRIGGER configurations_are_append_only BEFORE UPDATE OR DELETE ON configurations"
           " FOR EACH ROW EXECUTE FUNCTION fengqiao_append_only()",
       }},
  };
  return all;
}

// The tables fengqiao creates: a schema holding one of them without `meta` is someone
// else's, and is refused rather than mixed with.
const std::set<std::string>& our_tables() {
  static const std::set<std::string> names = {"meta",   "cases",      "events",        "outbox",
                                              "visits", "visit_keys", "configurations"};
  return names;
}

enum class Contents { empty, fengqiao, foreign };

struct Found {
  Contents contents = Contents::empty;
  int schema_version = 0;
  std::string clash;  // for foreign: the table that is in the way
};

// Reads only: a refused schema must stay exactly as it was.
Found inspect(pqxx::transaction_base& tx) {
  Found f;
  // pg_class rather than information_schema, which hides tables the role may not use.
  const pqxx::result tables = tx.exec(
      "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
      " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')");
  bool has_meta = false;
  for (const auto& row : tables) {
    const std::string name = row[0].as<std::string>();
    if (name == "meta") has_meta = true;
    else if (our_tables().count(name) && f.clash.empty()) f.clash = name;
  }
  if (!has_meta) {
    if (!f.clash.empty()) f.contents = Contents::foreign;
    return f;
  }
  std::string application, version;
  for (const auto& row : tx.exec("SELECT key, value FROM meta WHERE key IN ('application', 'schema_version')")) {
    if (row[0].as<std::string>() == "application") application = row[1].as<std::string>();
    else version = row[1].as<std::string>();
  }
  if (application != "fengqiao") {
    f.contents = Contents::foreign;
    f.clash = "meta";
    return f;
  }
  f.contents = Contents::fengqiao;
  try {
    f.schema_version = std::stoi(version);
  } catch (const std::exception&) {
    f.schema_version = -1;  // reported as unreadable below
  }
  return f;
}

Error refuse(const Where& where, const std::string& why) {
  return make_error(ErrorCode::storage_error, describe_server(where) + " " + why);
}

std::string schema_name(pqxx::transaction_base& tx) {
  const pqxx::row r = tx.exec1("SELECT current_schema()");
  return r[0].is_null() ? std::string() : r[0].as<std::string>();
}

// Why `found` cannot be opened by this build, or "" when it can.
std::string refusal(const Found& found, const std::string& schema) {
  if (found.contents == Contents::foreign)
    return "schema \"" + schema + "\" holds a table \"" + found.clash +
           "\" that is not fengqiao's (no fengqiao meta table); it was left unchanged. Use another schema "
           "(options=-csearch_path=...) or another database";
  if (found.schema_version < 0)
    return "schema \"" + schema + "\" has an unreadable schema_version in its meta table; restore it from a backup";
  if (found.schema_version > PostgresStorage::kSchemaVersion)
    return "schema \"" + schema + "\" was written by a newer fengqiao (schema " + std::to_string(found.schema_version) +
           " > " + std::to_string(PostgresStorage::kSchemaVersion) + "); upgrade fengqiao to open it";
  return "";
}

}  // namespace

Result<std::int32_t> prepare_schema(pqxx::connection& c, const PostgresOptions& options, const Where& where) {
  std::int32_t lock_space = 0;
  Found found;
  std::string schema;
  {
    pqxx::nontransaction tx(c);
    const std::string encoding = tx.exec1("SHOW server_encoding")[0].as<std::string>();
    if (encoding != "UTF8")
      return refuse(where, "has server encoding " + encoding + "; fengqiao stores UTF-8 text and needs a database "
                           "created with ENCODING 'UTF8'");
    schema = schema_name(tx);
    if (schema.empty())
      return refuse(where, "has no schema to use: none of the search_path's schemas exists (create one, e.g. "
                           "CREATE SCHEMA fengqiao, and name it with options=-csearch_path=fengqiao)");
    lock_space = tx.exec1("SELECT hashtext(current_schema())")[0].as<std::int32_t>();
    found = inspect(tx);
  }
  if (std::string why = refusal(found, schema); !why.empty()) return refuse(where, why);
  if (found.contents == Contents::fengqiao && found.schema_version == PostgresStorage::kSchemaVersion) return lock_space;
  if (!options.create_if_missing) {
    if (found.contents == Contents::empty)
      return refuse(where, "schema \"" + schema + "\" holds no fengqiao tables yet (PostgresOptions::create_if_missing is "
                           "off); open it once with create_if_missing to create them");
    return refuse(where, "schema \"" + schema + "\" has fengqiao schema " + std::to_string(found.schema_version) +
                             " < " + std::to_string(PostgresStorage::kSchemaVersion) +
                             " (PostgresOptions::create_if_missing is off, so it is not migrated); open it once with "
                             "create_if_missing to migrate it");
  }

  // Another process may be creating or migrating the same schema: decide again under a
  // lock all of them take. DDL is transactional in PostgreSQL, so a failure leaves nothing.
  pqxx::work tx(c, "fengqiao_schema");
  tx.exec_params("SELECT pg_advisory_xact_lock($1::int4, $2::int4)", static_cast<std::int32_t>(kSchemaLock), lock_space);
  found = inspect(tx);
  if (std::string why = refusal(found, schema); !why.empty()) return refuse(where, why);
  if (found.schema_version < PostgresStorage::kSchemaVersion) {
    for (const Migration& m : migrations()) {
      if (m.to_version <= found.schema_version) continue;
      for (const char* sql : m.statements) tx.exec(sql);
    }
    tx.exec_params(
        "INSERT INTO meta(key, value) VALUES ('application', 'fengqiao'), ('schema_version', $1)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        std::to_string(PostgresStorage::kSchemaVersion));
  }
  tx.commit();
  return lock_space;
}

}  // namespace fengqiao::postgres_detail
