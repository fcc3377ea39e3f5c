// Stage: one step of the request pipeline that runs between route matching
// and the upstream call (header rules, authentication, rate limits, CORS).
// The proxy builds an ordered StageChain once per snapshot from the config
// and runs it for every request that reaches the route table, matched or
// not. Each stage sees the request head and the matched route (if any) and
// decides:
//   kPass    go on with the next stage (it may have added upstream metadata
//            or response headers to the Exchange);
//   kAnswer  answer the client with Verdict::response; later stages and the
//            upstream call do not run (an error, or a CORS preflight);
// A stage that must wait (a Redis round trip) says so with asynchronous()
// and implements ApplyAsync instead of Apply.
//
// Response headers a stage adds to the Exchange go on every answer of the
// request: the upstream's, the gateway's own errors and another stage's
// kAnswer (so CORS headers reach a 401).
//
// Thread safety: a Stage is immutable after it is built and shared by
// concurrent requests; Apply/ApplyAsync may run concurrently on any I/O
// thread. An Exchange belongs to one request and is used by one stage at a
// time.
// Ownership: the snapshot owns its stages; a request keeps its snapshot (and
// so its stages) alive until it is answered.
//
// Example (a stage that refuses requests without a header):
//   class NeedsTenant final : public Stage {
//    public:
//     std::string_view name() const override { return "tenant"; }
//     Verdict Apply(Exchange& ex) const override {
//       if (ex.route() == nullptr || ex.request().header("x-tenant"))
//         return Verdict::Pass();
//       return Verdict::Answer(403, absl::StatusCode::kPermissionDenied,
//                              "header x-tenant is required");
//     }
//   };
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "gateway/http/request.h"
#include "gateway/http/response.h"
#include "gateway/policy/exchange.h"

namespace protogate::policy {

// What a stage decided for one request.
struct Verdict {
  enum class Kind {
    kPass,    // Continue with the next stage.
    kAnswer,  // Send `response`; nothing after this stage runs.
  };
  Kind kind = Kind::kPass;
  http::Response response;  // Meaningful for kAnswer only.

  static Verdict Pass() { return {}; }
  // An answer with a google.rpc.Status JSON body (code, message, no
  // details) and `http_status`.
  static Verdict Answer(int http_status, absl::StatusCode code,
                        std::string_view message);
  // An answer with the HTTP status `status.code()` maps to (the
  // google.rpc mapping) and its message. REQUIRES: !status.ok().
  static Verdict Error(const absl::Status& status);
  // An answer with a response the stage built itself (e.g. a 204 preflight).
  static Verdict Answer(http::Response response) {
    return {Kind::kAnswer, std::move(response)};
  }
};

// Runs once, on any thread, with the verdict of an asynchronous stage.
using VerdictCallback = absl::AnyInvocable<void(Verdict) &&>;

class Stage {
 public:
  virtual ~Stage() = default;
  // A short, stable name for logs and metrics ("auth", "rate_limit").
  virtual std::string_view name() const = 0;
  // Synchronous stages: decides on the request and returns at once. Must
  // not block. REQUIRES: !asynchronous().
  virtual Verdict Apply(Exchange& exchange) const = 0;
  // True when the stage answers through ApplyAsync instead of Apply.
  virtual bool asynchronous() const { return false; }
  // Asynchronous stages: starts the decision and returns at once; `done`
  // runs exactly once (inline or on any thread). The exchange stays valid
  // and untouched by others until `done` ran. REQUIRES: asynchronous().
  virtual void ApplyAsync(Exchange& exchange, VerdictCallback done) const {
    std::move(done)(Apply(exchange));
  }
};

// The ordered stages of one snapshot. Immutable once built.
class StageChain {
 public:
  StageChain() = default;
  explicit StageChain(std::vector<std::unique_ptr<const Stage>> stages);

  bool empty() const { return stages_.empty(); }
  size_t size() const { return stages_.size(); }
  const Stage& stage(size_t i) const { return *stages_[i]; }
  // Whether some stage is asynchronous (the proxy then keeps the exchange
  // on the heap for the whole chain).
  bool has_asynchronous() const { return has_asynchronous_; }

 private:
  std::vector<std::unique_ptr<const Stage>> stages_;
  bool has_asynchronous_ = false;
};

}  // namespace protogate::policy
