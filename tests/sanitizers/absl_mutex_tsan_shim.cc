// Tells ThreadSanitizer about absl::Mutex, absl::CondVar,
// absl::Notification and absl::Status's shared reference count, for the
// TSan build (PROTOGATE_SANITIZE=thread) only.
//
// Why: Debian's libabsl_synchronization is built without TSan, so its
// Mutex (futex and atomics inside the uninstrumented library) is invisible
// to TSan: every access guarded by an absl::Mutex would be reported as a
// race. Abseil built with TSan annotates itself with the same
// __tsan_mutex_* calls (absl/base/internal/tsan_mutex_interface.h); this
// shim adds them around the library's exported functions instead. It is a
// shared library preloaded into every test process (LD_PRELOAD, set by
// cmake/Sanitizers.cmake), so its definitions interpose on the library's for
// every caller, gRPC included, and forwards to the real ones (dlsym
// RTLD_NEXT).
//
// Thread safety: the forwarding table is filled once (a function-local
// static); the wrappers are as thread-safe as what they wrap.
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

// TSan's dynamic annotations (not in its public headers).
extern "C" void AnnotateIgnoreReadsBegin(const char* file, int line);
extern "C" void AnnotateIgnoreReadsEnd(const char* file, int line);

#define PG_TOKEN_STR(x) PG_TOKEN_STR_IMPL(x)
#define PG_TOKEN_STR_IMPL(x) #x

