// The command line's fix for each error code and finding code (one table, in fixes.cpp), and
// doctor's checks: which finding codes fail each.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "midks/error.hpp"
#include "midks/finding.hpp"

namespace midks {
class ImportRefused;
}

namespace midks::cli {

std::string_view fix_for(ErrorCode code);
std::string_view fix_for(FindingCode code);
// The fix to print: the one chosen for this occurrence, else the table's.
std::string fix_of(const Error& e);
std::string fix_of(const Finding& f);
// An ImportRefused's message with each refusable finding's fix: what the command line prints.
std::string refusal_message(const ImportRefused& refused);

// The seed's troubleshooting table as doctor's checks: each names the finding codes that fail it.
struct DoctorCheck {
  const char* title;
  std::vector<FindingCode> codes;
};
const std::vector<DoctorCheck>& doctor_checks();

}  // namespace midks::cli
