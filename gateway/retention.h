// Retention of personal data (issue 15; UU 27/2022 asks that data be kept no longer than its
// purpose needs). The gateway is a transit point, not the system of record: retention.days
// after the dispatcher confirmed a complaint, its content, the reporter's identity and its
// photos are erased from data_dir. What stays answers status pages and CEK: the tracking ID,
// the state (received / forwarded / duplicate of …), the dates, the kind and SLA dates, and the
// region code. The duplicate sketch and identity links go too: by then they are past the
// duplicate window (config requires retention.days >= dedup.window_days), so nothing of the
// identity is kept, not even a hash.
//
// A sweeper thread runs a pass at start and then every retention.check_interval_s:
//  1. the store's scanner (its own read-only connection) lists eligible complaints in batches;
//  2. each batch is erased by the writer in one transaction (group_writer::erase_personal_data:
//     document emptied, status_meta replaced by erased_status_meta(), idempotency key, sketch
//     and identity links deleted), with SQLite's secure_delete zeroing the freed bytes and an
//     incremental vacuum returning free pages to the file system;
//  3. finished outbox rows older than the cut-off lose their payloads (reply SMS and posts,
//     duplicate links, corrections), by outbox id ranges;
//  4. the photos the erased complaints listed are deleted from data_dir/attachments unless a
//     complaint not yet erased lists the same photo;
//  5. the WAL is checkpointed and truncated, so no old page image of an erased row survives.
// In cluster mode the node holding the "retention" lease erases and scrubs the shared
// database (an erasure is conditional on what was scanned, so a former holder still finishing
// its batch never erases twice), and every node deletes the photos in its own data_dir that no
// complaint lists any more.
// The clock is injected (tests erase "31 days later" at once).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "store/store.h"

namespace lapor::store {
class retention_scanner;
}

namespace lapor::gateway {

// Cluster mode: the lease whose holder erases and scrubs (store::leases).
inline constexpr std::string_view retention_lease = "retention";

struct retention_options {
  int days = 30;                         // after the dispatcher's confirmation
  std::chrono::seconds interval{3600};   // between passes
  std::string db_path;                   // data_dir/lapor.db
  // Cluster mode (store.backend = "postgres"): the cluster's database instead of db_path; no
  // WAL to truncate; and since another node may have erased a complaint whose photos sit in
  // this node's attachments_dir, photo files older than the cut-off (and an hour) that no
  // complaint lists any more are deleted too.
  std::optional<store::options> cluster;
  // Cluster mode: whether this node erases and scrubs this pass (it holds the "retention"
  // lease); every node still sweeps its own photos. Empty = always.
  std::function<bool()> may_erase;
  std::string attachments_dir;           // data_dir/attachments
  int batch = 256;                       // complaints per erase transaction
  std::int64_t outbox_chunk = 5000;      // outbox ids per scrub transaction
  std::function<std::int64_t()> now_ms;  // wall clock, ms since the epoch; empty = system clock
};

// The status_meta an erased complaint keeps: `meta` without the reporter's identity (the masked
// identity of dedup evidence), plus "erased_at" (RFC 3339). Kind, SLA dates, flags, region
// code and the dedup decision (which tracking ID it duplicates) stay.
[[nodiscard]] std::string erased_status_meta(std::string_view meta, std::int64_t erased_at_ms);

// The SHA-256 names of the photos a stored document lists: a lapor.complaint/v1's
// attachments, or those of the complaint a lapor.duplicate/v1 carries. Only 64-hex names.
[[nodiscard]] std::vector<std::string> attachment_hashes(std::string_view document);

class retention_sweeper {
 public:
  retention_sweeper(retention_options o, store::group_writer& writer);
  ~retention_sweeper();
  retention_sweeper(const retention_sweeper&) = delete;
  retention_sweeper& operator=(const retention_sweeper&) = delete;

  struct pass_result {
    std::size_t complaints = 0;   // erased in this pass
    std::size_t payloads = 0;     // outbox payloads scrubbed
    std::size_t attachments = 0;  // photo files deleted
    bool wal_truncated = false;
    std::string error;            // empty when the pass ran to its end
  };
  // One pass on the caller's thread; blocks until the writer committed each batch. Opens the
  // scanner on first use (the database must exist). Thread-safe against the sweeper thread.
  pass_result run_pass();

  // A pass now, then one every interval, on a thread of its own, until stop().
  void start();
  void stop();  // idempotent; waits for a pass under way

 private:
  void loop();
  // Cluster mode: photo files in attachments_dir last written before `cutoff_ms`.
  void old_photo_files(std::int64_t cutoff_ms, std::set<std::string>& photos) const;
  [[nodiscard]] std::int64_t now_ms() const;

  retention_options opts_;
  store::group_writer& writer_;
  std::unique_ptr<store::retention_scanner> scanner_;
  std::mutex pass_mutex_;  // one pass at a time
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace lapor::gateway
