// Content-addressed attachment files: data_dir/attachments/<sha256 hex>.
//
// An upload is written to a temp file under data_dir/tmp while it is hashed (SHA-256), so a
// photo never has to sit whole in memory; keep() fsyncs it and renames it to its hash, then
// fsyncs the folder, so a photo referenced by an acknowledged complaint survives a crash.
// Keeping the same content twice is harmless (same name, same bytes). An upload that is not
// kept is removed when it is destroyed. Temp files left by a crash are removed at start-up.
//
// Blocking file I/O: call from a worker thread, not from an Asio thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header

namespace lapor::gateway {

class attachment_store {
 public:
  // Creates data_dir/tmp and data_dir/attachments. Throws std::runtime_error (start-up only).
  explicit attachment_store(std::string data_dir);

  class upload {
   public:
    upload(upload&& o) noexcept;
    upload& operator=(upload&& o) noexcept;
    upload(const upload&) = delete;
    ~upload();

    // Appends and hashes; false on an I/O error (the upload is then unusable).
    [[nodiscard]] bool write(std::string_view bytes);
    [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
    // The first bytes written (up to image_sniff_bytes), for type sniffing.
    [[nodiscard]] std::string_view head() const noexcept { return head_; }
    // Ends the upload: flushes to disk and returns the lowercase hex SHA-256; nullopt on error.
    [[nodiscard]] std::optional<std::string> finish();
    [[nodiscard]] const std::string& sha256() const noexcept { return sha256_; }

   private:
    friend class attachment_store;
    upload(int fd, std::string temp_path);
    void release() noexcept;
    int fd_ = -1;
    std::string temp_path_;
    evp_md_ctx_st* ctx_ = nullptr;
    std::uint64_t size_ = 0;
    std::string head_;
    std::string sha256_;
    bool failed_ = false;
  };

  // A new temp file; nullopt when it cannot be created.
  [[nodiscard]] std::optional<upload> begin();
  // Moves a finished upload to attachments/<sha256> and makes the move durable.
  [[nodiscard]] bool keep(upload& u);
  // Writes `bytes` as one upload and keeps it; the SHA-256, or nullopt on an I/O error.
  [[nodiscard]] std::optional<std::string> keep_bytes(std::string_view bytes);

  [[nodiscard]] std::string path_of(std::string_view sha256) const;
  [[nodiscard]] const std::string& folder() const noexcept { return attachments_dir_; }

 private:
  std::string tmp_dir_, attachments_dir_;
};

// The lowercase hex SHA-256 of a file's content, read in chunks; nullopt on an I/O error.
// Blocking: for a worker thread.
[[nodiscard]] std::optional<std::string> sha256_of_file(const std::string& path);

}  // namespace lapor::gateway
