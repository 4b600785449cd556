// A SQLite VFS for fault injection in tests: it forwards everything to the default VFS and
// can make the next fsyncs fail, which is how a disk error surfaces at COMMIT (fsyncgate).
//
//   options o; o.path = file; o.vfs = fault_vfs::name();
//   fault_vfs::fail_next_syncs(1);   // the next commit fails with SQLITE_IOERR_FSYNC
//
// Process-wide and thread-safe; harmless when unused.
#pragma once

namespace lapor::store::fault_vfs {

// Registers the VFS (once, not as the default) and returns its name.
[[nodiscard]] const char* name();

// The next `n` xSync calls on any file opened through this VFS fail.
void fail_next_syncs(int n) noexcept;

// How many syncs have failed on purpose so far.
[[nodiscard]] int failed_syncs() noexcept;

}  // namespace lapor::store::fault_vfs
