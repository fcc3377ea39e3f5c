#include "gateway/policy/stage.h"

#include "gateway/base/strings.h"
#include "gateway/transcoding/status_json.h"

namespace protogate::policy {

Verdict Verdict::Answer(int http_status, absl::StatusCode code,
                        std::string_view message) {
  http::Response response;
  response.status = http_status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = transcoding::StatusToJson(code, message);
  return Answer(std::move(response));
}

Verdict Verdict::Error(const absl::Status& status) {
  return Answer(transcoding::HttpStatusFromCode(status.code()), status.code(),
                base::ToStd(status.message()));
}

StageChain::StageChain(std::vector<std::unique_ptr<const Stage>> stages)
    : stages_(std::move(stages)) {
  for (const auto& stage : stages_) {
    has_asynchronous_ = has_asynchronous_ || stage->asynchronous();
  }
}

}  // namespace protogate::policy
