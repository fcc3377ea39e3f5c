// RunResult: what one Executor run produces (the response, per-step
// timings for Server-Timing, OPTIONAL-failure markers, response headers).
//
// Thread safety: plain values.
//
// Example:
//   executor.Run(*plan, request, options, [&](RunResult r) {
//     if (!r.status.ok()) return ReplyError(r.status);
//     response.headers.emplace_back("server-timing", ServerTimingValue(r));
//     for (const auto& h : r.headers) response.headers.push_back(h);
//     ReplyBody(r.response);
//   });
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gateway/upstream/channel.h"

namespace protogate::aggregator {

enum class StepOutcome {
  kNotRun,    // The run ended before the step started.
  kRunning,   // The run ended while the step was in flight.
  kOk,        // Every call succeeded (missing BATCH keys are not failures).
  kSkipped,   // `when` was false, or a step it reads was skipped or failed.
  kFailed,    // An OPTIONAL step failed (some or all of its calls), or the
              // REQUIRED step that failed the run.
  kFallback,  // A FALLBACK step failed and its default was used.
};

struct StepTiming {
  std::string step;
  StepOutcome outcome = StepOutcome::kNotRun;
  absl::Time start = absl::InfinitePast();  // First call (or skip) time.
  absl::Time end = absl::InfinitePast();
  int calls = 0;      // Upstream calls sent, retries included.
  int memo_hits = 0;  // Calls answered by an identical earlier call.
  // Of `calls`, those answered by an identical call another run had in
  // flight (`coalesce: true` steps, call_coalescer.h).
  int coalesced = 0;
};

struct StepFailure {
  std::string step;
  absl::Status status;
  // A fan-out step fails item by item: the key of the failed item (empty:
  // the whole step failed) and, when a JOIN merge places that item's result
  // in the response, where it would have gone, like GraphQL's error path
  // (`books[1].author`).
  std::string key;
  std::string path;
};

struct RunResult {
  // OK, or the failing REQUIRED step's status (message prefixed with
  // `step "<id>": `), DEADLINE_EXCEEDED, INVALID_ARGUMENT for a request that
  // does not parse, RESOURCE_EXHAUSTED past max_total_calls.
  absl::Status status;
  std::string response;  // The plan method's response, serialized; OK only.
  upstream::Metadata headers;       // Copied response headers, failure header.
  std::vector<StepTiming> timings;  // One per plan step, in plan order.
  std::vector<StepFailure> failures;  // OPTIONAL failures, in order.
};

// A Server-Timing header value: `<step>;dur=<ms>` for every step that sent
// calls or failed, joined by ", ".
std::string ServerTimingValue(const RunResult& result);

}  // namespace protogate::aggregator
