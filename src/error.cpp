#include "midks/error.hpp"

namespace midks {

Error::Error(ErrorKind kind, std::string message, std::string hint)
    : std::runtime_error(std::move(message)), kind_(kind), hint_(std::move(hint)) {}

Error Error::coded(ErrorKind kind, std::string code, std::string message, std::string hint) {
  Error e(kind, std::move(message), std::move(hint));
  e.code_ = std::move(code);
  return e;
}

Error Error::with_context(const std::string& where) const {
  std::string msg = what();
  if (!where.empty() && msg.rfind(where, 0) != 0) msg = where + ": " + msg;
  return coded(kind_, code_, msg, hint_);
}

void fail(ErrorKind kind, std::string message, std::string hint) {
  throw Error(kind, std::move(message), std::move(hint));
}

void fail_coded(ErrorKind kind, std::string code, std::string message, std::string hint) {
  throw Error::coded(kind, std::move(code), std::move(message), std::move(hint));
}

}  // namespace midks
