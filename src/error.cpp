#include "midks/error.hpp"

#include "code_list.hpp"

namespace midks {

namespace {

constexpr std::array kCodes = {
#define MIDKS_ERROR_INFO(name, kind) CodeInfo<ErrorKind>{#name, ErrorKind::kind},
    MIDKS_ERROR_CODES(MIDKS_ERROR_INFO)
#undef MIDKS_ERROR_INFO
};

}  // namespace

std::string_view error_code_name(ErrorCode code) noexcept { return kCodes[static_cast<std::size_t>(code)].name; }
ErrorKind error_code_kind(ErrorCode code) noexcept { return kCodes[static_cast<std::size_t>(code)].attribute; }
const std::vector<ErrorCode>& all_error_codes() { return all_codes_of<ErrorCode>(kCodes); }

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
