#include "store/fault_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <mutex>
#include <stdexcept>

namespace lapor::store::fault_vfs {

namespace {

constexpr const char* vfs_name = "lapor-fault";

std::atomic<int> syncs_to_fail{0};
std::atomic<int> syncs_failed{0};

sqlite3_vfs* real_vfs = nullptr;
sqlite3_vfs fault{};

// Our file object, followed in memory by the real VFS's file object.
struct fault_file {
  sqlite3_file base;
  sqlite3_file* real;
};

sqlite3_file* real_of(sqlite3_file* f) { return reinterpret_cast<fault_file*>(f)->real; }

int x_close(sqlite3_file* f) { return real_of(f)->pMethods->xClose(real_of(f)); }
int x_read(sqlite3_file* f, void* p, int n, sqlite3_int64 off) { return real_of(f)->pMethods->xRead(real_of(f), p, n, off); }
int x_write(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
  return real_of(f)->pMethods->xWrite(real_of(f), p, n, off);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) { return real_of(f)->pMethods->xTruncate(real_of(f), size); }
bool take_sync_failure() noexcept {
  int n = syncs_to_fail.load();
  while (n > 0) {
    if (syncs_to_fail.compare_exchange_weak(n, n - 1)) {
      syncs_failed.fetch_add(1);
      return true;
    }
  }
  return false;
}

int x_sync(sqlite3_file* f, int flags) {
  if (take_sync_failure()) return SQLITE_IOERR_FSYNC;
  return real_of(f)->pMethods->xSync(real_of(f), flags);
}
int x_file_size(sqlite3_file* f, sqlite3_int64* size) { return real_of(f)->pMethods->xFileSize(real_of(f), size); }
int x_lock(sqlite3_file* f, int l) { return real_of(f)->pMethods->xLock(real_of(f), l); }
int x_unlock(sqlite3_file* f, int l) { return real_of(f)->pMethods->xUnlock(real_of(f), l); }
int x_check_reserved(sqlite3_file* f, int* out) { return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out); }
int x_file_control(sqlite3_file* f, int op, void* arg) { return real_of(f)->pMethods->xFileControl(real_of(f), op, arg); }
int x_sector_size(sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
int x_device_characteristics(sqlite3_file* f) { return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f)); }
int x_shm_map(sqlite3_file* f, int pg, int sz, int extend, void volatile** p) {
  return real_of(f)->pMethods->xShmMap(real_of(f), pg, sz, extend, p);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
int x_shm_unmap(sqlite3_file* f, int del) { return real_of(f)->pMethods->xShmUnmap(real_of(f), del); }
int x_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** p) { return real_of(f)->pMethods->xFetch(real_of(f), off, n, p); }
int x_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) { return real_of(f)->pMethods->xUnfetch(real_of(f), off, p); }

const sqlite3_io_methods methods = {
    3,           x_close,       x_read,      x_write,        x_truncate,       x_sync,
    x_file_size, x_lock,        x_unlock,    x_check_reserved, x_file_control, x_sector_size,
    x_device_characteristics, x_shm_map, x_shm_lock, x_shm_barrier, x_shm_unmap, x_fetch, x_unfetch,
};

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* f = reinterpret_cast<fault_file*>(file);
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->real->pMethods = nullptr;
  const int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
  // SQLite calls xClose whenever pMethods is set, even after a failed open.
  f->base.pMethods = f->real->pMethods != nullptr ? &methods : nullptr;
  return rc;
}

}  // namespace

const char* name() {
  static std::once_flag once;
  std::call_once(once, [] {
    real_vfs = sqlite3_vfs_find(nullptr);
    if (real_vfs == nullptr || real_vfs->iVersion < 2) throw std::runtime_error("no usable default SQLite VFS");
    fault = *real_vfs;
    fault.szOsFile = static_cast<int>(sizeof(fault_file)) + real_vfs->szOsFile;
    fault.zName = vfs_name;
    fault.pNext = nullptr;
    fault.xOpen = x_open;
    if (sqlite3_vfs_register(&fault, 0) != SQLITE_OK) throw std::runtime_error("cannot register the fault VFS");
  });
  return vfs_name;
}

void fail_next_syncs(int n) noexcept { syncs_to_fail.store(n); }

int failed_syncs() noexcept { return syncs_failed.load(); }

}  // namespace lapor::store::fault_vfs
