/* An LD_PRELOAD shim for fault-injection tests: while the file named by LAPOR_FSYNC_FAULT
 * exists, fsync() and fdatasync() fail with EIO (what a dying disk or a lost NFS server
 * gives). Nothing else changes, so a test can switch the fault on and off from outside the
 * process and watch the daemon refuse, then recover. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static int fault_on(void) {
  const char* trigger = getenv("LAPOR_FSYNC_FAULT");
  return trigger && *trigger && access(trigger, F_OK) == 0;
}

int fsync(int fd) {
  static int (*real)(int);
  if (fault_on()) {
    errno = EIO;
    return -1;
  }
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  return real(fd);
}

int fdatasync(int fd) {
  static int (*real)(int);
  if (fault_on()) {
    errno = EIO;
    return -1;
  }
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  return real(fd);
}
