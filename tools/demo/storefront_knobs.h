// StorefrontKnobs: the process-wide delay and failure switch of each demo
// storefront backend (Catalog, Pricing, Inventory, Reviews), set from the
// demo_storefront flags (--delay_ms reviews=200, --fail pricing) or by tests
// at any time. Handlers call Apply(), which also honours the per-request
// knobs of test_knobs.h (x-demo-delay-ms, x-demo-fail, x-demo-echo-*).
//
// Thread safety: all methods may be called concurrently; a change applies
// to calls that start after it.
// Ownership: plain object; the services borrow it and it must outlive them.
//
// Example:
//   StorefrontKnobs knobs;
//   knobs.SetDelay(StorefrontBackend::kReviews, absl::Milliseconds(200));
//   knobs.SetFailure(StorefrontBackend::kPricing, grpc::StatusCode::INTERNAL);
//   // In a handler:
//   if (grpc::Status s = knobs.Apply(StorefrontBackend::kPricing, *context);
//       !s.ok()) return s;
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace protogate::demo {

enum class StorefrontBackend { kCatalog, kPricing, kInventory, kReviews };
inline constexpr int kStorefrontBackendCount = 4;

// "catalog", "pricing", "inventory", "reviews".
std::string_view BackendName(StorefrontBackend backend);
// The inverse of BackendName(); nullopt for any other name.
std::optional<StorefrontBackend> ParseBackendName(std::string_view name);

class StorefrontKnobs {
 public:
  StorefrontKnobs() = default;
  StorefrontKnobs(const StorefrontKnobs&) = delete;
  StorefrontKnobs& operator=(const StorefrontKnobs&) = delete;

  // Every call to `backend` waits `delay` first (cut short when the call is
  // cancelled). ZeroDuration() turns it off.
  void SetDelay(StorefrontBackend backend, absl::Duration delay);
  // Every call to `backend` fails with `code` and the message
  // "demo failure requested by --fail <name>"; OK turns it off.
  void SetFailure(StorefrontBackend backend, grpc::StatusCode code);

  // Sets x-demo-server: <name>, applies the process delay, then the
  // request's knobs; returns the failure to answer with, or OK to proceed.
  // REQUIRES: called at the start of a synchronous handler of `backend`.
  grpc::Status Apply(StorefrontBackend backend,
                     grpc::ServerContext& context) const;

  // The `traceparent` metadata of every call Apply() saw ("" when absent),
  // in arrival order: what trace-propagation tests check.
  std::vector<std::string> traceparents() const;
  // The calls Apply() saw for `backend`: what tests of call counts check.
  int64_t calls(StorefrontBackend backend) const;

 private:
  struct Setting {
    absl::Duration delay = absl::ZeroDuration();
    grpc::StatusCode fail = grpc::StatusCode::OK;
  };

  mutable absl::Mutex mu_;
  std::array<Setting, kStorefrontBackendCount> settings_ ABSL_GUARDED_BY(mu_);
  mutable std::vector<std::string> traceparents_ ABSL_GUARDED_BY(mu_);
  mutable std::array<int64_t, kStorefrontBackendCount> calls_
      ABSL_GUARDED_BY(mu_) = {};
};

}  // namespace protogate::demo
