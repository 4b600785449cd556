#include "store/wal_sync.h"

#include <sqlite3.h>

namespace lapor::store {

wal_sync::~wal_sync() { close(); }

void wal_sync::close() noexcept {
  if (!open_) return;
  auto* f = reinterpret_cast<sqlite3_file*>(file_.get());
  if (f->pMethods != nullptr) f->pMethods->xClose(f);
  open_ = false;
}

int wal_sync::sync(const std::string& wal_path, std::uint64_t generation) {
  if (open_ && generation != generation_) close();
  if (!open_) {
    sqlite3_vfs* vfs = sqlite3_vfs_find(vfs_.empty() ? nullptr : vfs_.c_str());
    if (vfs == nullptr) {
      error_ = "WAL sync: no VFS " + vfs_;
      return SQLITE_ERROR;
    }
    file_ = std::make_unique<unsigned char[]>(static_cast<std::size_t>(vfs->szOsFile));
    auto* f = reinterpret_cast<sqlite3_file*>(file_.get());
    f->pMethods = nullptr;
    int out_flags = 0;
    // The WAL exists: the connection committed into it before asking for its sync.
    const int rc = vfs->xOpen(vfs, wal_path.c_str(), f, SQLITE_OPEN_READWRITE | SQLITE_OPEN_WAL, &out_flags);
    if (rc != SQLITE_OK) {
      if (f->pMethods != nullptr) f->pMethods->xClose(f);
      error_ = "WAL sync: cannot open " + wal_path + " (" + sqlite3_errstr(rc) + ")";
      return rc;
    }
    open_ = true;
    generation_ = generation;
  }
  auto* f = reinterpret_cast<sqlite3_file*>(file_.get());
  const int rc = f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
  if (rc != SQLITE_OK) {
    error_ = std::string("disk I/O error: fsync of the WAL failed (") + sqlite3_errstr(rc) + ")";
    close();
  }
  return rc;
}

}  // namespace lapor::store
