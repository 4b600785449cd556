// Start-up chores of the daemon, kept out of main.cpp: command line, the tracking key file,
// ports.json.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gateway/tracking_id.h"

namespace lapor::gateway {

struct command_line {
  // "" runs the daemon; "backup" (--to PATH) and "restore" (--from PATH [--force]) are the
  // commands of gateway/backup_command.h, given first: `lapor-gateway backup --config F --to P`;
  // "move-to-cluster" is gateway/move_command.h's.
  std::string command;
  std::string to, from;
  bool force = false;
  std::optional<std::string> config_file;
  std::vector<std::string> overrides;  // "key=value", in order
  bool check_config = false;
  bool help = false;
};

// nullopt + `error` for an unknown option or a missing argument.
[[nodiscard]] std::optional<command_line> parse_command_line(int argc, char** argv, std::string& error);

// The configured key (32 hex digits) or the one in <data_dir>/tracking.key, created with
// fresh random bytes (mode 0600) on first start. Throws std::runtime_error on I/O failure.
[[nodiscard]] tracking_key load_tracking_key(const std::string& configured_hex, const std::string& data_dir);

// Who this installation is in a cluster's leases: 32 hex digits in <data_dir>/node-instance,
// created on first start. A restart of the same node takes its own lease back at once; a
// second node configured with the same tracking.node_id (another data_dir) is refused.
[[nodiscard]] std::string load_instance_id(const std::string& data_dir);

// What the cluster compares so that every node uses one tracking key (store/pg_schema.h).
[[nodiscard]] std::string tracking_key_fingerprint(const tracking_key& key);

// Writes {"web":…,"admin":…,"smpp":…} atomically (temp file + rename).
void write_ports_file(const std::string& data_dir, const std::map<std::string, int>& ports);

}  // namespace lapor::gateway
