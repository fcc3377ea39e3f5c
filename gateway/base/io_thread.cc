#include "gateway/base/io_thread.h"

#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace protogate::base {
namespace {

thread_local IoThread current;
thread_local std::vector<std::weak_ptr<IoThreadResident>> residents;

// The ids in use; the lowest free one is handed out next.
struct IdPool {
  absl::Mutex mu;
  std::vector<bool> used ABSL_GUARDED_BY(mu);

  int Take() {
    absl::MutexLock lock(&mu);
    for (size_t i = 0; i < used.size(); ++i) {
      if (!used[i]) {
        used[i] = true;
        return static_cast<int>(i);
      }
    }
    used.push_back(true);
    return static_cast<int>(used.size() - 1);
  }
  void Give(int id) {
    absl::MutexLock lock(&mu);
    used[static_cast<size_t>(id)] = false;
  }
};

IdPool& Ids() {
  static IdPool* const pool = new IdPool;  // Never destroyed.
  return *pool;
}

}  // namespace

const IoThread& CurrentIoThread() { return current; }

ScopedIoThread::ScopedIoThread(boost::asio::io_context* ioc,
                               std::shared_ptr<void> owner) {
  current = {.ioc = ioc, .owner = std::move(owner), .id = Ids().Take()};
}

void AddIoThreadResident(std::weak_ptr<IoThreadResident> resident) {
  std::erase_if(residents, [](const auto& r) { return r.expired(); });
  residents.push_back(std::move(resident));
}

void DrainIoThreadResidents() {
  auto all = std::move(residents);
  residents.clear();
  for (const auto& weak : all) {
    if (auto resident = weak.lock()) resident->OnLoopDrain();
  }
}

ScopedIoThread::~ScopedIoThread() {
  Ids().Give(current.id);
  current = {};
}

}  // namespace protogate::base
