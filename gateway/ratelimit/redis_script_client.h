// RedisScriptClient: runs one Lua script on a Redis server for many
// concurrent callers, with hiredis' asynchronous API on a thread of its own
// (an asio io_context, see redis_asio_adapter.h).
//
// The script is loaded with SCRIPT LOAD on every (re)connection and run
// with EVALSHA; a NOSCRIPT answer (the server lost its scripts) loads it
// again on the same connection and repeats the call once. Calls are
// pipelined on one connection. A lost connection is retried after 50 ms,
// doubling up to 1 s.
//
// Every Run() ends within `timeout`: with the script's integer array, or
// with Unavailable (not connected, connection lost; returned at once while
// the server is known to be down) or DeadlineExceeded (no answer within
// `timeout`). The first failure after a success logs one warning
// ("outage"), the first success after failures logs its end; every failure
// is counted in failures().
//
// Thread safety: Run() may be called from any thread; callbacks run on the
// client's thread, one at a time, and must not block.
// Ownership: the destructor stops the thread; calls still waiting then end
// with Cancelled.
//
// Example:
//   PG_ASSIGN_OR_RETURN(auto redis, RedisScriptClient::Create(
//       {.address = "127.0.0.1:6379", .timeout = absl::Milliseconds(50),
//        .script = "return {1}"}));
//   redis->Run({"key"}, {"arg"}, [](RedisScriptClient::Reply r) { ... });
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace protogate::ratelimit {

struct RedisScriptClientOptions {
  std::string address;  // "host:port", "[v6]:port" or "unix:///path".
  absl::Duration timeout = absl::Milliseconds(50);
  std::string script;  // Lua; must return an array of integers.
  // Appended to the outage warning (e.g. which on_error decision applies).
  std::string outage_note;
};

class RedisScriptClient {
 public:
  using Reply = absl::StatusOr<std::vector<int64_t>>;
  using ReplyCallback = absl::AnyInvocable<void(Reply) &&>;

  // InvalidArgument for an address that is not host:port or unix:///path.
  // Starts the thread and the first connection (does not wait for it).
  static absl::StatusOr<std::unique_ptr<RedisScriptClient>> Create(
      RedisScriptClientOptions options);
  ~RedisScriptClient();

  // EVALSHA of the script with `keys` and `args`; `done` runs once, on the
  // client's thread, within the timeout (see above).
  void Run(std::vector<std::string> keys, std::vector<std::string> args,
           ReplyCallback done);

  const RedisScriptClientOptions& options() const;
  // Calls that ended with an error.
  uint64_t failures() const;

  class Impl;

 private:
  explicit RedisScriptClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace protogate::ratelimit
