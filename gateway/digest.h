// Hashes and MACs the channels need (OpenSSL), as lowercase hex.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lapor::gateway {

[[nodiscard]] std::string sha256_hex(std::string_view data);
// SHA-256 of a file's bytes, read in pieces (backups are large); nullopt when it cannot be read.
[[nodiscard]] std::optional<std::string> sha256_file_hex(const std::string& path);
[[nodiscard]] std::string hmac_sha256_hex(std::string_view key, std::string_view data);
// Constant-time comparison of two strings (length may leak, content does not).
[[nodiscard]] bool constant_time_equal(std::string_view a, std::string_view b) noexcept;
[[nodiscard]] std::string to_hex(const unsigned char* p, std::size_t n);
// Cryptographically random bytes; throws std::runtime_error if the RNG fails.
void random_bytes(unsigned char* out, std::size_t n);

}  // namespace lapor::gateway
