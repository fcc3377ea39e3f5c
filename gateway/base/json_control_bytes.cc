#include "gateway/base/json_control_bytes.h"

#include <algorithm>
#include <utility>

namespace protogate::base {

std::string EscapeRawControlBytes(std::string json) {
  auto is_control = [](char c) { return static_cast<unsigned char>(c) < 0x20; };
  if (std::none_of(json.begin(), json.end(), is_control)) return json;
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(json.size() + 16);
  for (char c : json) {
    if (!is_control(c)) {
      out.push_back(c);
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    out.append("\\u00");
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0xf]);
  }
  return out;
}

}  // namespace protogate::base
