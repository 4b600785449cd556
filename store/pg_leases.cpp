#include "store/pg_leases.h"

#include <stdexcept>

namespace lapor::store::pg {

std::string node_lease_name(std::uint8_t node_id) { return "node:" + std::to_string(node_id); }

std::optional<std::int64_t> acquire_or_renew(connection& c, const std::string& name, const std::string& holder,
                                             std::int64_t ttl_ms, std::string& error) {
  params p;
  p.add(name).add(holder).add(ttl_ms);
  auto r = c.exec(
      "INSERT INTO leases(name, holder, token, expires_at)"
      " VALUES ($1, $2, 1, clock_timestamp() + $3::bigint * interval '1 millisecond')"
      " ON CONFLICT (name) DO UPDATE SET"
      "  token = CASE WHEN leases.holder = excluded.holder AND leases.expires_at >= clock_timestamp()"
      "          THEN leases.token ELSE leases.token + 1 END,"
      "  holder = excluded.holder, expires_at = excluded.expires_at"
      " WHERE leases.holder = excluded.holder OR leases.expires_at < clock_timestamp()"
      " RETURNING token",
      p);
  if (!r.ok()) {
    error = r.error();
    return std::nullopt;
  }
  if (r.rows() == 0) return std::nullopt;
  return r.int64(0, 0);
}

void acquire_node_lease(connection& c, const options& opts) {
  std::string error;
  const auto name = node_lease_name(opts.node_id);
  if (acquire_or_renew(c, name, opts.instance_id, opts.lease_ttl_ms, error)) return;
  if (!error.empty()) throw std::runtime_error("taking the node lease: " + error);
  throw std::runtime_error("node_id_in_use: another running node holds tracking.node_id " + std::to_string(opts.node_id) +
                           " (lease " + name + "); give each node its own node_id");
}

void release(connection& c, const std::string& name, const std::string& holder) {
  params p;
  p.add(name).add(holder);
  (void)c.exec("UPDATE leases SET expires_at = clock_timestamp() - interval '1 millisecond' WHERE name = $1 AND holder = $2",
               p);
}

void release_all(connection& c, const std::string& holder) {
  params p;
  p.add(holder);
  (void)c.exec("UPDATE leases SET expires_at = clock_timestamp() - interval '1 millisecond' WHERE holder = $1", p);
}

}  // namespace lapor::store::pg
