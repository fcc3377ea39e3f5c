// RedisScriptClient: runs one Lua script on a Redis server for many
// concurrent callers, over asio sockets (TCP or unix) of its own: it writes
// the commands' RESP bytes itself (formatted by hiredis where they are not
// per call) and parses every reply with hiredis' reader (read.h; reply
// objects from redis_reply_pool.h), matching replies to its commands in
// order. hiredis' asynchronous API is not used: its per-command scan,
// output buffer regrown for every command and callback node cost ~1.1k
// instructions per batch.
//
// Each I/O thread (base/io_thread.h) that calls Run() gets a connection of
// its own on its own event loop, made on first use: no thread hand-off, the
// callback runs on the calling thread. Callers that are not I/O threads
// share one more connection on a thread the client starts for them. A
// connection lets its loop end when the loop drains (IoThreadResident).
//
// The script is loaded with SCRIPT LOAD on every (re)connection and run
// with EVALSHA; a NOSCRIPT answer (the server lost its scripts) loads it
// again on the same connection and repeats the command once.
//
// Batches: the calls a connection gets during one loop turn go to Redis as
// ONE EVALSHA, sent by a handler posted behind those already queued: KEYS
// holds their keys and ARGV their Arguments, concatenated, in call order;
// the script must answer an array with one integer per key. Each call is
// still one round trip; Redis runs the script once per batch. The parts
// that do not change (EVALSHA, the hash, each Arguments) are formatted by
// hiredis once; per batch only the array header, the key count and the
// keys (RESP bulk strings, "$<length>\r\n<key>\r\n") are written, into
// an output buffer that keeps its capacity, sent with one non-blocking
// write (what the socket does not take waits for it to be writable).
// Replies are read into a kept buffer as they come. Calls and batches are
// recycled per connection (no allocation per call once warm); one timer
// per connection watches the oldest deadline. Commands are pipelined; a
// connection (connect and SCRIPT LOAD) gets 1 s; a lost connection is
// retried after 50 ms, doubling up to 1 s. A host name is resolved
// (blocking) when connecting, each of its addresses tried in turn: prefer
// an IP address or a unix socket.
//
// Every Run() ends within `timeout`: with the script's integer, or
// with Unavailable (not connected, connection lost; returned at once while
// the server is known to be down) or DeadlineExceeded (no answer within
// `timeout`). The first failure after a success logs one warning
// ("outage"), the first success after failures logs its end; every failure
// is counted in failures().
//
// Thread safety: Run() may be called from any thread; callbacks run on the
// calling I/O thread (or on the client's own thread for other callers) and
// must not block. Writes use MSG_NOSIGNAL (asio): no SIGPIPE.
// Ownership: REQUIRES: destroyed after the I/O loops that used it stopped.
// The destructor stops the client's own thread; calls still waiting then
// end with Cancelled.
//
// Example:
//   PG_ASSIGN_OR_RETURN(auto redis, RedisScriptClient::Create(
//       {.address = "127.0.0.1:6379", .timeout = absl::Milliseconds(50),
//        .script = "local r = {} for i = 1, #KEYS do r[i] = 1 end return r"}));
//   static const auto args = RedisScriptClient::Arguments::Of({"arg"});
//   redis->Run("key", args, [](RedisScriptClient::Reply r) { ... });
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace protogate::ratelimit {

struct RedisScriptClientOptions {
  std::string address;  // "host:port", "[v6]:port" or "unix:///path".
  absl::Duration timeout = absl::Milliseconds(50);
  // Lua over a batch (see above): returns one integer per key.
  std::string script;
  // Appended to the outage warning (e.g. which on_error decision applies).
  std::string outage_note;
};

class RedisScriptClient {
 public:
  using Reply = absl::StatusOr<int64_t>;
  using ReplyCallback = absl::AnyInvocable<void(Reply) &&>;

  // One call's ARGV, the same for many calls (e.g. one rate-limit policy's
  // rate), formatted once. Every Arguments given to one client has the
  // same count (the script reads ARGV by key position). Immutable;
  // thread-safe.
  class Arguments {
   public:
    static Arguments Of(const std::vector<std::string>& argv);
    size_t count() const { return count_; }
    // The RESP bulk strings of the arguments, in order.
    const std::string& formatted() const { return formatted_; }

   private:
    size_t count_ = 0;
    std::string formatted_;
  };

  // InvalidArgument for an address that is not host:port or unix:///path
  // (a path that fits a unix socket address).
  // Starts the thread and the first connection (does not wait for it).
  static absl::StatusOr<std::unique_ptr<RedisScriptClient>> Create(
      RedisScriptClientOptions options);
  ~RedisScriptClient();

  // Runs the script for `key` with `args` (in the loop turn's batch); `done`
  // runs once with the key's integer, within the timeout (see above),
  // possibly inline (when the connection is down). REQUIRES: `args`
  // outlives the run of `done`.
  void Run(std::string_view key, const Arguments& args, ReplyCallback done);

  const RedisScriptClientOptions& options() const;
  // Calls that ended with an error; of them, those that timed out.
  uint64_t failures() const;
  uint64_t timeouts() const;

  class Impl;

 private:
  explicit RedisScriptClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace protogate::ratelimit
