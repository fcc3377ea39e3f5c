// Replays every seed of tests/fuzz/corpus/<target>/ through the target's
// body (fuzz_targets.h): no crash, no broken invariant. Runs with the normal
// compiler in every test run; the libFuzzer binaries need clang and
// -DPROTOGATE_FUZZ=ON (see tests/fuzz/CMakeLists.txt).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/fuzz/fuzz_targets.h"

namespace protogate::fuzz {
namespace {

namespace fs = std::filesystem;

struct Target {
  const char* name;  // The corpus directory.
  absl::Status (*check)(std::string_view);
  int (*entry)(const uint8_t*, size_t);
};

// Names the target in test output (instead of its bytes).
void PrintTo(const Target& target, std::ostream* os) { *os << target.name; }

std::vector<fs::path> Seeds(const char* target) {
  std::vector<fs::path> seeds;
  const fs::path dir = fs::path(PROTOGATE_FUZZ_CORPUS_DIR) / target;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) seeds.push_back(entry.path());
  }
  std::sort(seeds.begin(), seeds.end());
  return seeds;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class FuzzReplayTest : public ::testing::TestWithParam<Target> {};

TEST_P(FuzzReplayTest, EverySeedKeepsTheInvariants) {
  const Target& target = GetParam();
  const std::vector<fs::path> seeds = Seeds(target.name);
  EXPECT_GE(seeds.size(), 10u) << "too few seeds for " << target.name;
  for (const fs::path& seed : seeds) {
    const std::string input = ReadFile(seed);
    const absl::Status status = target.check(input);
    EXPECT_TRUE(status.ok()) << seed << ": " << status;
    if (status.ok()) {
      EXPECT_EQ(target.entry(reinterpret_cast<const uint8_t*>(input.data()),
                             input.size()),
                0)
          << seed;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Corpora, FuzzReplayTest,
    ::testing::Values(
        Target{"json_to_wire_fuzzer", CheckJsonToWire, FuzzJsonToWire},
        Target{"wire_to_json_fuzzer", CheckWireToJson, FuzzWireToJson},
        Target{"path_template_fuzzer", CheckPathTemplate, FuzzPathTemplate},
        Target{"route_matcher_fuzzer", CheckRouteMatcher, FuzzRouteMatcher},
        Target{"jwt_parser_fuzzer", CheckJwtParser, FuzzJwtParser},
        Target{"jwk_set_fuzzer", CheckJwkSet, FuzzJwkSet},
        Target{"http_request_fuzzer", CheckHttpRequest, FuzzHttpRequest},
        Target{"grpc_frames_fuzzer", CheckGrpcFrames, FuzzGrpcFrames},
        Target{"json_sequence_fuzzer", CheckJsonSequence, FuzzJsonSequence},
        Target{"query_string_fuzzer", CheckQueryString, FuzzQueryString},
        Target{"config_yaml_fuzzer", CheckConfigYaml, FuzzConfigYaml},
        Target{"plan_options_fuzzer", CheckPlanOptions, FuzzPlanOptions},
        Target{"grpc_web_fuzzer", CheckGrpcWeb, FuzzGrpcWeb},
        Target{"http2_request_fuzzer", CheckHttp2Request, FuzzHttp2Request}),
    [](const ::testing::TestParamInfo<Target>& info) {
      std::string name = info.param.name;
      name.erase(name.find("_fuzzer"));
      return name;
    });

}  // namespace
}  // namespace protogate::fuzz
