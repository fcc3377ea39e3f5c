// Shared helpers for the transcoding tests: one CodecSet over the test and
// demo types, and oracles built on libprotobuf.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "demo/bookstore.pb.h"
#include "gateway/transcoding/codec_set.h"
#include "gateway/transcoding/json_to_wire.h"
#include "gateway/transcoding/message_codec.h"
#include "gateway/transcoding/wire_to_json.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/field_comparator.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "test_proto2.pb.h"
#include "test_types.pb.h"

namespace protogate::transcoding::testing {

inline const CodecSet& Codecs() {
  static const CodecSet* codecs = [] {
    const google::protobuf::Descriptor* roots[] = {
        test::Scalars::descriptor(),
        test::Wkts::descriptor(),
        test::QueryRequest::descriptor(),
        demo::bookstore::v1::Book::descriptor(),
        demo::bookstore::v1::UpdateBookRequest::descriptor(),
        demo::bookstore::v1::CreateBookRequest::descriptor(),
        demo::bookstore::v1::StatsResponse::descriptor(),
        google::rpc::Status::descriptor(),
        test2::P2::descriptor(),
    };
    auto built = CodecSet::Build(
        *google::protobuf::DescriptorPool::generated_pool(), roots);
    EXPECT_TRUE(built.ok()) << built.status();
    return built->release();
  }();
  return *codecs;
}

inline const MessageCodec& CodecOf(const google::protobuf::Descriptor* d) {
  const MessageCodec* codec = Codecs().Find(d);
  EXPECT_NE(codec, nullptr) << d->full_name();
  return *codec;
}

template <typename T>
absl::StatusOr<T> Parse(std::string_view json, ParseOptions options = {}) {
  std::string wire;
  absl::Status s =
      JsonToWire(Codecs(), CodecOf(T::descriptor()), json, options, &wire);
  if (!s.ok()) return s;
  T message;
  if (!message.ParseFromString(wire)) {
    return absl::InternalError("our wire does not parse");
  }
  return message;
}

template <typename T>
absl::Status ParseError(std::string_view json, ParseOptions options = {}) {
  return Parse<T>(json, options).status();
}

inline absl::StatusOr<std::string> Print(const google::protobuf::Message& m,
                                         PrintOptions options = {}) {
  std::string json;
  absl::Status s = WireToJson(Codecs(), CodecOf(m.GetDescriptor()),
                              m.SerializeAsString(), options, &json);
  if (!s.ok()) return s;
  return json;
}

inline std::string LibJson(const google::protobuf::Message& m) {
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &json).ok());
  return json;
}

template <typename T>
T FromText(const std::string& text) {
  T message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message))
      << text;
  return message;
}

inline bool JsonEquals(std::string_view a, std::string_view b) {
  rapidjson::Document da, db;
  da.Parse(a.data(), a.size());
  db.Parse(b.data(), b.size());
  if (da.HasParseError() || db.HasParseError()) return false;
  return da == db;
}

inline bool Same(const google::protobuf::Message& a,
                 const google::protobuf::Message& b) {
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  return differencer.Compare(a, b);
}

}  // namespace protogate::transcoding::testing
