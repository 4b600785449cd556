// Leases: what only one node of a cluster may do at a time (SPEC §9) — run as a given
// tracking.node_id, poll Twitter, hold an SMPP client bind of an account that caps sessions.
//
// SQLite (one node): this node holds every lease, token 1. PostgreSQL: a thread with its
// own connection renews this node's lease and every lease it competes for (want()) each
// ttl/3, and takes a wanted lease that expired. held() answers from memory and says "held"
// only up to 2/3 of the ttl after the last successful renewal, so a node cut off from the
// database stops acting before anyone else can take over. Writes that must not come from a
// former holder carry the token (group_writer::set_cursor with a fence).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.h"

namespace lapor::store {

class leases {
 public:
  // PostgreSQL: connects lazily in the thread; `opts` as for the group_writer.
  explicit leases(const options& opts);
  ~leases();
  leases(const leases&) = delete;
  leases& operator=(const leases&) = delete;

  // Compete for `name` from now on (thread-safe, idempotent).
  void want(const std::string& name);
  // Stop competing for `name`; if held, it expires now so another node takes it.
  void release(const std::string& name);
  // The fencing token while this node holds `name`, else nullopt.
  [[nodiscard]] std::optional<std::int64_t> held(const std::string& name) const;
  // Called once (on the lease thread) when this node's own lease was taken by another
  // holder: the node must stop, it may no longer assign tracking IDs.
  void on_node_lease_lost(std::function<void()> f);
  // `name` + ":" + this node's id: a lease only this node competes for, renewed like the
  // others while wanted, which tells the other nodes that this node can do something (e.g.
  // "smpp_binds:telkomsel:2": it has a bind of that operator that can carry replies).
  [[nodiscard]] std::string own_name(const std::string& name) const;
  // True while another node holds a lease whose name begins with `prefix` (as of the last
  // round, every ttl/3). One node: false.
  [[nodiscard]] bool others_hold(std::string_view prefix) const;
  // The lease that keeps two nodes with one tracking.node_id from running at once.
  [[nodiscard]] static std::string node_lease_name(std::uint8_t node_id);
  // Stops renewing and lets this node's leases expire now, so another node takes over.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace lapor::store
