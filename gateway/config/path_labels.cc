#include "gateway/config/path_labels.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gateway/base/strings.h"

namespace protogate::config {
namespace {

using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;

constexpr std::string_view kLabelFields[] = {"name", "service", "selector",
                                             "target"};
constexpr size_t kMaxLabelBytes = 80;

// The item's name, quoted, or "".
std::string LabelOf(const Message& item) {
  for (std::string_view name : kLabelFields) {
    const FieldDescriptor* field =
        item.GetDescriptor()->FindFieldByName(std::string(name));
    if (field == nullptr || field->is_repeated() ||
        field->type() != FieldDescriptor::TYPE_STRING) {
      continue;
    }
    std::string value = item.GetReflection()->GetString(item, field);
    if (value.empty()) continue;
    if (value.size() > kMaxLabelBytes) value.resize(kMaxLabelBytes);
    return absl::StrCat("\"", absl::CHexEscape(value), "\"");
  }
  return "";
}

// "name[3]" -> ("name", 3); "name" -> ("name", -1). False when malformed.
bool SplitSegment(std::string_view segment, std::string_view& name,
                  int& index) {
  index = -1;
  const size_t open = segment.find('[');
  name = segment.substr(0, open);
  if (open == std::string_view::npos) return true;
  if (!segment.ends_with(']')) return false;
  std::string_view digits = segment.substr(open + 1);
  digits.remove_suffix(1);
  return absl::SimpleAtoi(base::ToAbsl(digits), &index) && index >= 0;
}

}  // namespace

std::string LabelConfigPath(const v1::GatewayConfig& config,
                            std::string_view path) {
  std::vector<std::string> pieces;     // Joined by ": ".
  std::vector<absl::string_view> run;  // Segments since the last label.
  const Message* message = &config;
  for (absl::string_view part : absl::StrSplit(base::ToAbsl(path), '.')) {
    const std::string_view segment = base::ToStd(part);
    run.push_back(part);
    std::string_view name;
    int index = -1;
    if (message == nullptr || !SplitSegment(segment, name, index)) {
      message = nullptr;
      continue;
    }
    const FieldDescriptor* field =
        message->GetDescriptor()->FindFieldByName(std::string(name));
    if (field == nullptr || field->type() != FieldDescriptor::TYPE_MESSAGE ||
        field->is_map() || field->is_repeated() != (index >= 0)) {
      message = nullptr;
      continue;
    }
    const auto& reflection = *message->GetReflection();
    if (index < 0) {
      message = &reflection.GetMessage(*message, field);
      continue;
    }
    if (index >= reflection.FieldSize(*message, field)) {
      message = nullptr;
      continue;
    }
    message = &reflection.GetRepeatedMessage(*message, field, index);
    const std::string label = LabelOf(*message);
    if (label.empty()) continue;
    pieces.push_back(absl::StrCat(absl::StrJoin(run, "."), " ", label));
    run.clear();
  }
  if (!run.empty()) pieces.push_back(absl::StrJoin(run, "."));
  return absl::StrJoin(pieces, ": ");
}

}  // namespace protogate::config
