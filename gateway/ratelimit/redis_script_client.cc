#include "gateway/ratelimit/redis_script_client.h"

#include <hiredis/hiredis.h>
#include <hiredis/read.h>
#include <sys/un.h>

#include <algorithm>
#include <array>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <chrono>
#include <deque>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gateway/base/io_thread.h"
#include "gateway/base/logging.h"
#include "gateway/ratelimit/redis_reply_pool.h"

namespace protogate::ratelimit {
namespace {

namespace asio = boost::asio;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr auto kFirstBackoff = std::chrono::milliseconds(50);
constexpr auto kMaxBackoff = std::chrono::seconds(1);
constexpr auto kConnectTimeout = std::chrono::seconds(1);

// Free calls a connection keeps for reuse; more are deleted.
constexpr size_t kMaxFreeCalls = 4096;

// One Run(). Recycled by its connection once nothing refers to it: the
// deadline queue, the list waiting for the link and the batch it is in
// count one reference each.
struct Call {
  std::string key;  // Keeps its capacity across reuse.
  const RedisScriptClient::Arguments* arguments = nullptr;
  RedisScriptClient::ReplyCallback done;
  SteadyTime deadline;
  int references = 0;
  bool finished = false;
};

// The calls of one loop turn, sent as one EVALSHA; owned by the connection
// (while it fills, then in its queue of commands sent) until answered.
struct Batch {
  std::vector<Call*> calls;  // In KEYS order; one reference each.
  bool reloaded = false;     // Already repeated after NOSCRIPT.
};

// The command `argv` in RESP, as hiredis formats it.
std::string FormatCommand(const std::vector<std::string>& argv) {
  absl::InlinedVector<const char*, 8> data;
  absl::InlinedVector<size_t, 8> lens;
  for (const std::string& a : argv) {
    data.push_back(a.data());
    lens.push_back(a.size());
  }
  char* formatted = nullptr;
  const int len = redisFormatCommandArgv(
      &formatted, static_cast<int>(argv.size()), data.data(), lens.data());
  std::string command;
  if (len > 0) command.assign(formatted, static_cast<size_t>(len));
  redisFreeCommand(formatted);
  return command;
}

// The RESP bulk strings of `argv` as hiredis formats them (without the
// array header hiredis puts first).
std::string FormatBulks(const std::vector<std::string>& argv) {
  std::string command = FormatCommand(argv);
  const size_t header_end = command.find("\r\n");
  if (header_end == std::string::npos) return "";
  return command.substr(header_end + 2);  // After "*<count>\r\n".
}

// Appends the decimal digits of `n`.
void AppendDecimal(std::string& out, size_t n) {
  char digits[20];
  const char* end = std::to_chars(digits, digits + sizeof(digits), n).ptr;
  out.append(digits, static_cast<size_t>(end - digits));
}

// Where to connect.
struct Endpoint {
  std::string host;  // Empty for a unix socket.
  int port = 0;
  std::string unix_path;
};

absl::StatusOr<Endpoint> ParseAddress(const std::string& address) {
  Endpoint e;
  if (absl::StartsWith(address, "unix://")) {
    e.unix_path = address.substr(7);
    if (e.unix_path.empty()) {
      return absl::InvalidArgumentError("redis address: empty socket path");
    }
    if (e.unix_path.size() >= sizeof(sockaddr_un::sun_path)) {
      return absl::InvalidArgumentError("redis address: socket path too long");
    }
    return e;
  }
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &e.port) || e.port <= 0 ||
      e.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("redis address \"", address, "\" is not host:port"));
  }
  e.host = address.substr(0, colon);
  if (e.host.size() > 2 && e.host.front() == '[' && e.host.back() == ']') {
    e.host = e.host.substr(1, e.host.size() - 2);
  }
  return e;
}

