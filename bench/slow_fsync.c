// An LD_PRELOAD shim that makes every fsync and fdatasync of the process it is loaded into
// take SLOW_SYNC_US microseconds longer (default 2000), to measure the daemon as it would run
// on a disk whose flushes are slow (network block storage, disks that honour cache flushes).
// The real call still runs after the sleep: durability is unchanged, only slower.
//
//   cc -O2 -shared -fPIC -o /tmp/slow_fsync.so bench/slow_fsync.c -ldl
//   LD_PRELOAD=/tmp/slow_fsync.so SLOW_SYNC_US=2000 build/lapor-gateway --config ...
//
// bench/run_smpp_load.sh passes LD_PRELOAD on to the daemon it starts (run M in RESULTS.md).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

static useconds_t delay_us(void) {
  static useconds_t us = (useconds_t)-1;
  if (us == (useconds_t)-1) {
    const char* s = getenv("SLOW_SYNC_US");
    us = s != NULL ? (useconds_t)strtoul(s, NULL, 10) : 2000;
  }
  return us;
}

int fsync(int fd) {
  static int (*real)(int);
  if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  usleep(delay_us());
  return real(fd);
}

int fdatasync(int fd) {
  static int (*real)(int);
  if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  usleep(delay_us());
  return real(fd);
}
