// Strict UTF-8 decoding and encoding, shared by passwords, aliases and Java's modified UTF-8.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace midks::utf8 {

// Decodes the code point at s[i] and advances i. Returns false (i unchanged) on a malformed,
// overlong, surrogate or out-of-range sequence.
bool next(std::string_view s, std::size_t& i, char32_t& cp);
void append(std::string& out, char32_t cp);

}  // namespace midks::utf8
