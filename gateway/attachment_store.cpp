#include "gateway/attachment_store.h"

#include "gateway/image_type.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <openssl/evp.h>

#include "gateway/digest.h"

namespace lapor::gateway {

namespace fs = std::filesystem;

namespace {

bool fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

attachment_store::attachment_store(std::string data_dir)
    : tmp_dir_((fs::path(data_dir) / "tmp").string()), attachments_dir_((fs::path(data_dir) / "attachments").string()) {
  std::error_code ec;
  fs::create_directories(tmp_dir_, ec);
  if (!ec) fs::create_directories(attachments_dir_, ec);
  if (ec) throw std::runtime_error("cannot create attachment folders under " + data_dir + ": " + ec.message());
  // Uploads a crash interrupted were never referenced by a stored complaint.
  for (const auto& e : fs::directory_iterator(tmp_dir_, ec)) {
    auto name = e.path().filename().string();
    if (name.starts_with("upload-") && name.ends_with(".part")) fs::remove(e.path(), ec);
  }
}

attachment_store::upload::upload(int fd, std::string temp_path) : fd_(fd), temp_path_(std::move(temp_path)) {
  ctx_ = EVP_MD_CTX_new();
  if (!ctx_ || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) failed_ = true;
}

attachment_store::upload::upload(upload&& o) noexcept
    : fd_(o.fd_), temp_path_(std::move(o.temp_path_)), ctx_(o.ctx_), size_(o.size_), head_(std::move(o.head_)),
      sha256_(std::move(o.sha256_)), failed_(o.failed_) {
  o.fd_ = -1;
  o.ctx_ = nullptr;
  o.temp_path_.clear();
}

void attachment_store::upload::release() noexcept {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  if (ctx_) EVP_MD_CTX_free(ctx_);
  fd_ = -1;
  ctx_ = nullptr;
  temp_path_.clear();
}

attachment_store::upload& attachment_store::upload::operator=(upload&& o) noexcept {
  if (this == &o) return *this;
  release();
  fd_ = o.fd_;
  temp_path_ = std::move(o.temp_path_);
  ctx_ = o.ctx_;
  size_ = o.size_;
  head_ = std::move(o.head_);
  sha256_ = std::move(o.sha256_);
  failed_ = o.failed_;
  o.fd_ = -1;
  o.ctx_ = nullptr;
  o.temp_path_.clear();
  return *this;
}

attachment_store::upload::~upload() { release(); }

bool attachment_store::upload::write(std::string_view bytes) {
  if (failed_ || fd_ < 0) return false;
  if (head_.size() < image_sniff_bytes) head_.append(bytes.substr(0, image_sniff_bytes - head_.size()));
  if (EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()) != 1) return !(failed_ = true);
  const auto total = bytes.size();
  while (!bytes.empty()) {
    auto n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return !(failed_ = true);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  size_ += total;
  return true;
}

std::optional<std::string> attachment_store::upload::finish() {
  if (failed_ || fd_ < 0) return std::nullopt;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_, md, &len) != 1) return std::nullopt;
  bool ok = ::fsync(fd_) == 0;
  ok = (::close(fd_) == 0) && ok;
  fd_ = -1;
  if (!ok) {
    failed_ = true;
    return std::nullopt;
  }
  sha256_ = to_hex(md, len);
  return sha256_;
}

std::optional<attachment_store::upload> attachment_store::begin() {
  unsigned char r[12];
  random_bytes(r, sizeof r);
  auto path = (fs::path(tmp_dir_) / ("upload-" + to_hex(r, sizeof r) + ".part")).string();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return std::nullopt;
  upload u(fd, std::move(path));
  if (u.failed_) return std::nullopt;
  return u;
}

bool attachment_store::keep(upload& u) {
  if (u.sha256_.empty() || u.temp_path_.empty()) return false;
  auto target = path_of(u.sha256_);
  if (::rename(u.temp_path_.c_str(), target.c_str()) != 0) return false;
  u.temp_path_.clear();  // now owned by the attachments folder
  return fsync_dir(attachments_dir_);
}

std::optional<std::string> attachment_store::keep_bytes(std::string_view bytes) {
  auto u = begin();
  if (!u || !u->write(bytes)) return std::nullopt;
  auto sha = u->finish();
  if (!sha || !keep(*u)) return std::nullopt;
  return sha;
}

std::optional<std::string> sha256_of_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1;
  std::string buffer(64 * 1024, '\0');
  while (ok) {
    auto n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = n == 0;
      break;
    }
    ok = EVP_DigestUpdate(ctx, buffer.data(), static_cast<std::size_t>(n)) == 1;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (ok) ok = EVP_DigestFinal_ex(ctx, md, &len) == 1;
  if (ctx) EVP_MD_CTX_free(ctx);
  ::close(fd);
  if (!ok) return std::nullopt;
  return to_hex(md, len);
}

std::string attachment_store::path_of(std::string_view sha256) const {
  return (fs::path(attachments_dir_) / std::string(sha256)).string();
}

}  // namespace lapor::gateway
