#include "codegen/ts_types.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "codegen/well_known.h"
#include "gateway/base/strings.h"

namespace protogate::codegen {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;

// The name of a type inside its package: "Outer.Inner".
std::string InPackageName(const std::string& full_name,
                          const FileDescriptor& file) {
  if (file.package().empty()) return full_name;
  return full_name.substr(file.package().size() + 1);
}

// Names the generated code uses from the global scope, and TypeScript's
// predefined type names: a type of that name gets a trailing '_' (which no
// nested-type name can end with).
constexpr std::string_view kReservedNames[] = {
    "Array",   "AsyncIterable", "Promise", "Record", "any",    "bigint",
    "boolean", "never",         "null",    "number", "object", "string",
    "symbol",  "undefined",     "unknown", "void"};

std::string LocalName(const std::string& full_name,
                      const FileDescriptor& file) {
  std::string name =
      absl::StrReplaceAll(InPackageName(full_name, file), {{".", "_"}});
  for (std::string_view reserved : kReservedNames) {
    if (name == reserved) return name + "_";
  }
  return name;
}

std::string Alias(const std::string& module) {
  std::string alias = "$";
  for (char c : module) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9');
    alias.push_back(alnum ? c : '_');
  }
  return alias;
}

std::string Dirname(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? ""
                                         : std::string(path.substr(0, slash));
}

std::vector<std::string> Components(const std::string& path) {
  if (path.empty()) return {};
  return absl::StrSplit(path, '/');
}

std::string ArrayOf(const std::string& element) {
  if (element.find_first_of(" |") != std::string::npos) {
    return absl::StrCat("Array<", element, ">");
  }
  return absl::StrCat(element, "[]");
}

std::string ScalarType(FieldDescriptor::Type type) {
  switch (type) {
    case FieldDescriptor::TYPE_INT64:
    case FieldDescriptor::TYPE_UINT64:
    case FieldDescriptor::TYPE_SINT64:
    case FieldDescriptor::TYPE_FIXED64:
    case FieldDescriptor::TYPE_SFIXED64:
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
      return "string";
    case FieldDescriptor::TYPE_BOOL:
      return "boolean";
    default:
      return "number";
  }
}

std::string SingularType(const FieldDescriptor& field, TsImports& imports) {
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return TsMessageType(*field.message_type(), imports);
    case FieldDescriptor::CPPTYPE_ENUM:
      if (IsNullValue(*field.enum_type())) return "null";
      return imports.Ref(*field.enum_type());
    default:
      return ScalarType(field.type());
  }
}

}  // namespace

std::string TsModulePath(const FileDescriptor& file, TsLayout layout) {
  if (layout == TsLayout::kPerPackage) {
    if (file.package().empty()) return "index";
    return absl::StrReplaceAll(file.package(), {{".", "/"}});
  }
  std::string name = file.name();
  if (name.size() > 6 && name.substr(name.size() - 6) == ".proto") {
    name.resize(name.size() - 6);
  }
  return name;
}

std::string TsLocalName(const Descriptor& message) {
  return LocalName(message.full_name(), *message.file());
}

std::string TsLocalName(const EnumDescriptor& enum_type) {
  return LocalName(enum_type.full_name(), *enum_type.file());
}

std::string LowerCamel(std::string_view name) {
  std::string out;
  bool upper_next = false;
  for (char c : name) {
    if (c == '_') {
      upper_next = !out.empty();
      continue;
    }
    if (out.empty() && c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
    if (upper_next && c >= 'a' && c <= 'z')
      c = static_cast<char>(c - 'a' + 'A');
    upper_next = false;
    out.push_back(c);
  }
  return out;
}

std::string TsImportPath(std::string_view from, std::string_view to,
                         TsImportStyle style) {
  std::vector<std::string> from_dir = Components(Dirname(from));
  std::vector<std::string> target = Components(std::string(to));
  size_t common = 0;
  while (common < from_dir.size() && common + 1 < target.size() &&
         from_dir[common] == target[common]) {
    ++common;
  }
  std::string out;
  for (size_t i = common; i < from_dir.size(); ++i) out += "../";
  if (out.empty()) out = "./";
  std::vector<std::string> rest(target.begin() + common, target.end());
  absl::StrAppend(&out, absl::StrJoin(rest, "/"));
  if (style == TsImportStyle::kJsSuffix) out += ".js";
  return out;
}

std::string TsPropertyKey(std::string_view key) {
  bool identifier = !key.empty() && !(key[0] >= '0' && key[0] <= '9');
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_' || c == '$';
    identifier = identifier && ok;
  }
  return identifier ? std::string(key) : TsString(key);
}

