// Leases in PostgreSQL (cluster mode): a row per name with its holder, a fencing token and
// an expiry on the server's clock (nodes' clocks never compare with one another).
//
// Acquire or renew is one statement: the holder renews its own lease (token kept); anyone
// takes an expired one (token + 1). A holder whose renewal matched no row lost the lease.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "store/pg_connection.h"
#include "store/store.h"

namespace lapor::store::pg {

// "node:<id>": the lease that keeps two nodes with one tracking.node_id from running at once.
[[nodiscard]] std::string node_lease_name(std::uint8_t node_id);

// The token when `holder` holds `name` now (renewed for ttl_ms), nullopt when another live
// holder has it; `error` set (and nullopt) when the statement failed.
[[nodiscard]] std::optional<std::int64_t> acquire_or_renew(connection& c, const std::string& name, const std::string& holder,
                                                           std::int64_t ttl_ms, std::string& error);

// Start-up: takes this node's lease or throws std::runtime_error "node_id_in_use: …".
void acquire_node_lease(connection& c, const options& opts);

// Lets `holder`'s lease `name` expire now (given back).
void release(connection& c, const std::string& name, const std::string& holder);

// Lets every lease of `holder` expire now (a clean stop: the others take over at once).
void release_all(connection& c, const std::string& holder);

}  // namespace lapor::store::pg
