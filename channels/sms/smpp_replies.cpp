// Reply SMS: durable outbox rows (destination "sms_reply", written with the complaint) that
// the outbox forwarder hands to the channel through make_reply_sink(); the reply_dispatcher
// picks the bind and the pace, this file builds the PDUs (deliver_sm to a bound ESME,
// submit_sm to an SMSC we bound to) and reports each reply's one outcome back.
//
// A row's payload:
//   {"operator":"telkomsel","to":"6281234567890","ton":1,"npi":1,
//    "text":"LAPOR! Laporan Anda diterima. No. tiket: LPR-…","expires_at_ms":1764590000000}
#include "channels/sms/smpp_channel_impl.h"

#include <charconv>

#include <boost/asio/post.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "gateway/json_out.h"
#include "gateway/log.h"

namespace lapor::sms {

namespace log = gateway::log;
namespace net = boost::asio;

namespace {

std::int64_t wall_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The row as reply_row_for writes it, read in place: the keys in its order, no spaces, strings
// of printable ASCII without an escape, integers of plain digits. For those bytes this reads
// what Boost.JSON does; anything else (an escape, UTF-8, a row of another writer) returns
// false and is parsed by Boost.JSON. A Boost.JSON parse cost ~4.5k instructions per reply.
class row_reader {
 public:
  explicit row_reader(std::string_view row) : rest_(row) {}

  bool literal(std::string_view s) {
    if (!rest_.starts_with(s)) return false;
    rest_.remove_prefix(s.size());
    return true;
  }
  bool string(std::string_view& out) {
    if (!literal("\"")) return false;
    std::size_t n = 0;
    while (n < rest_.size() && plain(rest_[n])) ++n;
    if (n == rest_.size() || rest_[n] != '"') return false;
    out = rest_.substr(0, n);
    rest_.remove_prefix(n + 1);
    return true;
  }
  bool integer(std::int64_t& out) {
    std::size_t n = 0;
    while (n < rest_.size() && rest_[n] >= '0' && rest_[n] <= '9') ++n;
    // No leading zero (not JSON), no more digits than an int64 surely holds.
    if (n == 0 || n > 18 || (n > 1 && rest_[0] == '0')) return false;
    std::from_chars(rest_.data(), rest_.data() + n, out);
    rest_.remove_prefix(n);
    return true;
  }
  [[nodiscard]] bool at_end() const noexcept { return rest_.empty(); }

 private:
  static bool plain(char c) noexcept { return c >= 0x20 && c < 0x7F && c != '"' && c != '\\'; }
  std::string_view rest_;
};

struct reply_row_fields {
  std::string_view op, to, text;
  std::int64_t ton = 0, npi = 0, expires = 0;
};

bool read_reply_row_in_place(std::string_view payload, reply_row_fields& f) {
  row_reader r(payload);
  return r.literal("{\"operator\":") && r.string(f.op) && r.literal(",\"to\":") && r.string(f.to) &&
         r.literal(",\"ton\":") && r.integer(f.ton) && r.literal(",\"npi\":") && r.integer(f.npi) &&
         r.literal(",\"text\":") && r.string(f.text) && r.literal(",\"expires_at_ms\":") && r.integer(f.expires) &&
         r.literal("}") && r.at_end();
}

outgoing_sms reply_of(const reply_row_fields& f) {
  outgoing_sms m;
  m.operator_name = std::string(f.op);
  m.to = std::string(f.to);
  m.text = std::string(f.text);
  m.to_ton = static_cast<std::uint8_t>(f.ton);
  m.to_npi = static_cast<std::uint8_t>(f.npi);
  // The row carries wall time (it outlives the process); the dispatcher counts in steady time.
  const auto left = std::chrono::milliseconds(f.expires - wall_now_ms());
  m.expires_at = std::chrono::steady_clock::now() + left;
  return m;
}

std::optional<outgoing_sms> parse_reply_row(const std::string& payload) {
  if (reply_row_fields f; read_reply_row_in_place(payload, f)) {
    if (f.to.empty()) return std::nullopt;
    return reply_of(f);
  }
  boost::system::error_code ec;
  // A row is a few hundred bytes: its parsed tree lives on the stack (no allocation per key).
  unsigned char buffer[2048];
  boost::json::monotonic_resource arena(buffer, sizeof buffer);
  auto v = boost::json::parse(payload, ec, &arena);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  auto str = [&](const char* k) -> const boost::json::string* {
    auto it = o.find(k);
    return it != o.end() && it->value().is_string() ? &it->value().as_string() : nullptr;
  };
  auto num = [&](const char* k) -> std::optional<std::int64_t> {
    auto it = o.find(k);
    if (it == o.end() || !it->value().is_int64()) return std::nullopt;
    return it->value().as_int64();
  };
  const auto* op = str("operator");
  const auto* to = str("to");
  const auto* text = str("text");
  const auto ton = num("ton"), npi = num("npi"), expires = num("expires_at_ms");
  if (!op || !to || !text || !ton || !npi || !expires || to->empty()) return std::nullopt;
  return reply_of({std::string_view(*op), std::string_view(*to), std::string_view(*text), *ton, *npi, *expires});
}

// The forwarder's view of the channel's replies.
class reply_sink final : public gateway::dispatch_sink {
 public:
  explicit reply_sink(std::shared_ptr<smpp_channel::impl> channel)
      : channel_(std::move(channel)), box_(channel_->mailbox), capacity_(channel_->opts.reply_capacity) {}

