// The writer's own fsync of the WAL, so that a group's fsync overlaps the next group's work.
//
// With synchronous=FULL, COMMIT returns after SQLite fsync'd the WAL, and the writer thread
// waits through every fsync: a group's statements and the previous group's sync never
// overlap. With synchronous=NORMAL, SQLite still syncs the WAL header when the WAL restarts
// and the WAL before every checkpoint, but not at COMMIT; a transaction is then durable once
// the WAL file is fsync'd after its COMMIT returned. That is what sync() does, on the
// group writer's syncer thread, through a second handle on the WAL opened with the
// connection's VFS (so the fault-injection VFS fails it too, and no file descriptor of
// SQLite's is shared between threads).
//
// The handle is reopened when the writer's connection was reopened (its generation
// changed): the last connection to close deletes the WAL, and a handle on a deleted file
// would sync nothing that matters.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace lapor::store {

class wal_sync {
 public:
  explicit wal_sync(std::string vfs) noexcept : vfs_(std::move(vfs)) {}
  ~wal_sync();
  wal_sync(const wal_sync&) = delete;
  wal_sync& operator=(const wal_sync&) = delete;

  // fsyncs the WAL at `wal_path` of connection generation `generation`. Returns a SQLite
  // result code (0 = SQLITE_OK); `error()` says what failed.
  [[nodiscard]] int sync(const std::string& wal_path, std::uint64_t generation);
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

 private:
  void close() noexcept;

  std::string vfs_;
  std::unique_ptr<unsigned char[]> file_;  // the VFS's sqlite3_file, szOsFile bytes
  bool open_ = false;
  std::uint64_t generation_ = 0;
  std::string error_;
};

}  // namespace lapor::store
