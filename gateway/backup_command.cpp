#include "gateway/backup_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "gateway/data_dir_lock.h"
#include "gateway/digest.h"
#include "store/backup.h"

namespace lapor::gateway {

namespace fs = std::filesystem;

namespace {

constexpr const char* database_name = "lapor.db";
constexpr const char* key_name = "tracking.key";

int refuse(const std::string& what) {
  std::cerr << "lapor-gateway: " << what << "\n";
  return 1;
}

std::string utc_stamp() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::optional<std::string> sync_path(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "cannot open " + path + ": " + std::strerror(errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return "fsync " + path + ": " + std::strerror(err);
  return std::nullopt;
}

std::string dir_of(const std::string& path) {
  const auto d = fs::path(path).parent_path();
  return d.empty() ? "." : d.string();
}

// Writes `bytes` to `path` through a temporary file, fsync'd and renamed (mode 0600).
std::optional<std::string> write_file_atomically(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot create " + tmp + ": " + std::strerror(errno);
  const bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::error_code ec;
    fs::remove(tmp, ec);
    return "cannot write " + path + ": " + std::strerror(ok ? errno : err);
  }
  return sync_path(dir_of(path), true);
}

// Copies a file through a temporary name in the destination's folder, fsync'd and renamed.
std::optional<std::string> copy_file_atomically(const std::string& from, const std::string& to) {
  std::ifstream in(from, std::ios::binary);
  if (!in) return "cannot read " + from;
  const std::string tmp = to + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot create " + tmp + ": " + std::strerror(errno);
  std::string buf(1 << 20, '\0');
  bool ok = true;
  while (ok && in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    for (std::size_t done = 0; ok && done < n;) {
      const ssize_t w = ::write(fd, buf.data() + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      ok = w > 0;
      if (ok) done += static_cast<std::size_t>(w);
    }
  }
  ok = ok && !in.bad() && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), to.c_str()) != 0) {
    std::error_code ec;
    fs::remove(tmp, ec);
    return "cannot write " + to + ": " + std::strerror(ok ? errno : err);
  }
  return sync_path(dir_of(to), true);
}

// The lines of PATH.sha256: (hex, file name in the backup's folder).
std::optional<std::vector<std::pair<std::string, std::string>>> read_manifest(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "no checksum file " + path + ": refusing an unverified copy";
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::string>> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    // "<64 hex>  <name>" (two spaces: sha256sum's text mode; '*' for binary mode).
    if (line.size() < 67 || line[64] != ' ' || (line[65] != ' ' && line[65] != '*') ||
        line.find_first_not_of("0123456789abcdef") < 64) {
      error = path + ": not a sha256sum line: " + line.substr(0, 80);
      return std::nullopt;
    }
    out.emplace_back(line.substr(0, 64), line.substr(66));
  }
  return out;
}

}  // namespace

int run_backup(const config& cfg, const std::string& to) {
  const std::string source = (fs::path(cfg.data_dir) / database_name).string();
  std::error_code ec;
  std::string db_path = to;
  if (fs::is_directory(to, ec)) db_path = (fs::path(to) / ("lapor-" + utc_stamp() + ".db")).string();
  const std::string name = fs::path(db_path).filename().string();
  if (fs::exists(db_path + ".sha256", ec)) return refuse(db_path + ".sha256 exists; a backup never overwrites");

  const auto started = std::chrono::steady_clock::now();
  if (auto e = store::backup_database(source, db_path)) return refuse("backup failed: " + *e);
  // The copy is checked here, where the source still exists, not first at the restore.
  if (auto e = store::check_database(db_path)) return refuse("the copy " + db_path + " failed its check: " + *e);

  std::vector<std::pair<std::string, std::string>> files{{db_path, name}};
  const auto key = fs::path(cfg.data_dir) / key_name;
  if (cfg.tracking.key.empty() && fs::exists(key, ec)) {
    const std::string key_copy = db_path + "." + key_name;
    if (auto e = copy_file_atomically(key.string(), key_copy)) return refuse(*e);
    files.emplace_back(key_copy, name + "." + key_name);
  }
  std::string manifest;
  for (const auto& [path, file_name] : files) {
    const auto hex = sha256_file_hex(path);
    if (!hex) return refuse("cannot read " + path + " to checksum it");
    manifest += *hex + "  " + file_name + "\n";
  }
  if (auto e = write_file_atomically(db_path + ".sha256", manifest)) return refuse(*e);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  std::cout << "backup " << db_path << " (" << fs::file_size(db_path, ec) << " bytes, integrity_check ok, " << ms.count()
            << " ms), checksums in " << db_path << ".sha256\n";
  return 0;
}

int run_restore(const config& cfg, const std::string& from, bool force) {
  std::string error;
  const auto manifest = read_manifest(from + ".sha256", error);
  if (!manifest) return refuse(error);
  const std::string folder = dir_of(from), name = fs::path(from).filename().string();
  bool has_database = false;
  std::optional<std::string> key_file;
  for (const auto& [hex, file_name] : *manifest) {
    const std::string path = (fs::path(folder) / file_name).string();
    const auto actual = sha256_file_hex(path);
    if (!actual) return refuse("cannot read " + path + ", listed in " + from + ".sha256");
    if (*actual != hex) return refuse("checksum mismatch for " + path + ": the copy is damaged or was changed");
    if (file_name == name) has_database = true;
    if (file_name == name + "." + key_name) key_file = path;
  }
  if (!has_database) return refuse(from + ".sha256 does not list " + name);
  if (auto e = store::check_database(from)) return refuse(from + " failed its check: " + *e);
  std::cout << "verified " << from << " (sha256, integrity_check ok)\n";

  std::error_code ec;
  fs::create_directories(cfg.data_dir, ec);
  fs::permissions(cfg.data_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  auto lock = data_dir_lock::try_acquire(cfg.data_dir, error);
  if (!lock) return refuse("refusing to restore: " + error + "; stop it first");

  const std::string target = (fs::path(cfg.data_dir) / database_name).string();
  if (!force && fs::exists(target, ec))
    return refuse(target + " exists; --force replaces it (and every complaint stored there since the backup)");
  const auto key_target = fs::path(cfg.data_dir) / key_name;
  if (key_file && !force && fs::exists(key_target, ec) && sha256_file_hex(key_target.string()) != sha256_file_hex(*key_file))
    return refuse(key_target.string() + " differs from the backup's; --force replaces it");

  // The copy goes in under a temporary name first; then the old database's WAL and shared
  // memory go (a stale WAL replayed onto the restored file would corrupt it), then the rename.
  const std::string incoming = target + ".restoring";
  if (auto e = copy_file_atomically(from, incoming)) return refuse(*e);
  for (const char* suffix : {"-wal", "-shm", "-journal"}) fs::remove(target + suffix, ec);
  if (std::rename(incoming.c_str(), target.c_str()) != 0) return refuse("rename " + incoming + ": " + std::strerror(errno));
  if (auto e = sync_path(cfg.data_dir, true)) return refuse(*e);
  if (key_file) {
    if (auto e = copy_file_atomically(*key_file, key_target.string())) return refuse(*e);
  }
  std::cout << "restored " << from << " into " << target << (key_file ? " (with tracking.key)" : "") << "\n";
  return 0;
}

}  // namespace lapor::gateway
