#include "aggregator/field_ops.h"

#include <cstdint>
#include <memory>
#include <string>

#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"

namespace protogate::aggregator {
namespace {

using google::protobuf::FieldDescriptorProto;
using google::protobuf::Message;

// AppendWire of `source`'s field `from` into `to` of a fresh `type` gives
// the bytes Write() + serializing would.
void ExpectSameBytes(const Message& source, const char* from,
                     const Message& type, const char* to) {
  const auto* from_field = source.GetDescriptor()->FindFieldByName(from);
  const auto* to_field = type.GetDescriptor()->FindFieldByName(to);
  ASSERT_NE(from_field, nullptr);
  ASSERT_NE(to_field, nullptr);
  ASSERT_TRUE(WireWritable(*to_field));
  std::unique_ptr<Message> written(type.New());
  const Value v{&source, from_field};
  Write(v, written.get(), {to_field}, WriteMode::kSet);
  std::string want;
  written->SerializePartialToString(&want);
  std::string got;
  AppendWire(v, *to_field, &got);
  EXPECT_EQ(got, want) << source.ShortDebugString() << " -> " << to;
}

TEST(FieldOpsTest, AppendWireWritesWhatSerializingWouldWrite) {
  google::protobuf::Timestamp ts;
  google::protobuf::Int64Value i64;
  google::protobuf::UInt32Value u32;
  google::protobuf::BoolValue b;
  google::protobuf::StringValue s;
  FieldDescriptorProto proto2;  // Explicit presence.
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{300},
                    int64_t{1} << 40, -(int64_t{1} << 40)}) {
    ts.set_seconds(n);
    ts.set_nanos(static_cast<int32_t>(n));
    ExpectSameBytes(ts, "seconds", i64, "value");
    ExpectSameBytes(ts, "nanos", i64, "value");   // int32 -> int64.
    ExpectSameBytes(ts, "seconds", ts, "nanos");  // int64 -> int32.
    ExpectSameBytes(ts, "seconds", u32, "value");
    ExpectSameBytes(ts, "seconds", b, "value");
    ExpectSameBytes(ts, "nanos", proto2, "number");
  }
  for (const char* text : {"", "x", "a longer string over sixteen bytes"}) {
    s.set_value(text);
    ExpectSameBytes(s, "value", s, "value");
    ExpectSameBytes(s, "value", proto2, "name");
  }
}

TEST(FieldOpsTest, OnlyScalarSingularFieldsAndOpenEnumsAreWireWritable) {
  const auto* d = FieldDescriptorProto::descriptor();
  EXPECT_TRUE(WireWritable(*d->FindFieldByName("name")));
  EXPECT_TRUE(WireWritable(*d->FindFieldByName("number")));
  EXPECT_FALSE(WireWritable(*d->FindFieldByName("label")));    // Closed enum.
  EXPECT_FALSE(WireWritable(*d->FindFieldByName("options")));  // Message.
  EXPECT_FALSE(WireWritable(
      *google::protobuf::DescriptorProto::descriptor()->FindFieldByName(
          "field")));  // Repeated.
  EXPECT_FALSE(WireWritable(
      *google::protobuf::DoubleValue::descriptor()->FindFieldByName("value")));
}

}  // namespace
}  // namespace protogate::aggregator
