#include "gateway/move_command.h"

#include <filesystem>
#include <iostream>

#include "gateway/data_dir_lock.h"
#include "gateway/startup.h"
#include "store/move_to_cluster.h"

namespace lapor::gateway {

int run_move_to_cluster(const config& cfg) {
  if (cfg.store.backend != "postgres") {
    std::cerr << "lapor-gateway: move-to-cluster needs store.backend = \"postgres\" and store.postgres.conninfo\n";
    return 1;
  }
  const auto db_path = (std::filesystem::path(cfg.data_dir) / "lapor.db").string();
  if (!std::filesystem::exists(db_path)) {
    std::cerr << "lapor-gateway: no database to move at " << db_path << "\n";
    return 1;
  }
  // The node must be stopped: what it acknowledges meanwhile would stay behind.
  std::string lock_error;
  const auto lock = data_dir_lock::try_acquire(cfg.data_dir, lock_error);
  if (!lock) {
    std::cerr << "lapor-gateway: " << lock_error << " (stop the node first)\n";
    return 1;
  }
  try {
    store::options o;
    o.backend = store::backend_kind::postgres;
    o.postgres_conninfo = cfg.store.postgres_conninfo;
    o.node_id = static_cast<std::uint8_t>(cfg.tracking.node_id);
    o.key_fingerprint = tracking_key_fingerprint(load_tracking_key(cfg.tracking.key, cfg.data_dir));
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    const auto since = now_ms - std::int64_t{cfg.dedup.window_days} * 24 * 3600 * 1000;
    const auto r = store::move_to_cluster(db_path, o, since);
    std::cout << "moved " << db_path << " into the cluster as node " << cfg.tracking.node_id << ": " << r.complaints
              << " complaints (" << r.skipped << " already there), " << r.outbox_open << " pending or dead outbox rows, " << r.outbox_sent << " delivered, "
              << r.keys << " idempotency keys, " << r.sketches << " dedup sketches, " << r.links << " identity links, "
              << r.promises << " reply promises, " << r.cursors << " cursors, " << r.parts << " long-SMS parts\n"
              << "start the node with store.backend = \"postgres\"; keep " << db_path << " until its rows were delivered\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "lapor-gateway: move-to-cluster failed, nothing written: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace lapor::gateway
