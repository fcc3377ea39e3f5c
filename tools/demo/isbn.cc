#include "tools/demo/isbn.h"

namespace protogate::demo {

bool IsValidIsbn13(std::string_view isbn) {
  int digits = 0;
  int sum = 0;
  for (char c : isbn) {
    if (c == '-' || c == ' ') continue;
    if (c < '0' || c > '9' || digits == 13) return false;
    sum += (c - '0') * (digits % 2 == 0 ? 1 : 3);
    ++digits;
  }
  return digits == 13 && sum % 10 == 0;
}

}  // namespace protogate::demo