std::string TsString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppend(&out, "\\u00", c < 0x10 ? "0" : "",
                      absl::Hex(static_cast<unsigned char>(c)));
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

std::string TsImports::Ref(const Descriptor& message) {
  return Qualify(*message.file(), TsLocalName(message));
}

std::string TsImports::Ref(const EnumDescriptor& enum_type) {
  return Qualify(*enum_type.file(), TsLocalName(enum_type));
}

std::string TsImports::Runtime(std::string_view name) {
  runtime_used_ = true;
  return absl::StrCat("$pg.", base::ToAbsl(name));
}

std::string TsImports::Qualify(const FileDescriptor& file, std::string local) {
  const std::string module = TsModulePath(file, layout_);
  if (module == module_) return local;
  const std::string alias = Alias(module);
  modules_[module] = alias;
  return absl::StrCat(alias, ".", local);
}

std::string TsImports::Statements(std::string_view runtime_module,
                                  TsImportStyle style) const {
  std::string out;
  if (runtime_used_) {
    absl::StrAppend(&out, "import * as $pg from ",
                    TsString(TsImportPath(module_, runtime_module, style)),
                    ";\n");
  }
  for (const auto& [module, alias] : modules_) {
    absl::StrAppend(&out, "import type * as ", alias, " from ",
                    TsString(TsImportPath(module_, module, style)), ";\n");
  }
  return out;
}

std::string TsFieldType(const FieldDescriptor& field, TsImports& imports) {
  if (field.is_map()) {
    const FieldDescriptor& value = *field.message_type()->map_value();
    return absl::StrCat("Record<string, ", SingularType(value, imports), ">");
  }
  const std::string type = SingularType(field, imports);
  return field.is_repeated() ? ArrayOf(type) : type;
}

std::string TsMessageType(const Descriptor& message, TsImports& imports) {
  const WellKnown kind = WellKnownOf(message);
  const FieldDescriptor::Type wrapped = WrappedType(kind);
  if (wrapped != FieldDescriptor::TYPE_MESSAGE) {
    return absl::StrCat(ScalarType(wrapped), " | null");
  }
  switch (kind) {
    case WellKnown::kTimestamp:
    case WellKnown::kDuration:
    case WellKnown::kFieldMask:
      return "string";
    case WellKnown::kStruct:
      return "{ [key: string]: unknown }";
    case WellKnown::kValue:
      return imports.Runtime("JsonValue");
    case WellKnown::kListValue:
      return absl::StrCat(imports.Runtime("JsonValue"), "[]");
    case WellKnown::kAny:
      return "{ \"@type\": string; [key: string]: unknown }";
    case WellKnown::kEmpty:
      return "Record<string, never>";
    default:
      return imports.Ref(message);
  }
}

std::string TsDefaultValue(const FieldDescriptor& field) {
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_ENUM:
      return TsString(field.enum_type()->value(0)->name());
    case FieldDescriptor::CPPTYPE_BOOL:
      return "false";
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return "\"\"";  // Timestamp, Duration, FieldMask, wrappers: no default.
    default:
      break;
  }
  if (ScalarType(field.type()) == "number") return "0";
  if (field.type() == FieldDescriptor::TYPE_STRING ||
      field.type() == FieldDescriptor::TYPE_BYTES) {
    return "\"\"";
  }
  return "\"0\"";
}

}  // namespace protogate::codegen
