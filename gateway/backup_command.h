// `lapor-gateway backup` and `lapor-gateway restore`: the operator's commands around
// store/backup.h (the consistent copy, the integrity check), with what makes a copy usable on
// another machine: its checksum file, the tracking key, and the refusal to touch a running node.
//
// A backup of PATH is:
//   PATH               the database as of one instant (store::backup_database)
//   PATH.tracking.key  data_dir/tracking.key, when the config does not set tracking.key:
//                      without it the tracking IDs already given out no longer decode
//   PATH.sha256        "<hex>  <name>" per file, the format `sha256sum -c` reads
// When PATH is a folder, the files are named lapor-<UTC time>.db … inside it.
//
// Both print one line per step to stdout (errors to stderr) and return the exit status:
// 0 done, 1 refused or failed (nothing installed by a restore that failed).
#pragma once

#include <string>

#include "gateway/config.h"

namespace lapor::gateway {

[[nodiscard]] int run_backup(const config& cfg, const std::string& to);

// Refused when PATH.sha256 is missing or does not match, when integrity_check fails, when a
// daemon holds data_dir (data_dir_lock.h), and when data_dir already has a database (or
// another tracking.key) unless `force`.
[[nodiscard]] int run_restore(const config& cfg, const std::string& from, bool force);

}  // namespace lapor::gateway
