// Moving a single SQLite node into a cluster (README "Cluster mode"): copies what a cluster
// must know of the node into PostgreSQL, in one transaction, so the node (with its
// tracking.node_id) restarts as a cluster node without losing a promise:
//  - every complaint (status pages and CEK answer for all of them), every outbox row still
//    pending or dead, and the delivered 'dispatcher' row of each complaint (its state);
//  - the sketches and idempotency keys of the dedup window (retries of what the node
//    acknowledged are still recognised), every identity link, the reply promises of the
//    window;
//  - the cursors (Twitter since_id) and the long-SMS parts still open.
// Complaints already in PostgreSQL (a second run) are skipped, not overwritten. The SQLite
// database is only read; the node must be stopped (the caller checks).
#pragma once

#include <cstdint>
#include <string>

#include "store/store.h"

namespace lapor::store {

struct move_report {
  std::int64_t complaints = 0, skipped = 0, outbox_open = 0, outbox_sent = 0, keys = 0, sketches = 0, links = 0, cursors = 0, parts = 0,
               promises = 0;
};

// `sqlite_path`: the node's lapor.db; `cluster`: options with backend postgres (conninfo,
// node_id, key_fingerprint — checked or recorded first). Throws std::runtime_error on any
// error; then nothing was written.
[[nodiscard]] move_report move_to_cluster(const std::string& sqlite_path, const options& cluster, std::int64_t since_ms);

}  // namespace lapor::store
