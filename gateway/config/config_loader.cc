#include "gateway/config/config_loader.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/status_macros.h"
#include "gateway/base/strings.h"
#include "gateway/config/config_validator.h"
#include "gateway/config/yaml_to_json.h"
#include "gateway/transcoding/codec_set.h"
#include "gateway/transcoding/json_to_wire.h"
#include "gateway/transcoding/options.h"

namespace protogate::config {
namespace {

using ::protogate::base::ToAbsl;

// "FILE:LINE:COLUMN: MESSAGE", or "FILE: MESSAGE" without a position.
absl::Status ConfigError(std::string_view file, const YamlPosition* pos,
                         std::string_view message) {
  if (pos == nullptr || pos->line == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(ToAbsl(file), ": ", ToAbsl(message)));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      ToAbsl(file), ":", pos->line, ":", pos->column, ": ", ToAbsl(message)));
}

// The path of a transcoder error `field "PATH": ...`, or "".
std::string_view ErrorPath(std::string_view message) {
  constexpr std::string_view kPrefix = "field \"";
  if (message.substr(0, kPrefix.size()) != kPrefix) return {};
  message.remove_prefix(kPrefix.size());
  const size_t end = message.find("\": ");
  return end == std::string_view::npos ? std::string_view()
                                       : message.substr(0, end);
}

absl::StatusOr<std::string> ToWire(const JsonDocument& doc,
                                   std::string_view file) {
  const google::protobuf::Descriptor* type = v1::GatewayConfig::descriptor();
  PG_ASSIGN_OR_RETURN(
      std::unique_ptr<transcoding::CodecSet> codecs,
      transcoding::CodecSet::Build(
          *google::protobuf::DescriptorPool::generated_pool(), {type}));
  const transcoding::MessageCodec* codec = codecs->Find(type);
  if (codec == nullptr) {
    return absl::InternalError(
        "no codec for protogate.config.v1.GatewayConfig");
  }
  transcoding::ParseOptions options;
  options.max_input_bytes = YamlToJsonOptions().max_json_bytes;
  std::string wire;
  std::string_view json = doc.json;
  if (json == "null") json = "{}";  // An empty document.
  absl::Status status =
      transcoding::JsonToWire(*codecs, *codec, json, options, &wire);
  if (!status.ok()) {
    const std::string_view message = base::ToStd(status.message());
    return ConfigError(file, doc.Find(ErrorPath(message)), message);
  }
  return wire;
}

struct ParsedConfig {
  v1::GatewayConfig config;
  JsonDocument doc;
};

absl::StatusOr<ParsedConfig> Parse(std::string_view text,
                                   std::string_view file) {
  absl::StatusOr<JsonDocument> doc = YamlToJson(text);
  if (!doc.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(ToAbsl(file), ":", doc.status().message()));
  }
  PG_ASSIGN_OR_RETURN(std::string wire, ToWire(*doc, file));
  ParsedConfig parsed{.doc = *std::move(doc)};
  if (!parsed.config.ParseFromString(wire)) {
    return absl::InternalError(
        absl::StrCat(ToAbsl(file), ": transcoded config does not parse"));
  }
  return parsed;
}

// The position of the config path that starts `message` ("PATH: ..."), or
// of its closest ancestor found in `doc`.
const YamlPosition* ValidationErrorPosition(const JsonDocument& doc,
                                            std::string_view message) {
  const size_t colon = message.find(": ");
  std::string_view path =
      message.substr(0, colon == std::string_view::npos ? 0 : colon);
  while (!path.empty()) {
    if (const YamlPosition* pos = doc.Find(path)) return pos;
    const size_t cut = path.find_last_of(".[");
    path = path.substr(0, cut == std::string_view::npos ? 0 : cut);
  }
  return nullptr;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("config file \"", path, "\": ", std::strerror(errno)));
  }
  std::string text(kMaxConfigFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    return absl::NotFoundError(
        absl::StrCat("config file \"", path, "\": read error"));
  }
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxConfigFileBytes) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": larger than ", kMaxConfigFileBytes, " bytes"));
  }
  return text;
}

}  // namespace

absl::StatusOr<v1::GatewayConfig> ParseConfigText(
    std::string_view text, std::string_view file_name_for_errors) {
  PG_ASSIGN_OR_RETURN(ParsedConfig parsed, Parse(text, file_name_for_errors));
  return std::move(parsed.config);
}

absl::StatusOr<v1::GatewayConfig> LoadConfigFile(const std::string& path) {
  PG_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseConfigText(text, path);
}

absl::StatusOr<v1::GatewayConfig> ParseValidatedConfigText(
    std::string_view text, std::string_view file_name_for_errors) {
  PG_ASSIGN_OR_RETURN(ParsedConfig parsed, Parse(text, file_name_for_errors));
  absl::Status status = ValidateConfig(parsed.config);
  if (!status.ok()) {
    const std::string_view message = base::ToStd(status.message());
    return ConfigError(file_name_for_errors,
                       ValidationErrorPosition(parsed.doc, message), message);
  }
  return std::move(parsed.config);
}

absl::StatusOr<v1::GatewayConfig> LoadValidatedConfigFile(
    const std::string& path) {
  PG_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseValidatedConfigText(text, path);
}

}  // namespace protogate::config