namespace {

enum class Member { kNonConst, kConst };

// "_ZN[K]4absl<len><inline namespace>" + rest: the mangled name of a member
// function of absl's inline namespace (Debian's is "debian3").
void* Real(const char* rest, Member member) {
  const std::string ns = PG_TOKEN_STR(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  const std::string name =
      std::string(member == Member::kConst ? "_ZNK" : "_ZN") + "4absl" +
      std::to_string(ns.size()) + ns + rest;
  void* f = dlsym(RTLD_NEXT, name.c_str());
  if (f == nullptr) {
    std::fprintf(stderr, "absl_mutex_tsan_shim: %s not found\n", name.c_str());
    std::abort();
  }
  return f;
}

template <typename Fn>
Fn Lookup(const char* rest, Member member = Member::kNonConst) {
  return reinterpret_cast<Fn>(Real(rest, member));
}

using Void = void (*)(void*);
using Bool = bool (*)(void*);

constexpr unsigned kRead = __tsan_mutex_read_lock;
constexpr unsigned kTry = __tsan_mutex_try_lock;
constexpr unsigned kTryFailed = __tsan_mutex_try_lock_failed;

void Locked(void* mu, unsigned flags) {
  __tsan_mutex_pre_lock(mu, flags);
  __tsan_mutex_post_lock(mu, flags, 0);
}

void Unlocking(void* mu, unsigned flags) {
  __tsan_mutex_pre_unlock(mu, flags);
  __tsan_mutex_post_unlock(mu, flags);
}

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

// The library's *WithTimeout functions call the *WithDeadline ones through
// the PLT, so only the latter are wrapped (wrapping both would annotate
// twice).

void Mutex::Lock() {
  static const auto real = Lookup<Void>("5Mutex4LockEv");
  __tsan_mutex_pre_lock(this, 0);
  real(this);
  __tsan_mutex_post_lock(this, 0, 0);
}

void Mutex::ReaderLock() {
  static const auto real = Lookup<Void>("5Mutex10ReaderLockEv");
  __tsan_mutex_pre_lock(this, kRead);
  real(this);
  __tsan_mutex_post_lock(this, kRead, 0);
}

bool Mutex::TryLock() {
  static const auto real = Lookup<Bool>("5Mutex7TryLockEv");
  __tsan_mutex_pre_lock(this, kTry);
  const bool locked = real(this);
  __tsan_mutex_post_lock(this, locked ? kTry : kTry | kTryFailed, 0);
  return locked;
}

bool Mutex::ReaderTryLock() {
  static const auto real = Lookup<Bool>("5Mutex13ReaderTryLockEv");
  __tsan_mutex_pre_lock(this, kRead | kTry);
  const bool locked = real(this);
  __tsan_mutex_post_lock(this,
                         locked ? kRead | kTry : kRead | kTry | kTryFailed, 0);
  return locked;
}

void Mutex::Unlock() {
  static const auto real = Lookup<Void>("5Mutex6UnlockEv");
  __tsan_mutex_pre_unlock(this, 0);
  real(this);
  __tsan_mutex_post_unlock(this, 0);
}

void Mutex::ReaderUnlock() {
  static const auto real = Lookup<Void>("5Mutex12ReaderUnlockEv");
  __tsan_mutex_pre_unlock(this, kRead);
  real(this);
  __tsan_mutex_post_unlock(this, kRead);
}

void Mutex::LockWhen(const Condition& cond) {
  static const auto real = Lookup<void (*)(void*, const Condition&)>(
      "5Mutex8LockWhenERKNS0_9ConditionE");
  __tsan_mutex_pre_lock(this, 0);
  real(this, cond);
  __tsan_mutex_post_lock(this, 0, 0);
}

void Mutex::ReaderLockWhen(const Condition& cond) {
  static const auto real = Lookup<void (*)(void*, const Condition&)>(
      "5Mutex14ReaderLockWhenERKNS0_9ConditionE");
  __tsan_mutex_pre_lock(this, kRead);
  real(this, cond);
  __tsan_mutex_post_lock(this, kRead, 0);
}

bool Mutex::LockWhenWithDeadline(const Condition& cond, absl::Time deadline) {
  static const auto real =
      Lookup<bool (*)(void*, const Condition&, absl::Time)>(
          "5Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  __tsan_mutex_pre_lock(this, 0);
  const bool met = real(this, cond, deadline);
  __tsan_mutex_post_lock(this, 0, 0);
  return met;
}

// Await releases the mutex while it waits and holds it again on return.
void Mutex::Await(const Condition& cond) {
  static const auto real = Lookup<void (*)(void*, const Condition&)>(
      "5Mutex5AwaitERKNS0_9ConditionE");
  Unlocking(this, 0);
  real(this, cond);
  Locked(this, 0);
}

bool Mutex::AwaitWithDeadline(const Condition& cond, absl::Time deadline) {
  static const auto real =
      Lookup<bool (*)(void*, const Condition&, absl::Time)>(
          "5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  Unlocking(this, 0);
  const bool met = real(this, cond, deadline);
  Locked(this, 0);
  return met;
}

Mutex::~Mutex() {
  static const auto real = Lookup<Void>("5MutexD1Ev");
  __tsan_mutex_destroy(this, 0);
  real(this);
}

// CondVar waits release `mu` and hold it again on return.
void CondVar::Wait(Mutex* mu) {
  static const auto real =
      Lookup<void (*)(void*, Mutex*)>("7CondVar4WaitEPNS0_5MutexE");
  Unlocking(mu, 0);
  real(this, mu);
  Locked(mu, 0);
}

bool CondVar::WaitWithDeadline(Mutex* mu, absl::Time deadline) {
  static const auto real = Lookup<bool (*)(void*, Mutex*, absl::Time)>(
      "7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  Unlocking(mu, 0);
  const bool timed_out = real(this, mu, deadline);
  Locked(mu, 0);
  return timed_out;
}

// Conditions are evaluated inside the library while it holds the mutex
// (by the waiter, or by the thread unlocking), where the annotations above
// show it released. A TSan-built Abseil re-annotates around each
// evaluation; here the evaluation's reads (of state the mutex guards) are
// ignored instead. Ordering is unaffected: a waiter acquires
// the mutex when its wait returns.
bool Condition::Eval() const {
  static const auto real =
      Lookup<bool (*)(const void*)>("9Condition4EvalEv", Member::kConst);
  AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
  const bool met = real(this);
  AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
  return met;
}

// Notification's fast paths read an atomic inside the library: Notify()
// releases and every wait acquires, so what was written before Notify() is
// ordered before what follows the wait.
void Notification::Notify() {
  static const auto real = Lookup<Void>("12Notification6NotifyEv");
  __tsan_release(this);
  real(this);
}

void Notification::WaitForNotification() const {
  static const auto real = Lookup<void (*)(const void*)>(
      "12Notification19WaitForNotificationEv", Member::kConst);
  real(this);
  __tsan_acquire(const_cast<Notification*>(this));
}

bool Notification::WaitForNotificationWithTimeout(
    absl::Duration timeout) const {
  static const auto real = Lookup<bool (*)(const void*, absl::Duration)>(
      "12Notification30WaitForNotificationWithTimeoutENS0_8DurationE",
      Member::kConst);
  const bool notified = real(this, timeout);
  if (notified) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

bool Notification::WaitForNotificationWithDeadline(absl::Time deadline) const {
  static const auto real = Lookup<bool (*)(const void*, absl::Time)>(
      "12Notification31WaitForNotificationWithDeadlineENS0_4TimeE",
      Member::kConst);
  const bool notified = real(this, deadline);
  if (notified) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

// A Status with a message shares one heap rep among its copies, counted by
// atomics inside the uninstrumented libabsl_status: the thread that drops
// the last reference deletes the rep, which TSan would report against every
// other thread's earlier reads of the message. Each unreference releases
// and acquires on the rep, as a TSan-built Abseil's atomics would: the
// deleting thread comes after every other holder's last use.
void Status::UnrefNonInlined(uintptr_t rep) {
  static const auto real =
      Lookup<void (*)(uintptr_t)>("6Status15UnrefNonInlinedEm");
  __tsan_release(reinterpret_cast<void*>(rep));
  __tsan_acquire(reinterpret_cast<void*>(rep));
  real(rep);
}

ABSL_NAMESPACE_END
}  // namespace absl
