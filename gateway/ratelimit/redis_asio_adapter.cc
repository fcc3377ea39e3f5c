#include "gateway/ratelimit/redis_asio_adapter.h"

#include <boost/asio/post.hpp>
#include <utility>

namespace protogate::ratelimit {

namespace asio = boost::asio;

RedisAsioAdapter* RedisAsioAdapter::Attach(
    asio::io_context& ioc, redisAsyncContext* ac,
    absl::AnyInvocable<void()> before_flush) {
  auto adapter =
      std::make_shared<RedisAsioAdapter>(ioc, ac, std::move(before_flush));
  RedisAsioAdapter* raw = adapter.get();
  raw->self_ = std::move(adapter);
  ac->ev.data = raw;
  ac->ev.addRead = &AddRead;
  ac->ev.delRead = &DelRead;
  ac->ev.addWrite = &AddWrite;
  ac->ev.delWrite = &DelWrite;
  ac->ev.cleanup = &Cleanup;
  return raw;
}

RedisAsioAdapter::RedisAsioAdapter(asio::io_context& ioc, redisAsyncContext* ac,
                                   absl::AnyInvocable<void()> before_flush)
    : socket_(ioc, ac->c.fd),
      context_(ac),
      before_flush_(std::move(before_flush)) {}

void RedisAsioAdapter::Arm(Direction d) {
  Watch& w = watch(d);
  if (w.pending || !w.wanted || context_ == nullptr) return;
  w.pending = true;
  const auto wait = d == Direction::kRead
                        ? asio::posix::descriptor_base::wait_read
                        : asio::posix::descriptor_base::wait_write;
  socket_.async_wait(wait, [self = shared_from_this(),
                            d](const boost::system::error_code& ec) {
    self->watch(d).pending = false;
    if (ec || self->context_ == nullptr || !self->watch(d).wanted) return;
    if (d == Direction::kRead) {
      redisAsyncHandleRead(self->context_);
    } else {
      redisAsyncHandleWrite(self->context_);
    }
    self->Arm(d);  // Still wanted (and the context alive): wait again.
  });
}

void RedisAsioAdapter::AddRead(void* self) {
  auto* a = static_cast<RedisAsioAdapter*>(self);
  a->read_.wanted = true;
  a->Arm(Direction::kRead);
}

void RedisAsioAdapter::DelRead(void* self) {
  static_cast<RedisAsioAdapter*>(self)->read_.wanted = false;
}

void RedisAsioAdapter::AddWrite(void* self) {
  auto* a = static_cast<RedisAsioAdapter*>(self);
  a->write_.wanted = true;
  if (a->flushing_ || a->write_.pending) return;
  a->FlushSoon();
}

void RedisAsioAdapter::FlushSoon() {
  if (flush_posted_) return;
  // Commands queued by the handlers that run before this one are written
  // together, without waiting for the reactor to report the socket
  // writable (it nearly always is).
  flush_posted_ = true;
  asio::post(socket_.get_executor(), [a = shared_from_this()] {
    a->flush_posted_ = false;
    if (a->context_ == nullptr) return;
    if (a->before_flush_) {
      a->flushing_ = true;
      a->before_flush_();
      a->flushing_ = false;
    }
    if (a->context_ == nullptr || !a->write_.wanted || a->write_.pending) {
      return;
    }
    redisAsyncHandleWrite(a->context_);
    a->Arm(Direction::kWrite);  // Still wanted: connecting, or a full socket.
  });
}

void RedisAsioAdapter::DelWrite(void* self) {
  static_cast<RedisAsioAdapter*>(self)->write_.wanted = false;
}

void RedisAsioAdapter::Cleanup(void* self) {
  auto* a = static_cast<RedisAsioAdapter*>(self);
  a->context_ = nullptr;
  a->read_.wanted = false;
  a->write_.wanted = false;
  boost::system::error_code ignored;
  a->socket_.cancel(ignored);
  a->socket_.release();  // hiredis closes the socket itself.
  // The last reference may be this one: nothing may touch `a` after it.
  std::shared_ptr<RedisAsioAdapter> last = std::move(a->self_);
}

}  // namespace protogate::ratelimit
