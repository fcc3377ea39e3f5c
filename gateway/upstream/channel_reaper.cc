#include "gateway/upstream/channel_reaper.h"

#include <deque>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "grpcpp/channel.h"

namespace protogate::upstream {
namespace {

class Reaper {
 public:
  // The thread runs for the life of the process.
  Reaper() {
    std::thread([this] { Run(); }).detach();
  }

  void Retire(std::shared_ptr<grpc::Channel> channel) {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(channel));
  }

 private:
  void Run() {
    while (true) {
      std::shared_ptr<grpc::Channel> channel;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](Reaper* r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(r->mu_) {
              return !r->queue_.empty();
            },
            this));
        channel = std::move(queue_.front());
        queue_.pop_front();
      }
      channel.reset();  // Destroyed here, outside any gRPC callback.
    }
  }

  absl::Mutex mu_;
  std::deque<std::shared_ptr<grpc::Channel>> queue_ ABSL_GUARDED_BY(mu_);
};

Reaper& TheReaper() {
  static Reaper* reaper = new Reaper();  // Never destroyed; see header.
  return *reaper;
}

}  // namespace

void RetireChannel(std::shared_ptr<grpc::Channel> channel) {
  if (channel != nullptr) TheReaper().Retire(std::move(channel));
}

}  // namespace protogate::upstream