  std::size_t capacity() const noexcept override { return capacity_; }
  std::size_t max_documents() const noexcept override { return 1; }
  std::size_t in_flight() const noexcept override {
    std::lock_guard lock(box_->mutex);
    return box_->in_flight;
  }
  void begin(gateway::dispatch_request r) override {
    {
      std::lock_guard lock(box_->mutex);
      ++box_->in_flight;
    }
    channel_->send_reply_row(r.tag, r.documents.front());
  }
  void run_once(std::chrono::milliseconds timeout, std::vector<gateway::dispatch_result>& done) override {
    std::unique_lock lock(box_->mutex);
    box_->cv.wait_for(lock, timeout, [&] { return !box_->done.empty() || box_->wake; });
    box_->wake = false;
    box_->in_flight -= std::min(box_->in_flight, box_->done.size());
    for (auto& d : box_->done) done.push_back(std::move(d));
    box_->done.clear();
  }
  void abandon_all() override {
    // The rows stay pending in the store; the next process sends them.
    const std::lock_guard channel_lock(channel_->mutex);
    (void)channel_->replies.abandon();
    std::lock_guard lock(box_->mutex);
    box_->in_flight = 0;
    box_->done.clear();
  }
  void wakeup() noexcept override {
    {
      std::lock_guard lock(box_->mutex);
      box_->wake = true;
    }
    box_->cv.notify_all();
  }
  const char* kind() const noexcept override { return "smpp"; }

