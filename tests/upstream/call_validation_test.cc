#include "gateway/upstream/call_validation.h"

#include <string>

#include "gtest/gtest.h"

namespace protogate::upstream {
namespace {

constexpr char kMethod[] = "/pkg.Service/Method";

absl::Status CheckValue(const std::string& key, const std::string& value) {
  return ValidateCall(kMethod, {{key, value}});
}

// A bad byte is found at every offset of values shorter than, as long as
// and longer than the 8-byte words the check reads.
TEST(CallValidationTest, NonPrintableValueByteAtAnyOffset) {
  for (size_t size : {1u, 7u, 8u, 9u, 15u, 16u, 17u, 55u}) {
    EXPECT_TRUE(CheckValue("x-v", std::string(size, '~')).ok()) << size;
    EXPECT_TRUE(CheckValue("x-v", std::string(size, ' ')).ok()) << size;
    for (size_t at = 0; at < size; ++at) {
      for (char bad : {'\0', '\n', '\x1f', '\x7f', '\x80', '\xff'}) {
        std::string value(size, 'a');
        value[at] = bad;
        const absl::Status s = CheckValue("x-v", value);
        EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument)
            << "size " << size << " at " << at << " byte " << int{bad};
        EXPECT_EQ(s.message(),
                  "metadata \"x-v\": value must be printable ASCII (use a "
                  "-bin key for bytes)");
        EXPECT_TRUE(CheckValue("x-v-bin", value).ok());
      }
    }
  }
}

TEST(CallValidationTest, TraceparentValueIsValid) {
  EXPECT_TRUE(
      CheckValue("traceparent",
                 "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
          .ok());
}

}  // namespace
}  // namespace protogate::upstream
