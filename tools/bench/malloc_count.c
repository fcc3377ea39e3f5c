// LD_PRELOAD shim that counts heap allocations of a process, for
// "allocations per request" (tools/bench/profile.sh). Not for production use.
//
//   gcc -O2 -shared -fPIC -o malloc_count.so malloc_count.c
//   LD_PRELOAD=./malloc_count.so protogate ...
//   kill -USR2 PID   # appends "allocs=N frees=N bytes=N" to $MALLOC_COUNT_OUT
//
// Forwards to glibc's __libc_* entry points (no dlsym, so no recursion).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void* __libc_malloc(size_t);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void* __libc_memalign(size_t, size_t);
extern void __libc_free(void*);

static unsigned long long n_alloc, n_free, n_bytes;

#define COUNT(sz)                                            \
  do {                                                       \
    __atomic_fetch_add(&n_alloc, 1, __ATOMIC_RELAXED);       \
    __atomic_fetch_add(&n_bytes, (sz), __ATOMIC_RELAXED);    \
  } while (0)

void* malloc(size_t n) { COUNT(n); return __libc_malloc(n); }
void* calloc(size_t a, size_t b) { COUNT(a * b); return __libc_calloc(a, b); }
void* realloc(void* p, size_t n) {
  COUNT(n);
  return __libc_realloc(p, n);
}
void free(void* p) {
  if (p) __atomic_fetch_add(&n_free, 1, __ATOMIC_RELAXED);
  __libc_free(p);
}
void* memalign(size_t a, size_t n) { COUNT(n); return __libc_memalign(a, n); }
void* aligned_alloc(size_t a, size_t n) { COUNT(n); return __libc_memalign(a, n); }
int posix_memalign(void** out, size_t a, size_t n) {
  COUNT(n);
  void* p = __libc_memalign(a, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}

static void dump(int sig) {
  (void)sig;
  char buf[160];
  const char* path = getenv("MALLOC_COUNT_OUT");
  int len = snprintf(buf, sizeof buf, "allocs=%llu frees=%llu bytes=%llu\n",
                     __atomic_load_n(&n_alloc, __ATOMIC_RELAXED),
                     __atomic_load_n(&n_free, __ATOMIC_RELAXED),
                     __atomic_load_n(&n_bytes, __ATOMIC_RELAXED));
  int fd = path ? open(path, O_WRONLY | O_CREAT | O_APPEND, 0644) : 2;
  if (fd >= 0) {
    ssize_t w = write(fd, buf, (size_t)len);
    (void)w;
    if (path) close(fd);
  }
}

__attribute__((constructor)) static void init(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = dump;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR2, &sa, NULL);
}
