#include "gateway/retention.h"

#include <algorithm>
#include <filesystem>
#include <future>
#include <set>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "gateway/complaint_status.h"
#include "gateway/json_out.h"
#include "gateway/log.h"
#include "store/retention.h"

namespace lapor::gateway {

namespace {

constexpr std::int64_t day_ms = 24LL * 3600 * 1000;

bool is_sha256_hex(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

void collect_attachments(const boost::json::value& doc, std::vector<std::string>& out) {
  const auto* o = doc.if_object();
  if (!o) return;
  if (const auto* list = o->if_contains("attachments"); list && list->is_array())
    for (const auto& a : list->get_array())
      if (const auto* ao = a.if_object())
        if (const auto* h = ao->if_contains("sha256"); h && h->is_string() && is_sha256_hex(h->get_string()))
          out.emplace_back(h->get_string());
  if (const auto* carried = o->if_contains("complaint")) collect_attachments(*carried, out);
}

// Waits for a writer request's completion: the sweeper's thread may block, Asio's may not.
bool wait_for(store::group_writer& w, store::erase_batch batch, std::string& error) {
  std::promise<std::pair<bool, std::string>> answer;
  auto done = answer.get_future();
  w.erase_personal_data(std::move(batch), [&answer](bool ok, std::string e) { answer.set_value({ok, std::move(e)}); });
  auto [ok, e] = done.get();
  if (!ok) error = std::move(e);
  return ok;
}

}  // namespace

std::string erased_status_meta(std::string_view meta, std::int64_t erased_at_ms) {
  boost::system::error_code ec;
  auto v = boost::json::parse(meta, ec);
  boost::json::object o;
  if (!ec && v.is_object()) o = std::move(v.get_object());
  if (auto* dedup = o.if_contains("dedup"); dedup && dedup->is_object()) dedup->get_object().erase("identity");
  o["erased_at"] = utc_timestamp(erased_at_ms);
  return serialize_json(o);
}

std::vector<std::string> attachment_hashes(std::string_view document) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  const auto v = boost::json::parse(document, ec);
  if (!ec) collect_attachments(v, out);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

retention_sweeper::retention_sweeper(retention_options o, store::group_writer& writer)
    : opts_(std::move(o)), writer_(writer) {}

retention_sweeper::~retention_sweeper() { stop(); }

std::int64_t retention_sweeper::now_ms() const {
  if (opts_.now_ms) return opts_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void retention_sweeper::old_photo_files(std::int64_t cutoff_ms, std::set<std::string>& photos) const {
  // Photo files are named by their SHA-256 (64 hex digits); anything else is not ours.
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(opts_.attachments_dir, ec)) {
    const std::string name = f.path().filename().string();
    if (name.size() != 64 || name.find_first_not_of("0123456789abcdef") != std::string::npos) continue;
    std::error_code fec;
    const auto t = f.last_write_time(fec);
    if (fec) continue;
    const auto wall = std::chrono::file_clock::to_sys(t);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wall.time_since_epoch()).count();
    if (ms < cutoff_ms) photos.insert(name);
  }
}

retention_sweeper::pass_result retention_sweeper::run_pass() {
  const std::lock_guard pass(pass_mutex_);
  pass_result result;
  try {
    if (!scanner_)
      scanner_ = opts_.cluster ? std::make_unique<store::retention_scanner>(*opts_.cluster)
                               : std::make_unique<store::retention_scanner>(opts_.db_path);
  } catch (const std::exception& e) {
    result.error = e.what();
    return result;
  }
  const std::int64_t now = now_ms();
  const std::int64_t cutoff = now - std::int64_t{opts_.days} * day_ms;

  // 1-3 on one node of a cluster at a time (opts_.may_erase: the lease holder); on every node
  // they would scan and scrub the same shared rows.
  std::set<std::string> photos;
  if (!opts_.may_erase || opts_.may_erase()) {
    // 1-2. Complaints, batch by batch.
    for (std::int64_t after = 0;;) {
      auto found = scanner_->next(after, cutoff, opts_.batch, result.error);
      if (!found) return result;
      if (found->empty()) break;
      store::erase_batch batch;
      batch.confirmed_before_ms = cutoff;
      batch.done = std::make_shared<store::erase_batch::counts>();
      for (auto& c : *found) {
        for (auto& h : attachment_hashes(c.document)) photos.insert(std::move(h));
        batch.entries.push_back(store::erasure{c.id, c.status_meta, erased_status_meta(c.status_meta, now)});
      }
      after = found->back().id;
      const auto counted = batch.done;
      if (!wait_for(writer_, std::move(batch), result.error)) return result;
      result.complaints += counted->complaints;
      result.payloads += counted->payloads;
    }

    // 3. Payloads of finished outbox rows, by id ranges (each range one short transaction).
    const auto max_id = scanner_->max_outbox_id();
    if (!max_id) {
      result.error = "retention: cannot read the outbox's highest id";
      return result;
    }
    for (std::int64_t from = 1; from <= *max_id; from += opts_.outbox_chunk) {
      store::erase_batch scrub;
      scrub.confirmed_before_ms = cutoff;
      scrub.outbox_from = from;
      scrub.outbox_to = from + opts_.outbox_chunk;
      scrub.done = std::make_shared<store::erase_batch::counts>();
      const auto counted = scrub.done;
      if (!wait_for(writer_, std::move(scrub), result.error)) return result;
      result.payloads += counted->payloads;
    }
  }

  // 4. Photos no complaint still holding its content lists.
  // At least an hour old: a photo is written before the complaint that lists it commits.
  if (opts_.cluster) old_photo_files(std::min(cutoff, now - 3'600'000), photos);
  if (!photos.empty()) {
    if (!scanner_->keep_listed(photos)) {
      result.error = "retention: cannot read the documents still stored";
      return result;
    }
    for (const auto& h : photos) {
      std::error_code ec;
      if (std::filesystem::remove(std::filesystem::path(opts_.attachments_dir) / h, ec)) ++result.attachments;
    }
  }

  // 5. No old page image of what was erased stays in the WAL.
  if (opts_.cluster) return result;  // PostgreSQL: no WAL of ours (its own is recycled)
  if (auto e = store::truncate_wal(opts_.db_path, 2000)) log::warn("retention_wal_not_truncated", {{"error", *e}});
  else result.wal_truncated = true;
  return result;
}

void retention_sweeper::start() {
  thread_ = std::thread([this] { loop(); });
}

void retention_sweeper::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void retention_sweeper::loop() {
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    const pass_result r = run_pass();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    if (!r.error.empty()) log::error("retention_failed", {{"error", r.error}});
    else if (r.complaints > 0 || r.attachments > 0 || r.payloads > 0)
      log::info("retention_erased", {{"complaints", r.complaints}, {"attachments", r.attachments},
                                     {"outbox_payloads", r.payloads},
                                     {"wal_truncated", r.wal_truncated}, {"ms", static_cast<std::int64_t>(ms)}});
    std::unique_lock lock(mutex_);
    if (cv_.wait_for(lock, opts_.interval, [this] { return stopping_; })) return;
  }
}

}  // namespace lapor::gateway
