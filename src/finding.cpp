#include "midks/finding.hpp"

#include "code_list.hpp"

namespace midks {

namespace {

constexpr std::array kCodes = {
#define MIDKS_FINDING_INFO(name, severity) CodeInfo<Severity>{#name, Severity::severity},
    MIDKS_FINDING_CODES(MIDKS_FINDING_INFO)
#undef MIDKS_FINDING_INFO
};

}  // namespace

std::string_view finding_code_name(FindingCode code) noexcept { return kCodes[static_cast<std::size_t>(code)].name; }
Severity finding_code_severity(FindingCode code) noexcept { return kCodes[static_cast<std::size_t>(code)].attribute; }
const std::vector<FindingCode>& all_finding_codes() { return all_codes_of<FindingCode>(kCodes); }

}  // namespace midks
