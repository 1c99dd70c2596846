// Replays inputs through a fuzz target without libFuzzer, so ctest runs every kept crash input and
// every seed with the ordinary compiler (and under ASan/UBSan in the sanitizer build). One binary
// for every target (fuzz_readers.hpp), named by the first argument:
//   fuzz_replay TARGET [--cut-at HEX] PATH...
// Each PATH is a file or a folder (walked recursively, in name order). A folder that does not
// exist is passed over (a target may have no kept regressions yet). --cut-at HEX: a file that
// contains those bytes is also replayed from their first occurrence on, as scripts/fuzz.sh cuts the
// Java-serialization streams out of JCEKS files. Any exception other than midks::Error escaping
// the target, a trap or a sanitizer report fails the run; the input is named on stderr first.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "fuzz_readers.hpp"

namespace {

namespace fs = std::filesystem;

std::vector<std::uint8_t> read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::uint8_t> from_hex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  if (hex.size() % 2 != 0 || hex.empty()) throw std::runtime_error("--cut-at wants an even number of hex digits");
  for (std::size_t i = 0; i < hex.size(); i += 2) out.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  midks::fuzz::Reader read = argc > 1 ? midks::fuzz::reader(argv[1]) : nullptr;
  if (read == nullptr) {
    std::cerr << "usage: fuzz_replay TARGET [--cut-at HEX] PATH... (TARGET: a name in tests/fuzz/fuzz_readers.cpp)\n";
    return 2;
  }
  std::vector<std::uint8_t> cut;
  std::vector<fs::path> files;
  std::size_t folders = 0;
  try {
    for (int i = 2; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg == "--cut-at" && i + 1 < argc) {
        cut = from_hex(argv[++i]);
        continue;
      }
      fs::path p(arg);
      if (fs::is_directory(p)) {
        ++folders;
        std::vector<fs::path> found;
        for (const auto& e : fs::recursive_directory_iterator(p))
          if (e.is_regular_file()) found.push_back(e.path());
        std::sort(found.begin(), found.end());
        files.insert(files.end(), found.begin(), found.end());
      } else if (fs::exists(p)) {
        files.push_back(p);
      } else {
        std::cout << "(no " << arg << ")\n";
      }
    }
    std::size_t runs = 0;
    for (const fs::path& f : files) {
      std::vector<std::uint8_t> data = read_all(f);
      std::cerr << "replay " << f.string() << "\n";
      read(data.data(), data.size());
      ++runs;
      if (!cut.empty()) {
        auto at = std::search(data.begin(), data.end(), cut.begin(), cut.end());
        if (at != data.end() && at != data.begin()) {
          std::cerr << "replay " << f.string() << " from offset " << (at - data.begin()) << "\n";
          std::vector<std::uint8_t> tail(at, data.end());
          read(tail.data(), tail.size());
          ++runs;
        }
      }
    }
    std::cout << "replayed " << runs << " inputs (" << files.size() << " files, " << folders << " folders)\n";
    if (files.empty()) {
      std::cout << "nothing to replay\n";
      return 1;
    }
  } catch (const std::exception& e) {
    std::cerr << "FAIL: " << e.what() << " escaped the target (only midks::Error may)\n";
    return 1;
  }
  return 0;
}
