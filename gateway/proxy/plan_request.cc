#include "gateway/proxy/plan_request.h"

#include <optional>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gateway/base/strings.h"
#include "gateway/transcoding/query_params.h"

namespace protogate::proxy {
namespace {

constexpr absl::string_view kFieldsParam = "fields";

// Moves the `fields` parameter of `raw` into `fields` and the other
// parameters, as written, into `rest`.
absl::Status SplitFieldsParam(std::string_view raw,
                              std::optional<std::string>& fields,
                              std::string& rest) {
  for (absl::string_view piece : absl::StrSplit(base::ToAbsl(raw), '&')) {
    const absl::string_view name = piece.substr(0, piece.find('='));
    if (name != kFieldsParam) {
      if (piece.empty()) continue;
      if (!rest.empty()) rest.push_back('&');
      rest.append(piece.data(), piece.size());
      continue;
    }
    if (fields.has_value()) {
      return absl::InvalidArgumentError(
          "query parameter \"fields\": given more than once");
    }
    const absl::string_view value =
        name.size() < piece.size() ? piece.substr(name.size() + 1) : "";
    std::string decoded;
    if (!transcoding::PercentDecode(
            std::string_view(value.data(), value.size()),
            transcoding::PlusMode::kSpace, &decoded)) {
      return absl::InvalidArgumentError(
          "query parameter \"fields\": malformed percent escape");
    }
    fields = std::move(decoded);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PlanQuery> ReadPlanQuery(const aggregator::CompiledPlan& plan,
                                        const http::Request& request) {
  PlanQuery out;
  std::optional<std::string> fields;
  const std::string_view raw = request.query();
  if (base::ToAbsl(raw).find(kFieldsParam) == absl::string_view::npos) {
    out.query = std::string(raw);
  } else {
    absl::Status split = SplitFieldsParam(raw, fields, out.query);
    if (!split.ok()) return split;
  }
  if (std::optional<std::string_view> header = request.header("x-fields")) {
    if (fields.has_value()) {
      return absl::InvalidArgumentError(
          "fields: give the selection once, as ?fields= or as X-Fields");
    }
    fields = std::string(*header);
  }
  if (!fields.has_value()) return out;
  auto selection = aggregator::FieldSelection::Parse(plan, *fields);
  if (!selection.ok()) return selection.status();
  out.selection = *std::move(selection);
  return out;
}

}  // namespace protogate::proxy
