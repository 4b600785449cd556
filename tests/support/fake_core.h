// Test doubles for the channel tests: a sink that answers like the store (retries by key,
// conflicts by fingerprint) and a status source, both synchronous.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "gateway/channel.h"
#include "gateway/complaint_status.h"

namespace lapor::testing {

class fake_sink final : public gateway::submission_sink {
 public:
  std::vector<gateway::submission> stored;
  gateway::submit_result::status refuse_with = gateway::submit_result::status::received;

  void submit(gateway::submission s, completion done) override {
    using st = gateway::submit_result::status;
    gateway::submit_result r;
    if (auto rej = check(s)) return done(*rej);
    if (refuse_with != st::received) {
      r.code = refuse_with;
      return done(r);
    }
    if (!s.idempotency_key.empty()) {
      auto it = keys_.find(s.idempotency_key);
      if (it != keys_.end()) {
        if (!s.request_fingerprint.empty() && it->second.second != s.request_fingerprint) {
          r.code = st::conflict;
          r.field = "Idempotency-Key";
          r.message = "reused";
          return done(r);
        }
        r.code = st::duplicate;
        r.retry = true;  // as the pipeline marks a store replay
        r.tracking_id = it->second.first;
        return done(r);
      }
    }
    r.code = st::received;
    r.tracking_id = "LPR-TEST-" + std::to_string(stored.size() + 1);
    if (!s.idempotency_key.empty()) keys_[s.idempotency_key] = {r.tracking_id, s.request_fingerprint};
    stored.push_back(std::move(s));
    done(r);
  }

  [[nodiscard]] std::optional<gateway::submit_result> check(const gateway::submission& s) const override {
    gateway::submit_result r;
    r.code = gateway::submit_result::status::rejected;
    if (s.body.empty()) {
      r.field = "body";
      r.message = "isi laporan wajib diisi (body is required)";
      return r;
    }
    if (s.who.phone && s.who.phone->find_first_of("0123456789") == std::string::npos) {
      r.field = "reporter.phone";
      r.message = "nomor telepon tidak valid (invalid phone number)";
      return r;
    }
    return std::nullopt;
  }

 private:
  std::map<std::string, std::pair<std::string, std::string>> keys_;
};

class fake_statuses final : public gateway::status_source {
 public:
  std::map<std::string, gateway::complaint_status> known;
  void find(std::string_view typed, callback cb) override {
    if (!typed.starts_with("LPR-")) return cb({gateway::status_lookup::outcome::invalid_id, {}});
    auto it = known.find(std::string(typed));
    if (it == known.end()) return cb({gateway::status_lookup::outcome::not_found, {}});
    cb({gateway::status_lookup::outcome::found, it->second});
  }
};

}  // namespace lapor::testing
