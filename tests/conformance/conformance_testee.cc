// Protobuf conformance testee answering through protogate::transcoding.
//
// Speaks the conformance runner's pipe protocol on stdin/stdout (4-byte
// little-endian length + serialized conformance.ConformanceRequest; the
// answer is a conformance.ConformanceResponse). The test message types come
// from a FileDescriptorSet named by $PROTOGATE_CONFORMANCE_DESCRIPTORS (see
// run_conformance.sh). JSON <-> wire goes through JsonToWire / WireToJson;
// libprotobuf is used only to validate binary input. Binary-only, JSPB and
// text-format tests are answered "skipped".
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/transcoding/codec_set.h"
#include "gateway/transcoding/json_to_wire.h"
#include "gateway/transcoding/message_codec.h"
#include "gateway/transcoding/wire_format.h"
#include "gateway/transcoding/wire_to_json.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"

namespace protogate::transcoding {
namespace {

enum WireFormatCode { kUnspecified = 0, kProtobuf = 1, kJson = 2 };
constexpr int kJsonIgnoreUnknownTest = 3;

struct Request {
  int payload_field = 0;  // 1 protobuf, 2 json, 7 jspb, 8 text.
  std::string payload;
  int output_format = kUnspecified;
  std::string message_type;
  int category = 0;
};

// Response field numbers of conformance.ConformanceResponse.
enum ResponseField {
  kParseError = 1,
  kRuntimeError = 2,
  kProtobufPayload = 3,
  kJsonPayload = 4,
  kSkipped = 5,
  kSerializeError = 6,
};

bool ParseRequest(std::string_view wire, Request* r) {
  WireReader reader(wire);
  while (!reader.done()) {
    uint32_t number, wire_type;
    if (!reader.ReadTag(&number, &wire_type)) return false;
    std::string_view bytes;
    uint64_t v = 0;
    if (wire_type == kLengthDelimited) {
      if (!reader.ReadLengthDelimited(&bytes)) return false;
      if (number == 1 || number == 2 || number == 7 || number == 8) {
        r->payload_field = static_cast<int>(number);
        r->payload = std::string(bytes);
      } else if (number == 4) {
        r->message_type = std::string(bytes);
      }
    } else if (wire_type == kVarint) {
      if (!reader.ReadVarint(&v)) return false;
      if (number == 3) r->output_format = static_cast<int>(v);
      if (number == 5) r->category = static_cast<int>(v);
    } else if (!reader.Skip(number, wire_type)) {
      return false;
    }
  }
  return true;
}

std::string Response(ResponseField field, std::string_view text) {
  std::string out;
  AppendLengthDelimited((static_cast<uint32_t>(field) << 3) | 2, text, &out);
  return out;
}

class Testee {
 public:
  static std::unique_ptr<Testee> Load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    google::protobuf::FileDescriptorSet set;
    if (!in || !set.ParseFromIstream(&in)) return nullptr;
    auto testee = std::unique_ptr<Testee>(new Testee());
    std::vector<const google::protobuf::Descriptor*> roots;
    for (const auto& file : set.file()) {
      const auto* fd = testee->pool_.BuildFile(file);
      if (fd == nullptr) return nullptr;
      for (int i = 0; i < fd->message_type_count(); ++i) {
        roots.push_back(fd->message_type(i));
      }
    }
    auto codecs = CodecSet::Build(testee->pool_, roots);
    if (!codecs.ok()) return nullptr;
    testee->codecs_ = std::move(*codecs);
    return testee;
  }

  std::string Handle(const Request& r) {
    const MessageCodec* codec = codecs_->FindByName(r.message_type);
    if (codec == nullptr) return Response(kSkipped, "unknown message type");
    if (r.output_format != kProtobuf && r.output_format != kJson) {
      return Response(kSkipped, "unsupported output format");
    }
    if (r.payload_field == 1) return FromProtobuf(*codec, r);
    if (r.payload_field == 2) return FromJson(*codec, r);
    return Response(kSkipped, "unsupported input format");
  }

 private:
  std::string FromProtobuf(const MessageCodec& codec, const Request& r) {
    if (r.output_format != kJson) {
      return Response(kSkipped, "binary-only test");
    }
    std::unique_ptr<google::protobuf::Message> m(
        factory_.GetPrototype(codec.descriptor())->New());
    if (!m->ParseFromString(r.payload)) {
      return Response(kParseError, "invalid protobuf input");
    }
    std::string json;
    absl::Status s =
        WireToJson(*codecs_, codec, r.payload, PrintOptions(), &json);
    if (!s.ok()) return Response(kSerializeError, s.ToString());
    return Response(kJsonPayload, json);
  }

  std::string FromJson(const MessageCodec& codec, const Request& r) {
    ParseOptions options;
    options.ignore_unknown_fields = r.category == kJsonIgnoreUnknownTest;
    std::string wire;
    absl::Status s = JsonToWire(*codecs_, codec, r.payload, options, &wire);
    if (!s.ok()) return Response(kParseError, s.ToString());
    if (r.output_format == kProtobuf) {
      return Response(kProtobufPayload, wire);
    }
    std::string json;
    s = WireToJson(*codecs_, codec, wire, PrintOptions(), &json);
    if (!s.ok()) return Response(kSerializeError, s.ToString());
    return Response(kJsonPayload, json);
  }

  Testee() : factory_(&pool_) {}

  google::protobuf::DescriptorPool pool_;
  google::protobuf::DynamicMessageFactory factory_;
  std::unique_ptr<CodecSet> codecs_;
};

bool ReadExactly(std::string* buf, size_t n) {
  buf->resize(n);
  return n == 0 || std::fread(buf->data(), 1, n, stdin) == n;
}

int Run(const char* descriptor_path) {
  std::unique_ptr<Testee> testee = Testee::Load(descriptor_path);
  if (testee == nullptr) {
    std::fprintf(stderr, "cannot load descriptor set %s\n", descriptor_path);
    return 2;
  }
  std::string len_bytes, request_bytes;
  while (ReadExactly(&len_bytes, 4)) {
    uint32_t len = 0;
    for (int i = 3; i >= 0; --i) {
      len = (len << 8) | static_cast<uint8_t>(len_bytes[i]);
    }
    if (!ReadExactly(&request_bytes, len)) return 1;
    Request request;
    const std::string response =
        ParseRequest(request_bytes, &request)
            ? testee->Handle(request)
            : Response(kRuntimeError, "bad ConformanceRequest");
    const uint32_t out_len = static_cast<uint32_t>(response.size());
    char out_len_bytes[4];
    for (int i = 0; i < 4; ++i) {
      out_len_bytes[i] = static_cast<char>(out_len >> (8 * i));
    }
    std::fwrite(out_len_bytes, 1, 4, stdout);
    std::fwrite(response.data(), 1, response.size(), stdout);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace protogate::transcoding

int main(int argc, char** argv) {
  const char* path =
      argc > 1 ? argv[1] : std::getenv("PROTOGATE_CONFORMANCE_DESCRIPTORS");
  if (path == nullptr) {
    std::fprintf(stderr,
                 "usage: conformance_testee DESCRIPTOR_SET "
                 "(or $PROTOGATE_CONFORMANCE_DESCRIPTORS)\n");
    return 2;
  }
  return protogate::transcoding::Run(path);
}
