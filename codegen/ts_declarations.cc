#include "codegen/ts_declarations.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "codegen/well_known.h"
#include "gateway/base/strings.h"

namespace protogate::codegen {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;

std::string FieldDoc(const FieldDescriptor& field) {
  std::string doc = Comments(field);
  const google::protobuf::OneofDescriptor* oneof =
      field.real_containing_oneof();
  if (oneof != nullptr) {
    if (!doc.empty()) doc += "\n\n";
    absl::StrAppend(&doc, "Member of oneof `", oneof->name(),
                    "`: set at most one of its fields.");
  }
  return doc;
}

}  // namespace

std::string TsDocComment(std::string_view text, std::string_view indent_view) {
  if (text.empty()) return "";
  const absl::string_view indent = base::ToAbsl(indent_view);
  const std::string safe =
      absl::StrReplaceAll(base::ToAbsl(text), {{"*/", "*\\/"}});
  std::vector<std::string> lines = absl::StrSplit(safe, '\n');
  std::string out = absl::StrCat(indent, "/**\n");
  for (const std::string& line : lines) {
    const size_t begin = line.find_first_not_of(' ');
    if (begin == std::string::npos) {
      absl::StrAppend(&out, indent, " *\n");
    } else {
      absl::StrAppend(&out, indent, " * ", line.substr(begin), "\n");
    }
  }
  absl::StrAppend(&out, indent, " */\n");
  return out;
}

std::string TsEnumDeclaration(const EnumDescriptor& type) {
  std::string out = TsDocComment(Comments(type), "");
  absl::StrAppend(&out, "export type ", TsLocalName(type), " =\n");
  for (int i = 0; i < type.value_count(); ++i) {
    absl::StrAppend(&out, "  | ", TsString(type.value(i)->name()),
                    i + 1 == type.value_count() ? ";\n" : "\n");
  }
  return out;
}

std::string TsInterfaceDeclaration(const Descriptor& message,
                                   TsImports& imports) {
  std::string out = TsDocComment(Comments(message), "");
  if (message.field_count() == 0) {
    absl::StrAppend(&out, "export type ", TsLocalName(message),
                    " = Record<string, never>;\n");
    return out;
  }
  absl::StrAppend(&out, "export interface ", TsLocalName(message), " {\n");
  for (int i = 0; i < message.field_count(); ++i) {
    const FieldDescriptor& field = *message.field(i);
    absl::StrAppend(&out, TsDocComment(FieldDoc(field), "  "), "  ",
                    TsPropertyKey(field.json_name()),
                    "?: ", TsFieldType(field, imports), ";\n");
  }
  out += "}\n";
  return out;
}

}  // namespace protogate::codegen
