#include "channels/mobile/request_signature.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "gateway/digest.h"
#include "gateway/ascii.h"
#include "gateway/tracking_id.h"

namespace lapor::mobile {

namespace g = lapor::gateway;

namespace {
constexpr std::string_view scheme = "LAPOR-HMAC-SHA256";
}  // namespace

static bool all_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Scheme and parameter names are case-insensitive (RFC 9110 §11.1, §11.2); a parameter given
// twice is an error, never "first wins": a proxy or log that reads the other one must not
// disagree with what was verified.
std::optional<signature_header> parse_authorization(std::string_view v, std::string& error) {
  v = g::trim_ows(v);
  if (v.size() <= scheme.size() || !g::ascii_iequals(v.substr(0, scheme.size()), scheme) ||
      (v[scheme.size()] != ' ' && v[scheme.size()] != '\t')) {
    error = "expected the LAPOR-HMAC-SHA256 scheme";
    return std::nullopt;
  }
  v.remove_prefix(scheme.size());
  signature_header h;
  bool have_key = false, have_key_seen = false, have_ts = false, have_sig = false;
  while (!v.empty()) {
    auto comma = v.find(',');
    auto item = g::trim_ows(v.substr(0, comma));
    v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      error = "expected key_id=…, ts=…, sig=…";
      return std::nullopt;
    }
    auto name = g::trim_ows(item.substr(0, eq));
    auto value = g::trim_ows(item.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    const bool twice = (g::ascii_iequals(name, "key_id") && have_key_seen) || (g::ascii_iequals(name, "ts") && have_ts) ||
                       (g::ascii_iequals(name, "sig") && have_sig);
    if (twice) {
      error = std::string(name) + " is given more than once";
      return std::nullopt;
    }
    if (g::ascii_iequals(name, "key_id")) {
      have_key_seen = true;
      h.key_id = std::string(value);
      have_key = !value.empty();
    } else if (g::ascii_iequals(name, "ts")) {
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), h.ts);
      if (ec != std::errc{} || p != value.data() + value.size()) {
        error = "ts must be unix seconds";
        return std::nullopt;
      }
      have_ts = true;
    } else if (g::ascii_iequals(name, "sig")) {
      h.sig.assign(value);
      for (char& c : h.sig) c = g::ascii_lower(c);
      have_sig = true;
    }
  }
  if (!have_key || !have_ts || !have_sig) {
    error = !have_key ? "key_id is missing" : !have_ts ? "ts is missing" : "sig is missing";
    return std::nullopt;
  }
  if (h.sig.size() != 64 || !all_lower_hex(h.sig)) {
    error = "sig must be 64 hex digits";
    return std::nullopt;
  }
  return h;
}

std::string string_to_sign(std::string_view method, std::string_view path, std::int64_t ts, std::string_view body_sha256_hex) {
  std::string s;
  s.reserve(method.size() + path.size() + body_sha256_hex.size() + 24);
  s.append(method).append("\n").append(path).append("\n").append(std::to_string(ts)).append("\n").append(body_sha256_hex);
  return s;
}

std::string sign_request(std::string_view secret, std::string_view method, std::string_view path, std::int64_t ts,
                         std::string_view body_sha256_hex) {
  return g::hmac_sha256_hex(secret, string_to_sign(method, path, ts, body_sha256_hex));
}

request_verifier::request_verifier(const std::vector<g::mobile_api_key>& keys, int max_skew_s) : max_skew_s_(max_skew_s) {
  for (const auto& k : keys) secrets_[k.key_id] = k.secret;
}

namespace {
request_verifier::outcome refused(std::string why) {
  request_verifier::outcome o;
  o.message = std::move(why);
  return o;
}
}  // namespace

request_verifier::outcome request_verifier::verify(std::optional<std::string_view> authorization, std::string_view method,
                                                   std::string_view target, std::string_view body_sha256_hex,
                                                   std::int64_t now_s) const {
  if (!authorization) return refused("the request is not signed: send Authorization: LAPOR-HMAC-SHA256 key_id=…, ts=…, sig=…");
  std::string error;
  auto h = parse_authorization(*authorization, error);
  if (!h) return refused("malformed Authorization header: " + error);
  auto it = secrets_.find(h->key_id);
  static const std::string no_secret(32, '\0');
  const auto expected = sign_request(it == secrets_.end() ? no_secret : it->second, method, target, h->ts, body_sha256_hex);
  const bool match = g::constant_time_equal(expected, h->sig);
  if (it == secrets_.end() || !match) return refused("the signature does not match (unknown key_id or wrong sig)");
  const auto skew = h->ts > now_s ? h->ts - now_s : now_s - h->ts;
  if (skew > max_skew_s_)
    return refused("ts is " + std::to_string(skew) + " s away from the server's clock (at most " +
                   std::to_string(max_skew_s_) + " s): sign with the current time");
  return {true, h->key_id, {}, h->sig, h->ts};
}

namespace {
// The first 64 bits of a hex string (a signature or a SHA-256), as a number.
std::uint64_t prefix64(std::string_view hex) {
  std::uint64_t v = 0;
  std::from_chars(hex.data(), hex.data() + std::min<std::size_t>(16, hex.size()), v, 16);
  return v;
}
}  // namespace

replay_guard::replay_guard(int max_skew_s, std::size_t capacity) : max_skew_s_(max_skew_s), capacity_(capacity) {
  // Keys chosen by clients are hashed with a secret key, so none can be crafted to collide.
  unsigned char k[16];
  g::random_bytes(k, sizeof k);
  std::memcpy(&k0_, k, 8);
  std::memcpy(&k1_, k + 8, 8);
}

void replay_guard::remember_from(std::int64_t ts) {
  std::lock_guard lock(mutex_);
  remembers_from_ = std::max(remembers_from_, ts);
}

replay_verdict replay_guard::admit(std::string_view sig_hex, std::int64_t ts, std::string_view idempotency_key,
                                   std::int64_t now_s) {
  const auto sig = prefix64(sig_hex);
  const auto key = g::siphash24(k0_, k1_, idempotency_key.data(), idempotency_key.size());
  std::lock_guard lock(mutex_);
  // Beyond the capacity the oldest are forgotten early, which only shortens how long they are
  // guarded (refusing every signature as old as them instead would turn a flood into 401s
  // for everyone).
  while (!order_.empty() && (order_.front().first < now_s || by_sig_.size() > capacity_)) {
    by_sig_.erase(order_.front().second);
    order_.pop_front();
  }
  auto [it, fresh] = by_sig_.try_emplace(sig, seen{key, ts + max_skew_s_});
  if (fresh) {
    if (ts < remembers_from_) {
      by_sig_.erase(it);
      return replay_verdict::before_memory;
    }
    order_.emplace_back(ts + max_skew_s_, sig);
    return replay_verdict::admitted;
  }
  return it->second.key_hash == key ? replay_verdict::admitted : replay_verdict::replayed;
}

std::size_t replay_guard::remembered() const {
  std::lock_guard lock(mutex_);
  return by_sig_.size();
}

}  // namespace lapor::mobile