 private:
  std::shared_ptr<smpp_channel::impl> channel_;
  std::shared_ptr<reply_mailbox> box_;
  std::size_t capacity_;
};

}  // namespace

std::unique_ptr<gateway::dispatch_sink> smpp_channel::make_reply_sink() {
  return std::make_unique<reply_sink>(impl_);
}

std::string smpp_channel::impl::reply_row_for(const outgoing_sms& to, std::string text) const {
  // Written straight into the string, as Boost.JSON would serialise it (on the writer thread,
  // once per complaint with a reply: an object of six keys cost ~5k instructions there).
  std::string row;
  row.reserve(96 + text.size() + to.to.size());
  gateway::json_out j(row);
  j.begin_object();
  j.key("operator").string(to.operator_name);
  j.key("to").string(to.to);
  j.key("ton").integer(to.to_ton);
  j.key("npi").integer(to.to_npi);
  j.key("text").string(text);
  j.key("expires_at_ms").integer(wall_now_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(opts.reply_ttl).count());
  j.end_object();
  return row;
}

void smpp_channel::impl::queue_reply(const outgoing_sms& to, std::string text) {
  deps.store.queue_message(std::string(reply_destination), reply_row_for(to, std::move(text)), [](bool ok) {
    if (!ok) log::warn("smpp_reply_not_queued", {{"reason", "the store refused the reply row"}});
  });
}

void smpp_channel::impl::hand_on_unsendable(std::chrono::steady_clock::time_point now) {  // mutex held
  // A reply row is claimed by the node that wrote it, or by whichever node took over a dead
  // node's rows: maybe one with no bind of that operator (its SMSC binds elsewhere). After a
  // grace period for a bind coming back, such replies go back to the shared outbox for a node
  // that has one (SPEC §9: any node with a bind of the operator sends them) — if one has.
  std::set<std::string> waiting;
  for (auto& op : replies.operators_waiting()) waiting.insert(std::move(op));
  std::erase_if(unsendable_since, [&](const auto& e) { return !waiting.contains(e.first); });
  std::vector<gateway::dispatch_result> handed;
  for (const auto& op : waiting) {
    if (replies.can_send(op)) {
      unsendable_since.erase(op);
      continue;
    }
    auto since = unsendable_since.try_emplace(op, now).first->second;
    if (now - since < reply_hand_on_after) continue;
    // Only when another node can send them: with no bind of the operator anywhere, the
    // replies wait here as on one node (handing them round would only cost writes).
    if (!deps.leases->others_hold(std::string(reply_bind_lease_prefix) + op + ":")) continue;
    for (auto& m : replies.take_queued(op)) {
      gateway::dispatch_result d;
      d.tag = m.tag;
      d.outcome = gateway::delivery_outcome::elsewhere;
      d.error = "no bind of " + op + " on this node";
      handed.push_back(std::move(d));
    }
    unsendable_since.erase(op);
  }
  if (handed.empty()) return;
  {
    std::lock_guard lock(mailbox->mutex);
    for (auto& d : handed) mailbox->done.push_back(std::move(d));
  }
  mailbox->cv.notify_all();
}

namespace {
constexpr std::string_view over_limit_reason = "reply limit per number and hour reached";
}  // namespace

void smpp_channel::impl::report(std::vector<reply_outcome>& finished) {
  if (finished.empty()) return;
  {
    std::lock_guard lock(mailbox->mutex);
    for (auto& f : finished) {
      gateway::dispatch_result d;
      d.tag = f.tag;
      d.outcome = f.delivered ? gateway::delivery_outcome::delivered : gateway::delivery_outcome::dead;
      d.error = std::move(f.reason);
      // One outcome per reply (over_limit is counted where it is decided, not again as refused).
      if (f.delivered) ++reply_counts[0];
      else if (d.error.starts_with("expired")) ++reply_counts[1];
      else if (d.error != over_limit_reason) ++reply_counts[2];
      mailbox->done.push_back(std::move(d));
    }
  }
  finished.clear();
  mailbox->cv.notify_all();
}

void smpp_channel::impl::send_reply_row(std::uint64_t tag, const std::string& payload) {
  auto m = parse_reply_row(payload);
  std::vector<reply_outcome> finished;
  const std::lock_guard lock(mutex);
  if (!m) {
    finished.push_back({tag, false, "unreadable reply row"});
    report(finished);
    return;
  }
  m->tag = tag;
  const auto now = std::chrono::steady_clock::now();
  if (now >= m->expires_at) {
    finished.push_back({tag, false, "expired before it could be sent"});
    report(finished);
    return;
  }
  if (opts.reply_limit_per_hour > 0) {
    // A number that is sent reply after reply (a loop, a flood in its name) gets no more
    // than the limit an hour; the rest are dead-lettered, visible in the admin outbox.
    auto& sent = replies_by_number[m->to];
    while (!sent.empty() && sent.front() < now - std::chrono::hours(1)) sent.pop_front();
    if (sent.size() >= static_cast<std::size_t>(opts.reply_limit_per_hour)) {
      ++reply_counts[3];
      finished.push_back({tag, false, std::string(over_limit_reason)});
      report(finished);
      return;
    }
    sent.push_back(now);
  }
  const auto op = m->operator_name;
  replies.queue(std::move(*m));
  if (!stopping) send_replies(op, now);
}

void smpp_channel::impl::send_replies(const std::string& op, std::chrono::steady_clock::time_point now) {  // mutex held
  std::vector<reply_outcome> finished;
  for (auto& s : replies.take(op, now, finished)) {
    auto it = links.find(s.link_id);
    auto link = it == links.end() ? nullptr : it->second.link.lock();
    if (!link) {  // closing; its on_closed() is on the way
      for (std::size_t i = 0; i < s.parts.parts.size(); ++i)
        (void)replies.part_done(s.token, part_result::transient, now, finished);
      continue;
    }
    // The guard against answering machines counts from the moment a reply goes out.
    last_reply_to[s.sms.to] = now;
    for (auto& payload : s.parts.parts)
      link->push(reply_pdu(s.sms, s.parts, std::move(payload), link->is_client()), s.token);
  }
  report(finished);
  arm_reply_pacer();
}

void smpp_channel::impl::arm_reply_pacer() {  // mutex held
  const auto at = replies.next_wakeup();
  if (!at || stopping) return;
  const auto when = std::max(*at, std::chrono::steady_clock::now() + std::chrono::milliseconds(5));
  if (reply_pacer_armed && reply_pacer_at <= when) return;
  reply_pacer_armed = true;
  reply_pacer_at = when;
  reply_pacer.expires_at(when);
  reply_pacer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec) return;
    const std::lock_guard lock(self->mutex);
    self->reply_pacer_armed = false;
    const auto now = std::chrono::steady_clock::now();
    for (const auto& op : self->replies.operators_waiting()) self->send_replies(op, now);
  });
}