// One pipelined connection, driven by one io_context; every method runs on
// the thread running it.
class Connection final : public base::IoThreadResident,
                         public std::enable_shared_from_this<Connection> {
 public:
  // What the connections of one client share.
  struct Shared {
    std::atomic<uint64_t> failures{0};
    std::atomic<uint64_t> timeouts{0};  // The failures that timed out.
    std::atomic<bool> outage{false};    // Logged once for all connections.
  };

  Connection(const RedisScriptClientOptions& options, const Endpoint& endpoint,
             asio::io_context& ioc, Shared& shared)
      : options_(options),
        endpoint_(endpoint),
        ioc_(ioc),
        shared_(shared),
        script_load_(FormatCommand({"SCRIPT", "LOAD", options.script})) {}

  // Loop thread: the first connection attempt.
  void Start() { Connect(); }

  // Loop thread: closes the connection for good; waiting calls end with
  // Cancelled, later ones too.
  void Shutdown() {
    stopping_ = true;
    deadline_timer_.cancel();
    reconnect_timer_.cancel();
    connect_timer_.cancel();
    CloseSocket();
    link_ = Link::kDown;
    while (!sent_.empty()) {
      const Sent sent = sent_.front();
      sent_.pop_front();
      if (sent.batch == nullptr) continue;
      for (Call* call : sent.batch->calls) {
        Finish(*call, absl::CancelledError("redis client stopped"));
      }
      Recycle(sent.batch);
    }
    for (Call* call : by_deadline_) {
      Finish(*call, absl::CancelledError("redis client stopped"));
      Release(call);
    }
    by_deadline_.clear();
    for (Call* call : waiting_for_link_) Release(call);
    waiting_for_link_.clear();
    if (Batch* batch = std::exchange(open_, nullptr)) Recycle(batch);
  }

  ~Connection() override {
    if (reader_ != nullptr) redisReaderFree(reader_);
    for (Call* call : free_calls_) delete call;
    for (Batch* batch : free_batches_) delete batch;
  }

  // Loop thread: a call to fill and Submit(), recycled or new.
  Call* NewCall() {
    if (free_calls_.empty()) return new Call();
    Call* call = free_calls_.back();
    free_calls_.pop_back();
    return call;
  }

  // The loop winds down (base/io_thread.h): let it end.
  void OnLoopDrain() override { Shutdown(); }

  // Loop thread: starts `call` (from NewCall(), or new Call() made on
  // another thread); the connection owns it from here on.
  void Submit(Call* call) {
    if (stopping_) {
      Finish(*call, absl::CancelledError("redis client stopped"));
      Recycle(call);
      return;
    }
    ++call->references;
    by_deadline_.push_back(call);
    ArmDeadline();
    switch (link_) {
      case Link::kReady:
        Enqueue(call);
        return;
      case Link::kConnecting:
      case Link::kLoadingScript:
        ++call->references;
        waiting_for_link_.push_back(call);
        return;
      case Link::kDown:
        Fail(*call, absl::UnavailableError("rate limit store unavailable"));
        return;
    }
  }

 private:
  // kConnecting: the socket connects; kLoadingScript: connected, SCRIPT
  // LOAD sent; kReady: the hash is known, batches go out.
  enum class Link { kDown, kConnecting, kLoadingScript, kReady };
  // What a command written to the socket was, in the order of their replies.
  enum class Command { kScriptLoad, kBatch };
  struct Sent {
    Command command;
    Batch* batch;  // kBatch: owned while it waits for its reply.
  };
  using Socket = asio::basic_stream_socket<asio::generic::stream_protocol,
                                           asio::io_context::executor_type>;
  using GenericEndpoint = asio::generic::stream_protocol::endpoint;

  // --- Connection ---------------------------------------------------------
  void Connect() {
    if (stopping_) return;
    std::vector<GenericEndpoint> endpoints;
    if (!endpoint_.unix_path.empty()) {
      endpoints.emplace_back(
          asio::local::stream_protocol::endpoint(endpoint_.unix_path));
    } else {
      // Blocking, as the header says: prefer an IP address.
      boost::system::error_code ec;
      asio::ip::tcp::resolver resolver(ioc_);
      for (const auto& entry :
           resolver.resolve(endpoint_.host, std::to_string(endpoint_.port),
                            asio::ip::tcp::resolver::numeric_service, ec)) {
        endpoints.emplace_back(entry.endpoint());
      }
      if (endpoints.empty()) {
        LinkFailed(absl::StrCat("cannot resolve ", endpoint_.host));
        return;
      }
    }
    link_ = Link::kConnecting;
    const uint64_t generation = ++generation_;
    asio::async_connect(socket_, endpoints,
                        [this, generation](const boost::system::error_code& ec,
                                           const GenericEndpoint&) {
                          if (generation != generation_) return;
                          if (ec) {
                            DropLink(ec.message());
                            return;
                          }
                          OnConnected();
                        });
    connect_timer_.expires_after(kConnectTimeout);
    connect_timer_.async_wait(
        [this, generation](const boost::system::error_code& ec) {
          if (!ec && generation == generation_ && link_ != Link::kReady) {
            DropLink("connect timed out");
          }
        });
  }

  void OnConnected() {
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);  // Reads and writes never wait.
    if (endpoint_.unix_path.empty()) {
      socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    }
    reader_ = redisReaderCreateWithFunctions(RedisReplyPool::Functions());
    if (reader_ == nullptr) {
      DropLink("out of memory");
      return;
    }
    link_ = Link::kLoadingScript;
    LoadScript();
    ArmRead();
    Write();
  }

  void LoadScript() {
    out_.append(script_load_);
    sent_.push_back({Command::kScriptLoad, nullptr});
  }

  void OnScriptLoaded(const redisReply& reply) {
    if (reply.type != REDIS_REPLY_STRING) {
      DropLink(absl::StrCat(
          "SCRIPT LOAD failed: ",
          reply.type == REDIS_REPLY_ERROR ? reply.str : "unexpected reply"));
      return;
    }
    evalsha_ = FormatBulks({"EVALSHA", std::string(reply.str, reply.len)});
    if (link_ == Link::kReady) return;  // A reload after NOSCRIPT.
    link_ = Link::kReady;
    backoff_ = kFirstBackoff;
    connect_timer_.cancel();
    std::vector<Call*> waiting;
    waiting.swap(waiting_for_link_);
    for (Call* call : waiting) {
      if (!call->finished) Enqueue(call);
      Release(call);
    }
  }

  // Closes the socket; handlers of its waits see a new generation_.
  void CloseSocket() {
    ++generation_;
    boost::system::error_code ignored;
    socket_.close(ignored);
    if (reader_ != nullptr) redisReaderFree(std::exchange(reader_, nullptr));
    out_.clear();
    write_waiting_ = false;
  }

  // Closes the link: the commands sent end with Unavailable, a new
  // connection follows after the backoff.
  void DropLink(const std::string& why) {
    CloseSocket();
    LinkFailed(why);
    while (!sent_.empty()) {
      const Sent sent = sent_.front();
      sent_.pop_front();
      if (sent.batch == nullptr) continue;
      Fail(*sent.batch, absl::UnavailableError("rate limit store unavailable"));
      Recycle(sent.batch);
    }
  }

  void LinkFailed(const std::string& why) {
    link_ = Link::kDown;
    connect_timer_.cancel();
    NoteFailure(why);
    std::vector<Call*> waiting;
    waiting.swap(waiting_for_link_);
    for (Call* call : waiting) {
      Fail(*call, absl::UnavailableError("rate limit store unavailable"));
      Release(call);
    }
    if (Batch* batch = std::exchange(open_, nullptr)) {
      Fail(*batch, absl::UnavailableError("rate limit store unavailable"));
      Recycle(batch);
    }
    if (stopping_) return;
    reconnect_timer_.expires_after(backoff_);
    backoff_ = std::min<std::chrono::steady_clock::duration>(backoff_ * 2,
                                                             kMaxBackoff);
    reconnect_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) Connect();
    });
  }

  // --- Socket -------------------------------------------------------------
  // Writes out_ without waiting; what the socket does not take is written
  // when it is writable again.
  void Write() {
    if (write_waiting_ || out_.empty() ||
        (link_ != Link::kLoadingScript && link_ != Link::kReady)) {
      return;
    }
    boost::system::error_code ec;
    const size_t written = socket_.write_some(asio::buffer(out_), ec);
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
      DropLink("connection lost");
      return;
    }
    if (written == out_.size()) {
      out_.clear();  // Keeps its capacity for the next batch.
      return;
    }
    out_.erase(0, written);
    write_waiting_ = true;
    socket_.async_wait(
        Socket::wait_write,
        [this, generation = generation_](const boost::system::error_code& ec) {
          if (generation != generation_) return;
          write_waiting_ = false;
          if (ec) {
            DropLink("connection lost");
            return;
          }
          Write();
        });
  }

  // Reads replies (or the server closing) as long as the socket lives.
  // async_read_some, not a wait for readability and a read: asio re-arms
  // the descriptor (epoll_ctl) for every wait, not for a read, and it reads
  // at once only when the last read did not empty the socket.
  void ArmRead() {
    socket_.async_read_some(asio::buffer(in_),
                            [this, generation = generation_](
                                const boost::system::error_code& ec, size_t n) {
                              if (generation != generation_) return;
                              if (ec) {
                                DropLink("connection lost");
                                return;
                              }
                              if (ReadReplies(n)) ArmRead();
                            });
  }

  // Feeds the `n` bytes read to hiredis' reader and answers its replies in
  // the order of sent_. False when the link was dropped.
  bool ReadReplies(size_t n) {
    const uint64_t generation = generation_;
    if (redisReaderFeed(reader_, in_.data(), n) != REDIS_OK) {
      DropLink("out of memory");
      return false;
    }
    for (;;) {
      void* object = nullptr;
      if (redisReaderGetReply(reader_, &object) != REDIS_OK) {
        DropLink(absl::StrCat("protocol error: ", reader_->errstr));
        return false;
      }
      if (object == nullptr) break;
      auto* reply = static_cast<redisReply*>(object);
      if (sent_.empty()) {
        RedisReplyPool::Functions()->freeObject(reply);
        DropLink("reply to no command");
        return false;
      }
      const Sent sent = sent_.front();
      sent_.pop_front();
      if (sent.command == Command::kScriptLoad) {
        OnScriptLoaded(*reply);
      } else {
        OnReply(sent.batch, *reply);
      }
      RedisReplyPool::Functions()->freeObject(reply);
      if (generation != generation_) return false;
    }
    Write();  // Commands repeated after NOSCRIPT.
    return generation == generation_;
  }

  // --- Calls ---
  // Adds `call` to the batch of this loop turn, sent by the flush handler
  // (posted behind the handlers already queued, so it collects their calls
  // too), which then writes.
  void Enqueue(Call* call) {
    if (open_ == nullptr) {
      if (free_batches_.empty()) {
        open_ = new Batch();
      } else {
        open_ = free_batches_.back();
        free_batches_.pop_back();
      }
      FlushSoon();
    }
    ++call->references;
    open_->calls.push_back(call);
  }

  void FlushSoon() {
    if (flush_posted_) return;
    flush_posted_ = true;
    asio::post(ioc_.get_executor(), [this] {
      flush_posted_ = false;
      if (Batch* batch = std::exchange(open_, nullptr)) Send(batch);
      Write();
    });
  }

  // Appends EVALSHA <sha> <N> <N keys> <the N calls' arguments> to out_:
  // hiredis formatted EVALSHA, the hash and each call's arguments (see the
  // header).
  void Send(Batch* batch) {
    std::vector<Call*>& calls = batch->calls;
    size_t kept = 0;  // Calls that ended meanwhile (timed out) stay out.
    for (Call* call : calls) {
      if (call->finished) {
        Release(call);
      } else {
        calls[kept++] = call;
      }
    }
    calls.resize(kept);
    if (calls.empty() || link_ != Link::kReady) {
      Fail(*batch, absl::UnavailableError("rate limit store unavailable"));
      Recycle(batch);
      return;
    }
    size_t arguments = 0;
    for (const Call* call : calls) arguments += call->arguments->count();
    // Plain appends and to_chars (StrAppend zero-fills as it resizes and
    // formats through AlphaNum: ~700 against ~400 Ir for a one-call batch).
    out_.push_back('*');
    AppendDecimal(out_, 3 + calls.size() + arguments);
    out_.append("\r\n", 2);
    out_.append(evalsha_);
    char count[20];  // The key count, a bulk string.
    const size_t count_size = static_cast<size_t>(
        std::to_chars(count, count + sizeof(count), calls.size()).ptr - count);
    out_.push_back('$');
    AppendDecimal(out_, count_size);
    out_.append("\r\n", 2);
    out_.append(count, count_size);
    // Each key's bulk string opens with the CRLF that ends the one before.
    for (const Call* call : calls) {
      out_.append("\r\n$", 3);
      AppendDecimal(out_, call->key.size());
      out_.append("\r\n", 2);
      out_.append(call->key);
    }
    out_.append("\r\n", 2);
    for (const Call* call : calls) {
      out_.append(call->arguments->formatted());
    }
    sent_.push_back({Command::kBatch, batch});
  }

  void OnReply(Batch* batch, const redisReply& reply) {
    if (reply.type == REDIS_REPLY_ERROR &&
        absl::StartsWith(reply.str, "NOSCRIPT") && !batch->reloaded) {
      batch->reloaded = true;
      LoadScript();
      Send(batch);
      return;
    }
    Answer(*batch, reply);
    Recycle(batch);
  }

  // One integer per call, in order.
  void Answer(Batch& batch, const redisReply& reply) {
    if (reply.type != REDIS_REPLY_ARRAY ||
        reply.elements != batch.calls.size()) {
      NoteFailure(absl::StrCat(
          "script answered ",
          reply.type == REDIS_REPLY_ERROR ? reply.str : "no array"));
      for (Call* call : batch.calls) {
        Finish(*call, absl::InternalError("rate limit store failed"));
      }
      return;
    }
    for (size_t i = 0; i < reply.elements; ++i) {
      const redisReply* element = reply.element[i];
      if (element->type == REDIS_REPLY_INTEGER) {
        Succeed(*batch.calls[i], element->integer);
      } else {
        NoteFailure("script answered no integer");
        Finish(*batch.calls[i], absl::InternalError("rate limit store failed"));
      }
    }
  }

  // Drops one reference; the last one recycles the call.
  void Release(Call* call) {
    if (--call->references == 0) Recycle(call);
  }

  void Recycle(Call* call) {
    if (free_calls_.size() >= kMaxFreeCalls) {
      delete call;
      return;
    }
    call->done = nullptr;
    call->arguments = nullptr;
    call->finished = false;
    free_calls_.push_back(call);
  }

  // Releases the batch's calls and keeps the batch for reuse.
  void Recycle(Batch* batch) {
    for (Call* call : batch->calls) Release(call);
    batch->calls.clear();
    batch->reloaded = false;
    free_batches_.push_back(batch);
  }

  void ArmDeadline() {
    while (!by_deadline_.empty() && by_deadline_.front()->finished) {
      Release(by_deadline_.front());
      by_deadline_.pop_front();
    }
    if (deadline_armed_ || by_deadline_.empty()) return;
    deadline_armed_ = true;
    deadline_timer_.expires_at(by_deadline_.front()->deadline);
    deadline_timer_.async_wait([this](const boost::system::error_code& ec) {
      deadline_armed_ = false;
      if (ec) return;
      const SteadyTime now = std::chrono::steady_clock::now();
      while (!by_deadline_.empty() && (by_deadline_.front()->finished ||
                                       by_deadline_.front()->deadline <= now)) {
        Call* call = by_deadline_.front();
        by_deadline_.pop_front();
        Fail(*call, absl::DeadlineExceededError("rate limit store timed out"));
        Release(call);
      }
      ArmDeadline();
    });
  }

  void Succeed(Call& call, int64_t value) {
    // A load first: no locked exchange per answer while Redis is up.
    if (shared_.outage.load(std::memory_order_relaxed) &&
        shared_.outage.exchange(false, std::memory_order_relaxed)) {
      PG_LOG(kWarning) << "rate_limits.redis " << options_.address
                       << ": reachable again";
    }
    Finish(call, value);
  }

  void Fail(Call& call, absl::Status status) {
    if (call.finished) return;
    NoteFailure(std::string(status.message()));
    Finish(call, std::move(status));
  }

  void Fail(Batch& batch, const absl::Status& status) {
    for (Call* call : batch.calls) Fail(*call, status);
  }

  void NoteFailure(const std::string& why) {
    if (shared_.outage.exchange(true, std::memory_order_relaxed)) return;
    PG_LOG(kWarning) << "rate_limits.redis " << options_.address << ": " << why
                     << options_.outage_note;
  }

  void Finish(Call& call, RedisScriptClient::Reply reply) {
    if (call.finished) return;
    call.finished = true;
    if (!reply.ok()) {
      shared_.failures.fetch_add(1, std::memory_order_relaxed);
      if (absl::IsDeadlineExceeded(reply.status())) {
        shared_.timeouts.fetch_add(1, std::memory_order_relaxed);
      }
    }
    std::move(call.done)(std::move(reply));
  }

  const RedisScriptClientOptions& options_;
  const Endpoint& endpoint_;
  asio::io_context& ioc_;
  Shared& shared_;
  asio::steady_timer deadline_timer_{ioc_};
  asio::steady_timer reconnect_timer_{ioc_};
  asio::steady_timer connect_timer_{ioc_};

  Socket socket_{ioc_.get_executor()};
  uint64_t generation_ = 0;        // Of the socket; waits of an older one end.
  redisReader* reader_ = nullptr;  // The socket's, with pooled replies.
  Link link_ = Link::kDown;
  const std::string script_load_;  // SCRIPT LOAD <script>, formatted.
  // EVALSHA and the script's hash, formatted by hiredis.
  std::string evalsha_;
  // Commands not yet written; replies not yet read. Both keep their
  // capacity.
  std::string out_;
  std::array<char, 16 * 1024> in_;
  std::deque<Sent> sent_;       // Written or in out_, oldest first.
  bool write_waiting_ = false;  // For the socket to take the rest of out_.
  bool flush_posted_ = false;
  Batch* open_ = nullptr;  // The batch of this loop turn, if any.
  std::vector<Batch*> free_batches_;
  std::deque<Call*> by_deadline_;  // Oldest first.
  std::vector<Call*> waiting_for_link_;
  std::vector<Call*> free_calls_;
  bool deadline_armed_ = false;
  bool stopping_ = false;
  std::chrono::steady_clock::duration backoff_ = kFirstBackoff;
};

