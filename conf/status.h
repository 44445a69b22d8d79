// Status and Result<T>: how errors cross module boundaries in smsgw.
//
// Every function that can fail at a module boundary returns a Status (no value) or a Result<T>
// (a value or the Status that says why there is none). Exceptions may be used inside a module
// but never leave it. A Status is cheap on success: an enum and an empty string.
//
// The codes are classed by what the caller should do, not by where the error came from:
//   InvalidArgument  the input is wrong; retrying the same input will fail again.
//   NotFound         the thing asked for does not exist.
//   AlreadyExists    a unique thing was created twice (e.g. a duplicate id).
//   Unavailable      temporary: the same call may succeed later (backend down, disk full,
//                    database locked). Callers retry with backoff.
//   Rejected         a definitive "no" from a peer (backend refused an instruction).
//   Corruption       stored data is damaged or from an unknown version; never "fixed" silently.
//   IOError          the operating system failed a read or write.
//   FailedPrecondition  the system is not in a state that allows the call.
//   Internal         a bug: an invariant did not hold.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace smsgw {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,
    kNotFound,
    kAlreadyExists,
    kUnavailable,
    kRejected,
    kCorruption,
    kIOError,
    kFailedPrecondition,
    kInternal,
  };

  Status() = default;

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return {Code::kInvalidArgument, std::move(msg)};
  }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {Code::kAlreadyExists, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Status Rejected(std::string msg) { return {Code::kRejected, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {Code::kCorruption, std::move(msg)}; }
  static Status IOError(std::string msg) { return {Code::kIOError, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) {
    return {Code::kFailedPrecondition, std::move(msg)};
  }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsAlreadyExists() const { return code_ == Code::kAlreadyExists; }
  bool IsUnavailable() const { return code_ == Code::kUnavailable; }
  bool IsRejected() const { return code_ == Code::kRejected; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsIOError() const { return code_ == Code::kIOError; }

  // "OK", or "<code name>: <message>".
  std::string ToString() const;

  // Adds context in front of the message, keeping the code: "opening store: disk full".
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

std::string_view CodeName(Status::Code code);

// A value, or the non-OK Status that says why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}        // NOLINT: implicit
  Result(Status status) : v_(std::in_place_index<1>, std::move(status)) {  // NOLINT: implicit
    assert(!std::get<1>(v_).ok() && "Result built from an OK status has no value");
  }

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // OK when there is a value.
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<1>(v_);
  }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? std::get<0>(v_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace smsgw
