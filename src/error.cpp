#include "midks/error.hpp"

#include <array>

namespace midks {

namespace {

struct CodeInfo {
  std::string_view name;
  ErrorKind kind;
};

constexpr std::array kCodes = {
#define MIDKS_ERROR_INFO(name, kind) CodeInfo{#name, ErrorKind::kind},
    MIDKS_ERROR_CODES(MIDKS_ERROR_INFO)
#undef MIDKS_ERROR_INFO
};

}  // namespace

std::string_view error_code_name(ErrorCode code) noexcept { return kCodes[static_cast<std::size_t>(code)].name; }
ErrorKind error_code_kind(ErrorCode code) noexcept { return kCodes[static_cast<std::size_t>(code)].kind; }

const std::vector<ErrorCode>& all_error_codes() {
  static const std::vector<ErrorCode> all = [] {
    std::vector<ErrorCode> v;
    for (std::size_t i = 0; i < kCodes.size(); ++i) v.push_back(static_cast<ErrorCode>(i));
    return v;
  }();
  return all;
}

Error::Error(ErrorCode code, std::string message) : std::runtime_error(std::move(message)), code_(code) {}

Error Error::with_hint(std::string hint) const {
  Error e = *this;
  e.hint_ = std::move(hint);
  return e;
}

Error Error::with_context(const std::string& where) const {
  std::string msg = what();
  if (!where.empty() && msg.rfind(where, 0) != 0) msg = where + ": " + msg;
  Error e(code_, msg);
  e.hint_ = hint_;
  return e;
}

Error Error::recoded(ErrorCode code) const {
  Error e(code, what());
  e.hint_ = hint_;
  return e;
}

void fail(ErrorCode code, std::string message) { throw Error(code, std::move(message)); }

}  // namespace midks