// A loop of the client's own, for callers that are not on an I/O thread.
struct OwnLoop {
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{
      ioc.get_executor()};
  std::shared_ptr<Connection> connection;
  std::thread thread;
};

}  // namespace

class RedisScriptClient::Impl {
 public:
  Impl(RedisScriptClientOptions options, Endpoint endpoint)
      : options_(std::move(options)), endpoint_(std::move(endpoint)) {}

  ~Impl() {
    if (own_ != nullptr) {
      asio::post(own_->ioc, [this] {
        own_->connection->Shutdown();
        own_->work.reset();
      });
      own_->thread.join();
    }
    // The I/O loops have stopped (REQUIRES of the destructor): nothing runs
    // on them any more.
    for (auto& [ioc, connection] : loops_) connection->Shutdown();
  }

  void Run(std::string_view key, const Arguments& args, ReplyCallback done) {
    const base::IoThread& io = base::CurrentIoThread();
    Connection* connection = io.ioc != nullptr ? &LoopConnection(io) : nullptr;
    Call* call = connection != nullptr ? connection->NewCall() : new Call();
    call->key.assign(key);
    call->arguments = &args;
    call->done = std::move(done);
    call->deadline = std::chrono::steady_clock::now() +
                     absl::ToChronoNanoseconds(options_.timeout);
    if (connection != nullptr) {
      connection->Submit(call);
      return;
    }
    OwnLoop& own = Own();
    asio::post(own.ioc, [&own, call] { own.connection->Submit(call); });
  }

