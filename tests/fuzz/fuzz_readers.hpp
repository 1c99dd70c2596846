// The readers the fuzz targets drive, by the targets' names (keystore jks pkcs12 java_serial
// key_protection bundle config bcfks). libFuzzer builds one binary per name (tests/fuzz/); the
// ctest replay (replay_main.cpp) is one binary that takes the name as its first argument.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace midks::fuzz {

// Feeds one input to a reader. midks::Error is swallowed (refusing is a reader's job); any other
// exception, a trap or a sanitizer report is a bug.
using Reader = void (*)(const std::uint8_t* data, std::size_t size);

// The reader of that name, or nullptr.
Reader reader(std::string_view name);

}  // namespace midks::fuzz
