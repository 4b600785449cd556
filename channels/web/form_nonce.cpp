#include "channels/web/form_nonce.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "gateway/digest.h"

namespace lapor::web {

namespace g = lapor::gateway;

std::string form_nonce::mac(std::string_view ts, std::string_view id) const {
  std::string msg = "lapor-form\n";
  msg.append(ts).append("\n").append(id);
  return g::hmac_sha256_hex(key_, msg).substr(0, 32);
}

std::string form_nonce::result_tag(std::string_view facts) const {
  std::string msg = "lapor-result\n";
  msg.append(facts);
  return g::hmac_sha256_hex(key_, msg).substr(0, 32);
}

std::string form_nonce::issue(std::int64_t now_s) const {
  unsigned char r[16];
  g::random_bytes(r, sizeof r);
  auto id = g::to_hex(r, sizeof r);
  auto ts = std::to_string(now_s);
  return ts + "." + id + "." + mac(ts, id);
}

form_nonce::checked form_nonce::verify(std::string_view nonce, std::int64_t now_s, std::int64_t max_age_s) const {
  auto d1 = nonce.find('.');
  auto d2 = d1 == std::string_view::npos ? d1 : nonce.find('.', d1 + 1);
  if (d2 == std::string_view::npos || nonce.size() > 100) return {};
  auto ts = nonce.substr(0, d1), id = nonce.substr(d1 + 1, d2 - d1 - 1), sig = nonce.substr(d2 + 1);
  std::int64_t issued = 0;
  auto [p, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), issued);
  if (ec != std::errc{} || p != ts.data() + ts.size() || id.size() != 32 || sig.size() != 32) return {};
  if (id.find_first_not_of("0123456789abcdef") != std::string_view::npos) return {};
  if (!g::constant_time_equal(mac(ts, id), sig)) return {verdict::forged, {}};
  if (issued > now_s + 300 || now_s - issued > max_age_s) return {verdict::expired, {}};
  return {verdict::ok, std::string(id)};
}

std::string load_form_key(const std::string& data_dir) {
  namespace fs = std::filesystem;
  const auto path = (fs::path(data_dir) / "web_form.key").string();
  {
    std::ifstream in(path);
    std::string hex;
    if (in >> hex && hex.size() == 64 && hex.find_first_not_of("0123456789abcdef") == std::string::npos) return hex;
  }
  unsigned char r[32];
  g::random_bytes(r, sizeof r);
  const auto hex = g::to_hex(r, sizeof r);
  const auto tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + tmp);
  const std::string line = hex + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot write " + path);
  return hex;
}

}  // namespace lapor::web
