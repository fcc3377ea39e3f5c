#include "tests/fuzz/fuzz_targets.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace protogate::fuzz {
namespace {

std::string_view AsText(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace

int AbortUnlessOk(std::string_view target, const absl::Status& status) {
  if (status.ok()) return 0;
  const std::string text = status.ToString();
  std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(target.size()),
               target.data(), text.c_str());
  std::abort();
}

int FuzzJsonToWire(const uint8_t* data, size_t size) {
  return AbortUnlessOk("json_to_wire", CheckJsonToWire(AsText(data, size)));
}

int FuzzWireToJson(const uint8_t* data, size_t size) {
  return AbortUnlessOk("wire_to_json", CheckWireToJson(AsText(data, size)));
}

int FuzzPathTemplate(const uint8_t* data, size_t size) {
  return AbortUnlessOk("path_template", CheckPathTemplate(AsText(data, size)));
}

int FuzzRouteMatcher(const uint8_t* data, size_t size) {
  return AbortUnlessOk("route_matcher", CheckRouteMatcher(AsText(data, size)));
}

int FuzzHttpRequest(const uint8_t* data, size_t size) {
  return AbortUnlessOk("http_request", CheckHttpRequest(AsText(data, size)));
}

int FuzzGrpcFrames(const uint8_t* data, size_t size) {
  return AbortUnlessOk("grpc_frames", CheckGrpcFrames(AsText(data, size)));
}

int FuzzJsonSequence(const uint8_t* data, size_t size) {
  return AbortUnlessOk("json_sequence", CheckJsonSequence(AsText(data, size)));
}

int FuzzQueryString(const uint8_t* data, size_t size) {
  return AbortUnlessOk("query_string", CheckQueryString(AsText(data, size)));
}

int FuzzConfigYaml(const uint8_t* data, size_t size) {
  return AbortUnlessOk("config_yaml", CheckConfigYaml(AsText(data, size)));
}

int FuzzPlanOptions(const uint8_t* data, size_t size) {
  return AbortUnlessOk("plan_options", CheckPlanOptions(AsText(data, size)));
}

int FuzzHttp2Request(const uint8_t* data, size_t size) {
  return AbortUnlessOk("http2_request", CheckHttp2Request(AsText(data, size)));
}

int FuzzGrpcWeb(const uint8_t* data, size_t size) {
  return AbortUnlessOk("grpc_web", CheckGrpcWeb(AsText(data, size)));
}

}  // namespace protogate::fuzz
