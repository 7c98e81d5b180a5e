#include "sqlite/errors.hpp"

#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

namespace fengqiao::sqlite_detail {

std::string describe_file(const Where& where) { return "SQLite database \"" + where.path + "\""; }

Error database_error(int sqlite_code, std::string_view sqlite_message, const Where& where, std::string_view doing) {
  const std::string file = describe_file(where);
  const std::string detail = " (" + std::string(sqlite_message) + ") while " + std::string(doing);
  std::string text;
  switch (sqlite_code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return make_error(ErrorCode::busy, file + " is locked by another connection (still busy after " +
                                             std::to_string(where.busy_timeout.count()) + " ms)" + detail +
                                             "; nothing was changed, retry later");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      text = file + " is not a database or is corrupt" + detail + "; restore it from a backup";
      break;
    case SQLITE_READONLY:
      text = file + " cannot be written (read-only file, directory or connection)" + detail;
      break;
    case SQLITE_FULL:
      text = file + ": the disk is full" + detail + "; nothing was changed";
      break;
    case SQLITE_CANTOPEN:
      text = file + " cannot be opened" + detail;
      break;
    case SQLITE_IOERR:
      text = file + ": I/O error" + detail;
      break;
    default:
      text = file + ": SQLite error " + std::to_string(sqlite_code) + detail;
      break;
  }
  return make_error(ErrorCode::storage_error, std::move(text));
}

Error translate(const std::exception& e, const Where& where, std::string_view doing) {
  if (const auto* sql = dynamic_cast<const SQLite::Exception*>(&e)) {
    const int code = sql->getExtendedErrorCode() > 0 ? sql->getExtendedErrorCode() : sql->getErrorCode();
    return database_error(code, sql->what(), where, doing);
  }
  if (dynamic_cast<const HeldByBatch*>(&e))
    return make_error(ErrorCode::busy, describe_file(where) + " " + e.what() + " while " + std::string(doing) +
                                           "; nothing was done, retry");
  if (dynamic_cast<const DataError*>(&e))
    return make_error(ErrorCode::storage_error, describe_file(where) + " holds unreadable data (" + e.what() +
                                                    ") while " + std::string(doing) + "; restore it from a backup");
  return make_error(ErrorCode::storage_error, describe_file(where) + ": unexpected failure (" + e.what() + ") while " +
                                                  std::string(doing));
}

}  // namespace fengqiao::sqlite_detail