pdu smpp_channel::impl::reply_pdu(const outgoing_sms& m, const sms_parts& parts, bytes payload, bool as_client) const {
  sm_body b;
  b.source_addr_ton = 3;  // network-specific: our short code
  b.source_addr_npi = 0;
  b.source_addr = opts.short_code;
  b.dest_addr_ton = m.to_ton;
  b.dest_addr_npi = m.to_npi;
  b.destination_addr = m.to;
  b.esm_class = parts.udhi ? 0x40 : 0x00;
  b.data_coding = parts.data_coding;
  b.short_message = std::move(payload);
  return as_client ? make_submit_sm(0, std::move(b)) : make_deliver_sm(0, std::move(b));
}

void smpp_channel::impl::reply_part_done(std::uint64_t token, part_result r) {
  std::vector<reply_outcome> finished;
  const std::lock_guard lock(mutex);
  const auto now = std::chrono::steady_clock::now();
  auto op = replies.part_done(token, r, now, finished);
  report(finished);
  if (op && !stopping) send_replies(*op, now);
}

void smpp_channel::impl::on_request_finished(const std::shared_ptr<smpp_link>&, const request_finished& f) {
  using outcome = request_finished::outcome;
  part_result r = part_result::transient;
  if (f.result == outcome::timed_out) {
    r = part_result::timed_out;
  } else if (f.result == outcome::answered || f.result == outcome::nacked) {
    if (f.status == status::esme_rok && f.result == outcome::answered) r = part_result::ok;
    else if (f.status == status::esme_rthrottled || f.status == status::esme_rmsgqful) r = part_result::throttled;
    else if (!status::is_transient(f.status)) r = part_result::permanent;
  }
  if (r == part_result::permanent) log::info("smpp_reply_refused", {{"status", f.status}});
  reply_part_done(f.token, r);
}

void smpp_channel::impl::on_push_refused(const std::shared_ptr<smpp_link>&, std::uint64_t token, bool) {
  reply_part_done(token, part_result::transient);
}

}  // namespace lapor::sms
