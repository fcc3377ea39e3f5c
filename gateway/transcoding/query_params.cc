#include "gateway/transcoding/query_params.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/base/strings.h"

namespace protogate::transcoding {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool PercentDecode(std::string_view text, PlusMode plus, std::string* out) {
  out->clear();
  out->reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out->push_back(text[i] == '+' && plus == PlusMode::kSpace ? ' '
                                                                : text[i]);
      continue;
    }
    if (text.size() - i < 3) return false;
    const int hi = HexValue(text[i + 1]);
    const int lo = HexValue(text[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

absl::StatusOr<std::vector<QueryParam>> ParseQuery(std::string_view raw,
                                                   PlusMode plus) {
  std::vector<QueryParam> params;
  for (absl::string_view piece_av : absl::StrSplit(base::ToAbsl(raw), '&')) {
    const std::string_view piece = base::ToStd(piece_av);
    if (piece.empty()) continue;
    const size_t eq = piece.find('=');
    const std::string_view name = piece.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos
                                       ? std::string_view()
                                       : piece.substr(eq + 1);
    QueryParam& p = params.emplace_back();
    if (!PercentDecode(name, plus, &p.name) ||
        !PercentDecode(value, plus, &p.value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed percent-encoding in query parameter \"",
                       base::ToAbsl(name), "\""));
    }
  }
  return params;
}

}  // namespace protogate::transcoding
