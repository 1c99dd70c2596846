// The table behind an X-macro list of codes (error codes, finding codes): each code's name and
// its one attribute (an error's kind, a finding's severity), indexed by the enum's value.
#pragma once
#include <array>
#include <cstddef>
#include <string_view>
#include <vector>

namespace midks {

template <class Attribute>
struct CodeInfo {
  std::string_view name;
  Attribute attribute;
};

// Every code of the list, in its order.
template <class Code, class Attribute, std::size_t N>
const std::vector<Code>& all_codes_of(const std::array<CodeInfo<Attribute>, N>&) {
  static const std::vector<Code> all = [] {
    std::vector<Code> v;
    for (std::size_t i = 0; i < N; ++i) v.push_back(static_cast<Code>(i));
    return v;
  }();
  return all;
}

}  // namespace midks
