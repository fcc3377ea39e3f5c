#include "gateway/config/config_loader.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/base/status_macros.h"
#include "gateway/base/strings.h"
#include "gateway/config/config_validator.h"
#include "gateway/config/path_labels.h"
#include "gateway/config/problems.h"
#include "gateway/config/yaml_to_json.h"
#include "gateway/config/yaml_tree.h"
#include "gateway/transcoding/codec_set.h"
#include "gateway/transcoding/json_to_wire.h"
#include "gateway/transcoding/options.h"

namespace protogate::config {
namespace {

using ::protogate::base::ToAbsl;

// "FILE:LINE:COLUMN: MESSAGE", or "FILE: MESSAGE" without a position.
std::string Positioned(std::string_view file, const YamlPosition* pos,
                       std::string_view message) {
  if (pos == nullptr || pos->line == 0) {
    return absl::StrCat(ToAbsl(file), ": ", ToAbsl(message));
  }
  return absl::StrCat(ToAbsl(file), ":", pos->line, ":", pos->column, ": ",
                      ToAbsl(message));
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

// The member to leave out after the transcoder rejected `path`: the member
// itself, a map entry ("a[key]"), or for a list item the whole list.
std::string MemberToSkip(std::string_view path) {
  while (path.ends_with(']')) {
    const size_t open = path.rfind('[');
    if (open == std::string_view::npos || open == 0) return "";
    const std::string_view key = path.substr(open + 1, path.size() - open - 2);
    if (key.empty() || !absl::c_all_of(key, absl::ascii_isdigit)) {
      return std::string(path);
    }
    path = path.substr(0, open);
  }
  return std::string(path);
}

// Transcodes config JSON (a GatewayConfig) to its wire form.
class ConfigTranscoder {
 public:
  static absl::StatusOr<ConfigTranscoder> Create() {
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
    return ConfigTranscoder(std::move(codecs), *codec);
  }

  // The transcoder's error names the field: `field "PATH": PROBLEM`.
  absl::Status ToWire(const JsonDocument& doc, std::string& wire) const {
    transcoding::ParseOptions options;
    options.max_input_bytes = YamlToJsonOptions().max_json_bytes;
    std::string_view json = doc.json;
    if (json == "null") json = "{}";  // An empty document.
    wire.clear();
    return transcoding::JsonToWire(*codecs_, *codec_, json, options, &wire);
  }

 private:
  ConfigTranscoder(std::unique_ptr<transcoding::CodecSet> codecs,
                   const transcoding::MessageCodec& codec)
      : codecs_(std::move(codecs)), codec_(&codec) {}

  std::unique_ptr<transcoding::CodecSet> codecs_;
  const transcoding::MessageCodec* codec_;
};

struct ParsedConfig {
  v1::GatewayConfig config;
  JsonDocument doc;
};

// Each rejected field costs one more transcoding of the whole config; the
// search stops when they added up to this many JSON bytes (e.g. 16 passes
// over a 4 MiB config, 100 over a 640 KiB one).
constexpr size_t kMaxFieldSearchBytes = 64 << 20;

// The config of `text`. A member the transcoder rejects (unknown field,
// wrong type) is a problem, and the rest is transcoded again without it to
// find the next one; all of them are the error, one
// "FILE:LINE:COLUMN: field ..." line each.
absl::StatusOr<ParsedConfig> Parse(std::string_view text,
                                   std::string_view file) {
  absl::StatusOr<std::shared_ptr<const YamlNode>> root =
      ParseYamlDocument(text);
  YamlToJsonOptions options;
  absl::StatusOr<JsonDocument> doc =
      root.ok() ? YamlTreeToJson(**root, options) : root.status();
  if (!doc.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(ToAbsl(file), ":", doc.status().message()));
  }
  PG_ASSIGN_OR_RETURN(ConfigTranscoder transcoder, ConfigTranscoder::Create());
  std::vector<std::string> problems;
  std::string wire;
  size_t transcoded = 0;
  for (absl::Status status = transcoder.ToWire(*doc, wire); !status.ok();
       status = transcoder.ToWire(*doc, wire)) {
    transcoded += doc->json.size();
    const std::string_view message = base::ToStd(status.message());
    const std::string_view path = ErrorPath(message);
    problems.push_back(Positioned(file, doc->Find(path), message));
    const std::string skip = MemberToSkip(path);
    if (skip.empty() || problems.size() >= Problems::kMaxKept ||
        !options.skip_members.insert(skip).second) {
      break;
    }
    if (transcoded > kMaxFieldSearchBytes) {
      problems.push_back(absl::StrCat(
          ToAbsl(file), ": stopped looking for further field problems"));
      break;
    }
    doc = YamlTreeToJson(**root, options);
    if (!doc.ok()) break;  // Converted once already: cannot happen.
  }
  if (!problems.empty()) {
    return absl::FailedPreconditionError(absl::StrJoin(problems, "\n"));
  }
  ParsedConfig parsed{.doc = *std::move(doc)};
  if (!parsed.config.ParseFromString(wire)) {
    return absl::InternalError(
        absl::StrCat(ToAbsl(file), ": transcoded config does not parse"));
  }
  return parsed;
}

// The position of `path` in the text, or of its closest ancestor written
// there; nullptr when none is.
const YamlPosition* PathPosition(const JsonDocument& doc,
                                 std::string_view path) {
  while (!path.empty()) {
    if (const YamlPosition* pos = doc.Find(path)) return pos;
    const size_t cut = path.find_last_of(".[");
    path = path.substr(0, cut == std::string_view::npos ? 0 : cut);
  }
  return nullptr;
}

// A validation problem with its position (line 0: none) and its text with
// the items of its path named (path_labels.h).
struct PlacedProblem {
  YamlPosition position;
  std::string text;
};

PlacedProblem Place(const ParsedConfig& parsed, std::string_view problem) {
  const size_t colon = problem.find(": ");
  if (colon == std::string_view::npos) return {{}, std::string(problem)};
  const std::string_view path = problem.substr(0, colon);
  const YamlPosition* pos = PathPosition(parsed.doc, path);
  return {pos != nullptr ? *pos : YamlPosition{},
          absl::StrCat(LabelConfigPath(parsed.config, path),
                       ToAbsl(problem.substr(colon)))};
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
  Problems problems;
  ValidateConfig(parsed.config, problems);
  if (problems.empty()) return std::move(parsed.config);
  std::vector<PlacedProblem> placed;
  for (const std::string& problem : problems.kept()) {
    placed.push_back(Place(parsed, problem));
  }
  // In the order of the text, as a compiler lists them; unplaced last.
  absl::c_stable_sort(placed, [](const PlacedProblem& a,
                                 const PlacedProblem& b) {
    return std::tuple(a.position.line == 0, a.position.line,
                      a.position.column) <
           std::tuple(b.position.line == 0, b.position.line, b.position.column);
  });
  std::vector<std::string> lines;
  for (const PlacedProblem& p : placed) {
    lines.push_back(Positioned(file_name_for_errors, &p.position, p.text));
  }
  if (problems.count() > problems.kept().size()) {
    lines.push_back(absl::StrCat(ToAbsl(file_name_for_errors), ": ",
                                 problems.count() - problems.kept().size(),
                                 " more problems"));
  }
  return absl::FailedPreconditionError(absl::StrJoin(lines, "\n"));
}

absl::StatusOr<v1::GatewayConfig> LoadValidatedConfigFile(
    const std::string& path) {
  PG_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseValidatedConfigText(text, path);
}

}  // namespace protogate::config