  const RedisScriptClientOptions& options() const { return options_; }
  uint64_t failures() const {
    return shared_.failures.load(std::memory_order_relaxed);
  }
  uint64_t timeouts() const {
    return shared_.timeouts.load(std::memory_order_relaxed);
  }

 private:
  // The connection of the calling I/O thread's loop, made on first use.
  Connection& LoopConnection(const base::IoThread& io) {
    // One client per address: a one-entry cache per thread is enough.
    thread_local uint64_t cached_client = 0;
    thread_local asio::io_context* cached_ioc = nullptr;
    thread_local Connection* cached = nullptr;
    if (cached_client == id_ && cached_ioc == io.ioc) return *cached;
    absl::MutexLock lock(&mu_);
    std::shared_ptr<Connection>& slot = loops_[io.ioc];
    if (slot == nullptr) {
      slot =
          std::make_shared<Connection>(options_, endpoint_, *io.ioc, shared_);
      owners_.push_back(io.owner);  // The loop's address is never reused.
      base::AddIoThreadResident(slot);
      slot->Start();
    }
    cached_client = id_;
    cached_ioc = io.ioc;
    cached = slot.get();
    return *slot;
  }

  OwnLoop& Own() {
    absl::MutexLock lock(&mu_);
    if (own_ == nullptr) {
      own_ = std::make_unique<OwnLoop>();
      own_->connection =
          std::make_shared<Connection>(options_, endpoint_, own_->ioc, shared_);
      asio::post(own_->ioc, [c = own_->connection.get()] { c->Start(); });
      own_->thread = std::thread([ioc = &own_->ioc] { ioc->run(); });
    }
    return *own_;
  }

