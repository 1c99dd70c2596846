// The command line's fix for each error code (one table, in fixes.cpp).
#pragma once
#include <string>
#include <string_view>

#include "midks/error.hpp"

namespace midks::cli {

std::string_view fix_for(ErrorCode code);
// The fix to print: the one chosen for this occurrence, else the table's.
std::string fix_of(const Error& e);

}  // namespace midks::cli
