// ValidateHttp and ValidateHeaders: the `http` and `headers` parts of
// ValidateConfig.
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "gateway/base/status_macros.h"
#include "gateway/base/strings.h"
#include "gateway/config/config_validator.h"
#include "gateway/config/validation_checks.h"
#include "gateway/routing/path_template.h"

namespace protogate::config {
namespace {

using ::google::api::HttpRule;

// The pattern's field name and template; empty name when none is set.
std::pair<std::string_view, std::string_view> Pattern(const HttpRule& rule) {
  switch (rule.pattern_case()) {
    case HttpRule::kGet:
      return {"get", rule.get()};
    case HttpRule::kPut:
      return {"put", rule.put()};
    case HttpRule::kPost:
      return {"post", rule.post()};
    case HttpRule::kDelete:
      return {"delete", rule.delete_()};
    case HttpRule::kPatch:
      return {"patch", rule.patch()};
    case HttpRule::kCustom:
      return {"custom.path", rule.custom().path()};
    case HttpRule::PATTERN_NOT_SET:
      break;
  }
  return {};
}

absl::Status CheckBinding(std::string_view path, const HttpRule& rule) {
  const auto [name, text] = Pattern(rule);
  if (name.empty()) {
    return ConfigPathError(
        path, "no pattern (get, put, post, delete, patch or custom)");
  }
  if (rule.has_custom() && rule.custom().kind().empty()) {
    return ConfigPathError(Field(path, "custom.kind"), "empty");
  }
  absl::Status parsed = routing::PathTemplate::Parse(text).status();
  if (!parsed.ok()) {
    return ConfigPathError(Field(path, name), base::ToStd(parsed.message()));
  }
  return absl::OkStatus();
}

void CheckRule(std::string_view path, const HttpRule& rule,
               Problems& problems) {
  problems.Add(CheckDottedName(Field(path, "selector"), rule.selector()));
  problems.Add(CheckBinding(path, rule));
  for (int i = 0; i < rule.additional_bindings_size(); ++i) {
    const HttpRule& binding = rule.additional_bindings(i);
    const std::string at = Index(Field(path, "additional_bindings"), i);
    if (!binding.selector().empty()) {
      problems.Add(Field(at, "selector"), "not allowed in additional_bindings");
    }
    if (!binding.additional_bindings().empty()) {
      problems.Add(Field(at, "additional_bindings"),
                   "additional_bindings do not nest");
    }
    problems.Add(CheckBinding(at, binding));
  }
}

enum class NameCase { kSensitive, kInsensitive };

// Each name valid and unique (compared per `name_case`).
void CheckNames(std::string_view path,
                const google::protobuf::RepeatedPtrField<std::string>& names,
                bool (*valid)(std::string_view), NameCase name_case,
                Problems& problems) {
  absl::flat_hash_map<std::string, int> seen;
  for (int i = 0; i < names.size(); ++i) {
    const std::string at = Index(path, i);
    if (!valid(names[i])) {
      problems.Add(at, absl::StrFormat("\"%s\" is not a valid name", names[i]));
      continue;
    }
    auto [it, inserted] = seen.emplace(name_case == NameCase::kInsensitive
                                           ? absl::AsciiStrToLower(names[i])
                                           : names[i],
                                       i);
    if (!inserted) {
      problems.Add(at, absl::StrFormat("duplicate \"%s\" (also %s)", names[i],
                                       base::ToAbsl(Index(path, it->second))));
    }
  }
}

bool IsHeaderName(std::string_view name) {
  return CheckHeaderName("", name).ok();
}

bool IsQueryName(std::string_view name) {
  return !name.empty() && name.find_first_of("&=#") == std::string_view::npos;
}

bool IsHeaderValue(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) ==
         std::string_view::npos;
}

absl::Status CheckResponseRule(std::string_view path,
                               const v1::ResponseHeaderRule& rule) {
  PG_RETURN_IF_ERROR(CheckHeaderName(Field(path, "name"), rule.name()));
  PG_RETURN_IF_ERROR(
      ValidateResponseHeaderName(Field(path, "name"), rule.name()));
  switch (rule.action_case()) {
    case v1::ResponseHeaderRule::kSet:
      if (IsHeaderValue(rule.set())) return absl::OkStatus();
      return ConfigPathError(Field(path, "set"), "CR, LF or NUL in value");
    case v1::ResponseHeaderRule::kAdd:
      if (IsHeaderValue(rule.add())) return absl::OkStatus();
      return ConfigPathError(Field(path, "add"), "CR, LF or NUL in value");
    case v1::ResponseHeaderRule::kRemove:
      if (rule.remove()) return absl::OkStatus();
      return ConfigPathError(Field(path, "remove"), "must be true when given");
    case v1::ResponseHeaderRule::ACTION_NOT_SET:
      break;
  }
  return ConfigPathError(path, "no action (set, add or remove)");
}

}  // namespace

void ValidateHttp(const v1::HttpConfig& http, Problems& problems) {
  absl::flat_hash_map<std::string, int> selectors;
  for (int i = 0; i < http.rules_size(); ++i) {
    const std::string path = Index("http.rules", i);
    CheckRule(path, http.rules(i), problems);
    auto [it, inserted] = selectors.emplace(http.rules(i).selector(), i);
    if (!inserted) {
      problems.Add(
          Field(path, "selector"),
          absl::StrFormat("duplicate selector \"%s\" (also http.rules[%d])",
                          http.rules(i).selector(), it->second));
    }
  }
  CheckNames("http.always_ignored_query_params",
             http.always_ignored_query_params(), IsQueryName,
             NameCase::kSensitive, problems);
}

void ValidateHeaders(const v1::HeadersConfig& headers, Problems& problems) {
  CheckNames("headers.forward", headers.forward(), IsHeaderName,
             NameCase::kInsensitive, problems);
  CheckNames("headers.forward_prefixes", headers.forward_prefixes(),
             IsHeaderName, NameCase::kInsensitive, problems);
  ValidateHeaderForwarding(headers, problems);
  for (int i = 0; i < headers.response_size(); ++i) {
    problems.Add(
        CheckResponseRule(Index("headers.response", i), headers.response(i)));
  }
}

absl::Status ValidateHeaders(const v1::HeadersConfig& headers) {
  Problems problems;
  ValidateHeaders(headers, problems);
  return problems.ToStatus();
}

}  // namespace protogate::config