  static uint64_t NextId() {
    static std::atomic<uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
  }

  const RedisScriptClientOptions options_;
  const Endpoint endpoint_;
  const uint64_t id_ = NextId();  // Tells clients apart in thread caches.
  Connection::Shared shared_;
  absl::Mutex mu_;
  // Declared before loops_: the loops' io_contexts outlive the connections
  // (their timers and sockets) bound to them.
  std::vector<std::shared_ptr<void>> owners_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<asio::io_context*, std::shared_ptr<Connection>> loops_
      ABSL_GUARDED_BY(mu_);
  std::unique_ptr<OwnLoop> own_ ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<std::unique_ptr<RedisScriptClient>> RedisScriptClient::Create(
    RedisScriptClientOptions options) {
  absl::StatusOr<Endpoint> endpoint = ParseAddress(options.address);
  if (!endpoint.ok()) return endpoint.status();
  auto impl = std::make_unique<Impl>(std::move(options), *std::move(endpoint));
  return std::unique_ptr<RedisScriptClient>(
      new RedisScriptClient(std::move(impl)));
}

RedisScriptClient::RedisScriptClient(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

RedisScriptClient::~RedisScriptClient() = default;

RedisScriptClient::Arguments RedisScriptClient::Arguments::Of(
    const std::vector<std::string>& argv) {
  Arguments args;
  args.count_ = argv.size();
  if (!argv.empty()) args.formatted_ = FormatBulks(argv);
  return args;
}

void RedisScriptClient::Run(std::string_view key, const Arguments& args,
                            ReplyCallback done) {
  impl_->Run(key, args, std::move(done));
}

const RedisScriptClientOptions& RedisScriptClient::options() const {
  return impl_->options();
}

uint64_t RedisScriptClient::failures() const { return impl_->failures(); }
uint64_t RedisScriptClient::timeouts() const { return impl_->timeouts(); }

}  // namespace protogate::ratelimit
