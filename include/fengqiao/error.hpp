// Error codes, the Error value and Result<T>: how every fengqiao operation reports failure.
//
// The codes are stable strings shared with the history format and the bindings
// (HISTORY-FORMAT.md, "Error codes"); never renumber or rename them.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace fengqiao {

// The stable error codes (HISTORY-FORMAT.md "Error codes").
enum class ErrorCode {
  invalid_transition,  // not allowed from the current state, or a rule (allowance, window, max level) forbids it
  not_permitted,       // this actor may not perform this action on this case
  invalid_data,        // a required field is missing or invalid; the message names it
  unknown_case,        // no case with that id
  duplicate_case,      // `register` for an id that already exists
  conflict,            // the case changed concurrently (optimistic version check failed); retry
  invalid_history,     // a malformed history line; the message gives the line number
  invalid_config,      // a malformed or contradictory calendar or rules document; the message names the key
  storage_error,       // the storage failed (I/O, corrupt or incompatible file, a file locked at open, ...)
  busy,                // the storage was held by another thread's or process's batch or transaction past
                       // the busy timeout; nothing was done; retry
  duplicate_visit,     // a visit recorded under an id that another visit already has (contract version 2)
};

// How many codes there are: every table indexed by ErrorCode is sized with it.
inline constexpr std::size_t kErrorCodeCount = static_cast<std::size_t>(ErrorCode::duplicate_visit) + 1;

// The code's spelling ("invalid_transition"), and back (none for an unknown spelling).
std::string_view to_string(ErrorCode code) noexcept;
std::optional<ErrorCode> error_code_from_string(std::string_view text) noexcept;

// A refusal or failure: its stable code and a message naming what failed.
struct Error {
  ErrorCode code;
  std::string message;  // names the rule, field or line that failed; never empty

  // "code: message", the form used in logs and exception texts.
  std::string describe() const;
};

// Thrown by the throwing API (Engine::act, ...). Carries the same Error the
// non-throwing API returns.
class Exception : public std::runtime_error {
 public:
  // what() is error.describe(); code() and error() give it back.
  explicit Exception(Error error);
  ErrorCode code() const noexcept { return error_.code; }
  const Error& error() const noexcept { return error_; }

 private:
  Error error_;
};

// Either a value or an Error. Cheap to move; checking is explicit:
//   auto r = engine.try_get("C-1");
//   if (!r) std::cerr << r.error().describe();
template <class T>
class [[nodiscard]] Result {
 public:
  // A value, or an error (implicit, so a function returning Result can return either).
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}

  // Holds a value.
  bool ok() const noexcept { return data_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  // The value; on an error, throws Exception with it (what value_or_throw does), so a
  // caller that did not check learns why rather than getting std::bad_variant_access.
  // On a temporary Result the value is returned by value, moved out: a reference would
  // dangle once the full expression ends, as in
  //   for (const Case& c : storage.query(q).value())
  // where only the returned object, not the Result, lives through the loop.
  const T& value() const& { return checked(); }
  T& value() & { return checked(); }
  T value() && { return std::move(checked()); }
  const T* operator->() const { return &value(); }
  const T& operator*() const& { return value(); }
  T operator*() && { return std::move(*this).value(); }

  // Precondition: !ok().
  const Error& error() const& { return std::get<1>(data_); }
  Error error() && { return std::get<1>(std::move(data_)); }

  // The value, or throws Exception with the error.
  T value_or_throw() && { return std::move(*this).value(); }

 private:
  const T& checked() const {
    if (const T* v = std::get_if<0>(&data_)) return *v;
    throw Exception(*std::get_if<1>(&data_));
  }
  T& checked() {
    if (T* v = std::get_if<0>(&data_)) return *v;
    throw Exception(*std::get_if<1>(&data_));
  }

  std::variant<T, Error> data_;
};

// Success without a value, or an Error (leveldb's Status, with our codes).
class [[nodiscard]] Status {
 public:
  // Success (the default and success()), or `error`.
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}
  static Status success() { return Status(); }

  // No error.
  bool ok() const noexcept { return !error_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  // Precondition: !ok().
  const Error& error() const& { return *error_; }
  void throw_if_error() const {
    if (error_) throw Exception(*error_);
  }

 private:
  std::optional<Error> error_;
};

// An Error of `code` with `message`.
inline Error make_error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace fengqiao
