// Fuzz targets of the parsers of untrusted bytes outside transcoding's
// JSON/wire pair (see fuzz_targets.h): the gRPC length-prefixed frames of a
// response, the JSON sequence splitter, query strings into messages, the
// YAML config loader and validator, and plan options into the plan compiler.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "aggregator/plan_compiler.h"
#include "gateway/base/strings.h"
#include "gateway/config/config_loader.h"
#include "gateway/transcoding/codec_set.h"
#include "gateway/transcoding/json_sequence.h"
#include "gateway/transcoding/request_transcoder.h"
#include "gateway/upstream/grpc_wire.h"
#include "google/protobuf/compiler/importer.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "protogate/aggregator/v1/plan.pb.h"
#include "test_types.pb.h"
#include "tests/fuzz/fuzz_targets.h"

namespace protogate::fuzz {
namespace {

using transcoding::JsonSequenceSplitter;
using transcoding::SequenceFormat;

absl::Status Broken(std::string_view target, std::string_view what) {
  return absl::InternalError(
      absl::StrCat(base::ToAbsl(target), ": ", base::ToAbsl(what)));
}

constexpr int64_t kReceiveLimit = 1 << 16;

// One result of the splitter: an element's text, or an error's message.
// (An element may itself read "error: ...": the two are kept apart.)
struct SplitItem {
  bool error = false;
  std::string text;
  bool operator==(const SplitItem&) const = default;
};

// Splits everything fed so far; the items, up to the first error.
std::vector<SplitItem> Drain(JsonSequenceSplitter& splitter) {
  std::vector<SplitItem> items;
  for (;;) {
    absl::StatusOr<std::optional<std::string>> item = splitter.Next();
    if (!item.ok()) {
      items.push_back({true, std::string(item.status().message())});
      return items;
    }
    if (!item->has_value()) return items;
    items.push_back({false, **item});
  }
}

std::vector<SplitItem> Split(SequenceFormat format, std::string_view body,
                             size_t piece) {
  JsonSequenceSplitter splitter(format, 64);
  std::vector<SplitItem> items;
  for (size_t at = 0; at < body.size(); at += piece) {
    splitter.Feed(body.substr(at, piece));
    std::vector<SplitItem> more = Drain(splitter);
    items.insert(items.end(), more.begin(), more.end());
    if (!items.empty() && items.back().error) return items;
  }
  splitter.Finish();
  std::vector<SplitItem> more = Drain(splitter);
  items.insert(items.end(), more.begin(), more.end());
  return items;
}

}  // namespace

absl::Status CheckGrpcFrames(std::string_view input) {
  upstream::GrpcResponseParts parts;
  parts.http_status = 200;
  parts.end_stream = true;
  parts.trailers = true;
  parts.grpc_status = "0";
  parts.body = std::string(input);
  upstream::CallResult result =
      upstream::ToCallResult(std::move(parts), kReceiveLimit);
  if (!result.status.ok()) {
    if (result.status.code() != absl::StatusCode::kInternal ||
        !result.malformed_response) {
      return Broken("grpc_frames", "a refusal is not INTERNAL malformed");
    }
    return absl::OkStatus();
  }
  // Accepted: exactly one uncompressed frame whose length prefix is right.
  if (input.size() < 5 || input[0] != 0 ||
      upstream::MessageFrameLength(base::ToAbsl(input)) != input.size() - 5 ||
      result.payload != input.substr(5) ||
      static_cast<int64_t>(result.payload.size()) > kReceiveLimit) {
    return Broken("grpc_frames", "accepted a body that is not one frame");
  }
  return absl::OkStatus();
}

absl::Status CheckJsonSequence(std::string_view input) {
  if (input.empty()) return absl::OkStatus();
  // First byte: the format (low bit) and the piece size of the split.
  const SequenceFormat format = (input[0] & 1) != 0
                                    ? SequenceFormat::kNdjson
                                    : SequenceFormat::kJsonArray;
  const size_t piece = 1 + (static_cast<unsigned char>(input[0]) >> 1);
  const std::string_view body = input.substr(1);
  const std::vector<SplitItem> whole = Split(format, body, body.size() + 1);
  if (Split(format, body, piece) != whole) {
    return Broken("json_sequence", "splitting the body changed the items");
  }
  size_t bytes = 0;
  for (const SplitItem& item : whole) {
    if (item.text.empty()) return Broken("json_sequence", "an empty item");
    if (!item.error) bytes += item.text.size();
  }
  if (bytes > body.size()) {
    return Broken("json_sequence", "items larger than the body");
  }
  return absl::OkStatus();
}

absl::Status CheckQueryString(std::string_view input) {
  static const transcoding::CodecSet* codecs = [] {
    google::protobuf::SetLogHandler(nullptr);
    const google::protobuf::Descriptor* roots[] = {
        transcoding::test::QueryRequest::descriptor(),
        transcoding::test::OneofRequest::descriptor()};
    auto built = transcoding::CodecSet::Build(
        *google::protobuf::DescriptorPool::generated_pool(), roots);
    if (!built.ok()) AbortUnlessOk("query codecs", built.status());
    return built->release();
  }();
  for (const google::protobuf::Descriptor* d :
       {transcoding::test::QueryRequest::descriptor(),
        transcoding::test::OneofRequest::descriptor()}) {
    transcoding::RequestSpec spec{.codec = codecs->Find(d)};
    std::string wire;
    absl::Status s = transcoding::BuildRequest(
        *codecs, spec, {}, input, "", transcoding::ParseOptions(), &wire);
    if (!s.ok()) {
      if (s.code() != absl::StatusCode::kInvalidArgument) {
        return Broken("query_string", "a refusal is not INVALID_ARGUMENT");
      }
      continue;
    }
    std::unique_ptr<google::protobuf::Message> m(
        google::protobuf::MessageFactory::generated_factory()
            ->GetPrototype(d)
            ->New());
    if (!m->ParseFromString(wire)) {
      return Broken("query_string", "the wire does not parse");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckConfigYaml(std::string_view input) {
  absl::StatusOr<config::v1::GatewayConfig> parsed =
      config::ParseValidatedConfigText(input, "fuzz.yaml");
  if (!parsed.ok()) {
    if (parsed.status().code() != absl::StatusCode::kFailedPrecondition ||
        !absl::StartsWith(parsed.status().message(), "fuzz.yaml")) {
      return Broken("config_yaml",
                    "an error is not FailedPrecondition "
                    "naming the file");
    }
    return absl::OkStatus();
  }
  // Accepted: the same text parses to the same config again.
  absl::StatusOr<config::v1::GatewayConfig> again =
      config::ParseValidatedConfigText(input, "fuzz.yaml");
  if (!again.ok() ||
      !google::protobuf::util::MessageDifferencer::Equals(*again, *parsed)) {
    return Broken("config_yaml", "parsing is not repeatable");
  }
  return absl::OkStatus();
}

namespace {

// The pool of tests/aggregator/testdata (its messages and backends), under
// each input's one-method file.
class PlanPool {
 public:
  PlanPool() : importer_(&tree_, &errors_) {
    google::protobuf::SetLogHandler(nullptr);
    tree_.MapPath("", absl::StrCat(PROTOGATE_SOURCE_DIR, "/proto"));
    tree_.MapPath(
        "", absl::StrCat(PROTOGATE_SOURCE_DIR, "/tests/aggregator/testdata"));
    tree_.MapPath("", "/usr/include");
    if (importer_.Import("plans.proto") == nullptr) {
      AbortUnlessOk("plan pool", absl::InternalError("cannot import plans"));
    }
  }
  const google::protobuf::DescriptorPool& pool() const {
    return *importer_.pool();
  }

 private:
  struct Quiet : google::protobuf::compiler::MultiFileErrorCollector {
    void AddError(const std::string&, int, int, const std::string&) override {}
  };
  google::protobuf::compiler::DiskSourceTree tree_;
  Quiet errors_;
  google::protobuf::compiler::Importer importer_;
};

// `plan` as the option of agg.fuzz.Fuzz.Run(StorefrontRequest) returns
// (Storefront), in a file over `pool`.
google::protobuf::FileDescriptorProto PlanFile(
    const aggregator::v1::Plan& plan) {
  google::protobuf::FileDescriptorProto file;
  file.set_name("fuzz_plan.proto");
  file.set_package("agg.fuzz");
  file.set_syntax("proto3");
  file.add_dependency("gateway_types.proto");
  file.add_dependency("protogate/aggregator/v1/plan.proto");
  auto* method = file.add_service()->add_method();
  file.mutable_service(0)->set_name("Fuzz");
  method->set_name("Run");
  method->set_input_type(".agg.test.StorefrontRequest");
  method->set_output_type(".agg.test.Storefront");
  *method->mutable_options()->MutableExtension(aggregator::v1::plan) = plan;
  return file;
}

}  // namespace

absl::Status CheckPlanOptions(std::string_view input) {
  static const PlanPool* plans = new PlanPool();
  aggregator::v1::Plan plan;
  google::protobuf::TextFormat::Parser parser;
  parser.AllowPartialMessage(true);
  if (!parser.ParseFromString(std::string(input), &plan)) {
    return absl::OkStatus();  // Not a plan: nothing to compile.
  }
  // Text format takes any bytes in a string; a plan whose strings are not
  // UTF-8 does not parse back from the method's options (so the method has
  // no plan, NotFound), and protoc never writes one.
  aggregator::v1::Plan reparsed;
  if (!reparsed.ParseFromString(plan.SerializeAsString())) {
    return absl::OkStatus();
  }
  google::protobuf::DescriptorPool pool(&plans->pool());
  const google::protobuf::FileDescriptor* file = pool.BuildFile(PlanFile(plan));
  if (file == nullptr) return Broken("plan_options", "the file did not build");
  const google::protobuf::MethodDescriptor& method =
      *file->service(0)->method(0);
  absl::StatusOr<std::unique_ptr<const aggregator::CompiledPlan>> compiled =
      aggregator::CompilePlan(method);
  if (compiled.ok()) {
    if (*compiled == nullptr) return Broken("plan_options", "a null plan");
    return absl::OkStatus();
  }
  if (compiled.status().code() != absl::StatusCode::kFailedPrecondition ||
      !absl::StartsWith(compiled.status().message(),
                        "plan \"agg.fuzz.Fuzz.Run\": ")) {
    return Broken("plan_options",
                  absl::StrCat("an error is not FailedPrecondition naming "
                               "the method: ",
                               compiled.status().ToString()));
  }
  return absl::OkStatus();
}

}  // namespace protogate::fuzz
