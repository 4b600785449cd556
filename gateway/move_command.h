// `lapor-gateway move-to-cluster --config FILE`: moves a stopped single SQLite node into a
// cluster (README "Cluster mode"): its data_dir's lapor.db is copied into the PostgreSQL
// that FILE (with store.backend = "postgres") names, by store/move_to_cluster.h. Prints what
// it copied; exit 0 done, 1 refused or failed (nothing written then).
#pragma once

#include "gateway/config.h"

namespace lapor::gateway {

[[nodiscard]] int run_move_to_cluster(const config& cfg);

}  // namespace lapor::gateway
