#include "gateway/startup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string_view>

#include "gateway/digest.h"

namespace lapor::gateway {

std::optional<command_line> parse_command_line(int argc, char** argv, std::string& error) {
  command_line cl;
  int first = 1;
  if (argc > 1 && (std::string_view(argv[1]) == "backup" || std::string_view(argv[1]) == "restore" ||
                   std::string_view(argv[1]) == "move-to-cluster")) {
    cl.command = argv[1];
    first = 2;
  }
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const std::string& name) -> std::optional<std::string> {
      if (a.starts_with(name + "=")) return a.substr(name.size() + 1);
      if (a == name) {
        if (i + 1 >= argc) {
          error = name + " needs a value";
          return std::nullopt;
        }
        return std::string(argv[++i]);
      }
      return std::nullopt;
    };
    if (a == "--help" || a == "-h") cl.help = true;
    else if (a == "--check-config") cl.check_config = true;
    else if (a == "--config" || a.starts_with("--config=")) {
      auto v = value("--config");
      if (!v) return std::nullopt;
      cl.config_file = *v;
    } else if (a == "--set" || a.starts_with("--set=")) {
      auto v = value("--set");
      if (!v) return std::nullopt;
      cl.overrides.push_back(*v);
    } else if (a == "--log-format" || a.starts_with("--log-format=")) {
      auto v = value("--log-format");
      if (!v) return std::nullopt;
      cl.overrides.push_back("log_format=" + *v);
    } else if (cl.command == "backup" && (a == "--to" || a.starts_with("--to="))) {
      auto v = value("--to");
      if (!v) return std::nullopt;
      cl.to = *v;
    } else if (cl.command == "restore" && (a == "--from" || a.starts_with("--from="))) {
      auto v = value("--from");
      if (!v) return std::nullopt;
      cl.from = *v;
    } else if (cl.command == "restore" && a == "--force") {
      cl.force = true;
    } else {
      error = "unknown option " + a + " (see --help)";
      return std::nullopt;
    }
  }
  if (cl.command == "backup" && cl.to.empty()) {
    error = "backup needs --to PATH";
    return std::nullopt;
  }
  if (cl.command == "restore" && cl.from.empty()) {
    error = "restore needs --from PATH";
    return std::nullopt;
  }
  return cl;
}

namespace {
std::optional<tracking_key> parse_hex_key(const std::string& hex) {
  if (hex.size() != 32) return std::nullopt;
  tracking_key k{};
  for (std::size_t i = 0; i < 16; ++i) {
    unsigned v = 0;
    for (int j = 0; j < 2; ++j) {
      char c = hex[2 * i + j];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else return std::nullopt;
    }
    k[i] = static_cast<std::uint8_t>(v);
  }
  return k;
}
}  // namespace

namespace {

// Writes `text` to `path` (mode 0600) through a synced temporary file and a rename.
void write_private_file(const std::filesystem::path& path, const std::string& text) {
  const auto tmp = path.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + tmp);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

tracking_key load_tracking_key(const std::string& configured_hex, const std::string& data_dir) {
  if (!configured_hex.empty()) {
    auto k = parse_hex_key(configured_hex);
    if (!k) throw std::runtime_error("tracking.key: expected 32 hex digits");
    return *k;
  }
  const auto path = std::filesystem::path(data_dir) / "tracking.key";
  if (std::ifstream in(path); in) {
    std::string hex;
    in >> hex;
    auto k = parse_hex_key(hex);
    if (!k) throw std::runtime_error(path.string() + ": expected 32 hex digits");
    return *k;
  }
  tracking_key k{};
  random_bytes(k.data(), k.size());
  write_private_file(path, to_hex(k.data(), k.size()) + "\n");
  return k;
}

std::string load_instance_id(const std::string& data_dir) {
  const auto path = std::filesystem::path(data_dir) / "node-instance";
  if (std::ifstream in(path); in) {
    std::string id;
    in >> id;
    if (id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos) return id;
    throw std::runtime_error(path.string() + ": expected 32 hex digits");
  }
  unsigned char b[16];
  random_bytes(b, sizeof b);
  std::string id = to_hex(b, sizeof b);
  write_private_file(path, id + "\n");
  return id;
}

std::string tracking_key_fingerprint(const tracking_key& key) {
  // A keyed hash of a constant: equal keys give equal fingerprints, and it reveals nothing
  // of the key that the database's readers could use to compute tracking IDs.
  const std::string k(reinterpret_cast<const char*>(key.data()), key.size());
  return hmac_sha256_hex(k, "lapor-gateway tracking key fingerprint").substr(0, 32);
}

void write_ports_file(const std::string& data_dir, const std::map<std::string, int>& ports) {
  std::string json = "{";
  for (const auto& [name, port] : ports) {
    if (json.size() > 1) json += ",";
    json += "\"" + name + "\":" + std::to_string(port);
  }
  json += "}\n";
  const auto path = std::filesystem::path(data_dir) / "ports.json";
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << json;
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace lapor::gateway
