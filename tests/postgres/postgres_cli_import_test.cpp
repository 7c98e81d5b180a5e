// `fengqiao import --pg`: a history into a PostgreSQL database through the engine, the way
// `import --db` fills a SQLite file. The database then holds what a replay makes of the
// history (its export is the replayed file's export), and each refusal — the history's
// cases already there, a history that does not replay clean — writes nothing.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include <fengqiao/history.hpp>
#include <fengqiao/memory_storage.hpp>
#include <fengqiao/postgres_storage.hpp>
#include <fengqiao/replay.hpp>

#include "child_process.hpp"
#include "pg_server.hpp"

namespace fq = fengqiao;
using fq::testing::ChildProcess;
using fq::testing::TestSchema;

namespace {

const std::string kData = FENGQIAO_SAMPLES;

struct Run {
  int exit_code = -1;
  std::string out;
};

// The tool with `args`; its standard output read whole, its stderr into `err_file`.
Run tool(const std::vector<std::string>& args, const std::string& err_file) {
  std::vector<std::string> argv{FENGQIAO_CLI};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess child(argv, err_file);
  Run run;
  for (std::string line = child.read_line(); !line.empty(); line = child.read_line()) run.out += line + "\n";
  const int status = child.wait();
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string exported(const fq::Storage& storage) {
  std::ostringstream out;
  fq::Status s = fq::history::export_cases(storage, {}, out, {fq::PersonalData::included});
  REQUIRE_MESSAGE(s.ok(), s.error().describe());
  return out.str();
}

std::string export_of_replay(const std::string& history) {
  auto memory = std::make_shared<fq::MemoryStorage>();
  fq::ReplayOptions options;
  options.storage = memory;
  std::ifstream in(history);
  REQUIRE(fq::replay(in, options).clean());
  return exported(*memory);
}

long long tables_in(const TestSchema& schema) {
  pqxx::connection c(schema.conninfo());
  pqxx::nontransaction tx(c);
  return tx.exec1("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()")[0]
      .as<long long>();
}

}  // namespace

TEST_CASE("import --pg fills an empty database with what the engine makes of the history") {
  TestSchema schema;
  const std::string history = kData + "/histories/07-visits-and-notice.jsonl";
  const std::string err = "postgres_cli_import.stderr";
  const Run run = tool({"import", history, "--pg", schema.conninfo()}, err);
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("into the PostgreSQL database:") != std::string::npos);
  // The connection string may hold a password: the tool does not repeat it.
  CHECK(run.out.find(schema.name()) == std::string::npos);

  auto store = fq::PostgresStorage::open(schema.conninfo());
  REQUIRE(store);
  CHECK(exported(**store) == export_of_replay(history));
  auto visits = (*store)->count_visits(fq::VisitQuery{});
  REQUIRE(visits);
  CHECK(*visits > 0);

  SUBCASE("a second import is refused and changes nothing") {
    const std::string before = exported(**store);
    const Run again = tool({"import", history, "--pg=" + schema.conninfo()}, err);
    CHECK(again.exit_code == 2);
    CHECK(again.out.empty());
    CHECK(exported(**store) == before);
  }
}

TEST_CASE("import --pg of a history that does not replay clean writes nothing, not even the schema") {
  TestSchema schema;
  const Run run = tool({"import", kData + "/cli/three-divergences.jsonl", "--pg", schema.conninfo()},
                       "postgres_cli_import.stderr");
  CHECK(run.exit_code == 1);
  CHECK(tables_in(schema) == 0);
}

TEST_CASE("import takes one store: --db and --pg together are refused") {
  TestSchema schema;
  const Run run = tool({"import", kData + "/histories/01-closed-loop.jsonl", "--db", "x.db", "--pg", schema.conninfo()},
                       "postgres_cli_import.stderr");
  CHECK(run.exit_code == 2);
  CHECK(tables_in(schema) == 0);
}
