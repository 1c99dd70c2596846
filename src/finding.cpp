#include "midks/finding.hpp"

#include <array>

namespace midks {

namespace {

struct CodeInfo {
  std::string_view name;
  Severity severity;
};

constexpr std::array kCodes = {
#define MIDKS_FINDING_INFO(name, severity) CodeInfo{#name, Severity::severity},
    MIDKS_FINDING_CODES(MIDKS_FINDING_INFO)
#undef MIDKS_FINDING_INFO
};

}  // namespace

std::string_view finding_code_name(FindingCode code) noexcept { return kCodes[static_cast<std::size_t>(code)].name; }
Severity finding_code_severity(FindingCode code) noexcept { return kCodes[static_cast<std::size_t>(code)].severity; }

const std::vector<FindingCode>& all_finding_codes() {
  static const std::vector<FindingCode> all = [] {
    std::vector<FindingCode> v;
    for (std::size_t i = 0; i < kCodes.size(); ++i) v.push_back(static_cast<FindingCode>(i));
    return v;
  }();
  return all;
}

}  // namespace midks
