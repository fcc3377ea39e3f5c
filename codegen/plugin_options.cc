#include "codegen/plugin_options.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/base/strings.h"

namespace protogate::codegen {
namespace {

using Targets = PluginOptions::Targets;

absl::Status BadValue(std::string_view key, std::string_view value,
                      std::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat(
      "protogate_opt \"", base::ToAbsl(key), "\": bad value \"",
      base::ToAbsl(value), "\", expected ", base::ToAbsl(expected)));
}

absl::Status SetTarget(std::string_view value, bool first, Targets* targets) {
  Targets target;
  if (value == "ts") {
    target = Targets::kTypeScript;
  } else if (value == "openapi") {
    target = Targets::kOpenApi;
  } else {
    return BadValue("target", value, "ts or openapi");
  }
  *targets = first || *targets == target ? target : Targets::kBoth;
  return absl::OkStatus();
}

absl::Status SetOption(std::string_view key, std::string_view value,
                       bool first_target, PluginOptions* options) {
  if (key == "target") {
    return SetTarget(value, first_target, &options->targets);
  }
  if (key == "layout") {
    if (value == "file") {
      options->typescript.layout = TsLayout::kPerFile;
    } else if (value == "package") {
      options->typescript.layout = TsLayout::kPerPackage;
    } else {
      return BadValue(key, value, "file or package");
    }
  } else if (key == "import_style") {
    if (value == "js") {
      options->typescript.import_style = TsImportStyle::kJsSuffix;
    } else if (value == "none") {
      options->typescript.import_style = TsImportStyle::kNoSuffix;
    } else {
      return BadValue(key, value, "js or none");
    }
  } else if (key == "openapi_out" && !value.empty()) {
    options->openapi_file = std::string(value);
  } else if (key == "openapi_title") {
    options->openapi.title = std::string(value);
  } else if (key == "openapi_version") {
    options->openapi.version = std::string(value);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("protogate_opt: unknown option \"", base::ToAbsl(key),
                     "\" (known: target, layout, import_style, openapi_out, "
                     "openapi_title, openapi_version)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PluginOptions> ParsePluginOptions(std::string_view parameter) {
  PluginOptions options;
  bool first_target = true;
  for (absl::string_view item :
       absl::StrSplit(base::ToAbsl(parameter), ',', absl::SkipEmpty())) {
    const size_t equals = item.find('=');
    const std::string_view key = base::ToStd(item.substr(0, equals));
    const std::string_view value = equals == absl::string_view::npos
                                       ? std::string_view()
                                       : base::ToStd(item.substr(equals + 1));
    absl::Status s = SetOption(key, value, first_target, &options);
    if (!s.ok()) return s;
    if (key == "target") first_target = false;
  }
  return options;
}

}  // namespace protogate::codegen
