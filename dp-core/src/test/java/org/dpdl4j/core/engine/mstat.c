// Build: gcc -O2 -shared -fPIC -o /tmp/libmstat.so mstat.c ; run EngineProfileMain with LD_PRELOAD=/tmp/libmstat.so
// LD_PRELOAD shim: counts heap allocations of at least 4 KiB (number and bytes) in a shared-memory
// file /dev/shm/mstat-<pid> (two 64-bit counters) that the profiling harness maps and reads.
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <errno.h>
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
static volatile int64_t *ctr;
static volatile int initing;
static void init(void) {
  if (ctr || initing) return;
  initing = 1;
  char name[64];
  snprintf(name, sizeof name, "/dev/shm/mstat-%d", (int) getpid());
  int fd = open(name, O_RDWR | O_CREAT, 0600);
  if (fd >= 0 && ftruncate(fd, 64) == 0) {
    void *p = mmap(NULL, 64, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p != MAP_FAILED) ctr = (volatile int64_t *) p;
  }
  initing = 0;
}
static inline void count(size_t n) {
  if (n < 4096) return;
  if (!ctr) init();
  if (ctr) { __atomic_add_fetch(&ctr[0], 1, __ATOMIC_RELAXED); __atomic_add_fetch(&ctr[1], (int64_t) n, __ATOMIC_RELAXED); }
}
void *malloc(size_t n) { count(n); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { count(a * b); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { count(n); return __libc_realloc(p, n); }
void *memalign(size_t al, size_t n) { count(n); return __libc_memalign(al, n); }
void *aligned_alloc(size_t al, size_t n) { count(n); return __libc_memalign(al, n); }
int posix_memalign(void **out, size_t al, size_t n) { count(n); void *p = __libc_memalign(al, n); if (!p) return ENOMEM; *out = p; return 0; }
