// The SMPP channel: options, the listener, the bind registry, housekeeping, start/stop.
// (MO intake, replies and client mode: smpp_intake.cpp, smpp_replies.cpp, smpp_clients.cpp.)
#include "channels/sms/smpp_channel.h"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include "channels/sms/smpp_channel_impl.h"
#include "gateway/log.h"

namespace lapor::sms {

namespace log = gateway::log;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

std::optional<smpp_channel_options> smpp_options_from(const gateway::config& cfg, std::string& error) {
  smpp_channel_options o;
  const auto& s = cfg.smpp;
  o.server_enabled = s.enabled;
  o.listen = s.listen;
  o.short_code = s.short_code;
  o.system_id = s.system_id;
  o.max_links = static_cast<std::size_t>(s.max_connections);
  o.reply_ttl = std::chrono::seconds(s.reply_ttl_s);
  o.reply_capacity = static_cast<std::size_t>(s.reply_queue_limit);
  o.max_outstanding = static_cast<std::size_t>(s.reply_window);
  o.replies.max_in_flight = o.max_outstanding;
  o.reply_rate_per_s = s.reply_rate_per_s;
  o.reply_limit_per_hour = s.reply_limit_per_hour;
  o.auto_reply_window = std::chrono::seconds(s.auto_reply_window_s);
  o.reply_number = s.reply_number;
  o.accounts = s.accounts;
  o.clients = s.clients;
  o.window = static_cast<std::size_t>(s.window);
  o.timing.enquire_link_interval = std::chrono::seconds(s.enquire_link_interval_s);
  o.timing.idle_timeout = std::chrono::seconds(s.idle_timeout_s);
  o.reassembly_timeout = std::chrono::seconds(s.reassembly_timeout_s);
  o.redelivery_window = std::chrono::seconds(s.redelivery_window_s);
  if (s.dcs0_policy == "gsm7") {
    o.text.dc0 = default_alphabet::gsm7;
  } else if (s.dcs0_policy == "latin1") {
    o.text.dc0 = default_alphabet::latin1;
  } else if (s.dcs0_policy == "auto") {
    o.text.dc0 = default_alphabet::auto_detect;
  } else {
    error = "smpp.dcs0_policy: expected gsm7, latin1 or auto";
    return std::nullopt;
  }
  std::string cidr_error;
  if (!account_table::make(o.accounts, cidr_error)) {
    error = cidr_error;
    return std::nullopt;
  }
  return o;
}

std::chrono::milliseconds reconnect_delay(int failures, std::chrono::milliseconds initial,
                                          std::chrono::milliseconds max, double rnd01) noexcept {
  const double capped = std::min(static_cast<double>(max.count()),
                                 static_cast<double>(initial.count()) * std::pow(2.0, std::clamp(failures, 0, 30)));
  const double jittered = capped / 2 + std::clamp(rnd01, 0.0, 1.0) * capped / 2;
  return std::chrono::milliseconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(jittered)));
}

namespace {

ip_octets octets_of(const net::ip::address& a) {
  ip_octets out{};
  if (a.is_v4()) {
    const auto v4 = a.to_v4().to_bytes();
    out[10] = out[11] = 0xff;
    std::copy(v4.begin(), v4.end(), out.begin() + 12);
  } else {
    const auto v6 = a.to_v6().to_bytes();
    std::copy(v6.begin(), v6.end(), out.begin());
  }
  return out;
}

}  // namespace

smpp_channel::impl::impl(smpp_channel_options o, smpp_deps d, account_table a)
    : opts(std::move(o)),
      deps(d),
      accounts(std::move(a)),
      strand(net::make_strand(d.io)),
      acceptor(strand),
      accept_pause(strand),
      housekeeping(strand),
      redelivery(opts.redelivery_window),
      parts(reassembly_options{std::chrono::duration_cast<std::chrono::milliseconds>(opts.reassembly_timeout)}),
      replies(opts.replies),
      reply_pacer(strand) {}

void smpp_channel::impl::bind_listener() {
  boost::system::error_code ec;
  const auto address = net::ip::make_address(opts.listen.host, ec);
  if (ec) throw std::runtime_error("smpp.listen: not an IP address: " + opts.listen.host);
  const tcp::endpoint ep(address, opts.listen.port);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("smpp.listen: cannot listen on " + opts.listen.to_string() + ": " + ec.message());
}

void smpp_channel::impl::do_accept() {
  acceptor.async_accept(deps.io.get_executor(), [self = shared_from_this()](boost::system::error_code ec,
                                                                               tcp::socket socket) {
    if (ec == net::error::operation_aborted || self->is_stopping()) return;
    if (ec) {
      // Out of descriptors or memory: accepting again at once would spin.
      log::warn("smpp_accept_failed", {{"error", ec.message()}});
      self->accept_pause.expires_after(100ms);
      self->accept_pause.async_wait([self](boost::system::error_code e) {
        if (!e && !self->is_stopping()) self->do_accept();
      });
      return;
    }
    self->on_accept(std::move(socket));
    self->do_accept();
  });
}

void smpp_channel::impl::on_accept(tcp::socket socket) {
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return;
  std::uint64_t id = 0;
  {
    const std::lock_guard lock(mutex);
    if (stopping) return;
    if (links.size() >= opts.max_links) {
      log::warn("smpp_refused_connection", {{"reason", "too many connections"}, {"peer", remote.address().to_string()}});
      return;  // the socket closes; the peer retries later
    }
    id = next_link_id++;
  }
  const ip_octets peer = octets_of(remote.address());
  session_options so;
  so.system_id = opts.system_id;
  so.window = opts.window;
  so.max_outstanding = opts.max_outstanding;
  // The authenticator runs on the link's strand, against the table current at the bind (a
  // reload replaces the table, never the bind already made).
  so.authenticate = [self = shared_from_this(), peer](const bind_request& b) {
    auto d = self->accounts.get()->check(b, peer);
    if (d.status != status::esme_rok)
      log::warn("smpp_bind_refused", {{"system_id", b.system_id}, {"status", status::name(d.status)}});
    return d;
  };
  auto link = std::make_shared<smpp_link>(std::move(socket), std::move(so), opts.timing, *this, id);
  register_link(link);
  link->start();
}

void smpp_channel::impl::register_link(const std::shared_ptr<smpp_link>& link) {
  const std::lock_guard lock(mutex);
  links[link->id()] = link_entry{link, {}};
}

bool smpp_channel::impl::is_stopping() const {
  const std::lock_guard lock(mutex);
  return stopping;
}

void smpp_channel::impl::on_bound(const std::shared_ptr<smpp_link>& link, const session_bound& b) {
  const bool can_push = link->is_client() ? b.kind != bind_kind::receiver : b.kind != bind_kind::transmitter;
  {
    const std::lock_guard lock(mutex);
    auto it = links.find(link->id());
    if (it == links.end()) return;
    it->second.operator_name = b.operator_name;
    replies.link_up(link->id(), b.operator_name, can_push, opts.reply_rate_per_s);
    update_bind_gauge(b.operator_name);
    send_replies(b.operator_name, std::chrono::steady_clock::now());
  }
  if (link->is_client()) {
    net::post(strand, [self = shared_from_this(), id = link->id()] {
      for (auto& c : self->clients)
        if (c.link_id == id) c.failures = 0;
    });
  }
}

void smpp_channel::impl::on_closed(const std::shared_ptr<smpp_link>& link, std::string_view) {
  std::string op;
  {
    const std::lock_guard lock(mutex);
    auto it = links.find(link->id());
    if (it != links.end()) {
      op = it->second.operator_name;
      links.erase(it);
    }
    replies.link_down(link->id());
    if (!op.empty()) update_bind_gauge(op);
  }
  if (link->is_client()) {
    net::post(strand, [self = shared_from_this(), id = link->id()] {
      for (std::size_t i = 0; i < self->clients.size(); ++i)
        if (self->clients[i].link_id == id) self->schedule_reconnect(i);
    });
  }
}

void smpp_channel::impl::update_bind_gauge(const std::string& op) {  // mutex held
  deps.stats.set_gauge("lapor_smpp_binds{operator=\"" + op + "\"}", static_cast<std::int64_t>(replies.binds(op)));
  // Cluster mode: the other nodes learn that this one can send the operator's replies (they
  // hand theirs on only then, see hand_on_unsendable()).
  if (deps.leases != nullptr) {
    const auto name = deps.leases->own_name(std::string(reply_bind_lease_prefix) + op);
    if (replies.can_send(op)) deps.leases->want(name);
    else deps.leases->release(name);
  }
}

void smpp_channel::impl::arm_housekeeping() {
  housekeeping.expires_after(1s);
  housekeeping.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec) return;
    self->on_housekeeping();
    if (self->deps.leases != nullptr && !self->is_stopping()) {
      self->tend_client_leases();
      // A dead node's parts: the SMSC sends the rest of those messages here now.
      if (self->housekeeping_rounds % 2 == 0) self->take_over_parts();
    }
    if (!self->is_stopping()) self->arm_housekeeping();
  });
}

void smpp_channel::impl::on_housekeeping() {
  std::vector<std::string> to_submit;
  {
    const std::lock_guard lock(mutex);
    const auto now = std::chrono::steady_clock::now();
    for (auto& m : parts.expire(now)) close_message(std::move(m), to_submit);
    std::vector<reply_outcome> finished;
    replies.expire(now, finished);
    report(finished);
    if (deps.leases != nullptr) hand_on_unsendable(now);
    std::erase_if(done_messages, [now](const auto& d) { return d.second.until <= now; });
    for (auto& [group, m] : storing)
      if (!m.submitted && m.retry_at <= now) to_submit.push_back(group);
    // Per-number reply history older than an hour (rate limit) and than the guard window.
    const auto hour_ago = now - std::chrono::hours(1);
    for (auto it = replies_by_number.begin(); it != replies_by_number.end();) {
      auto& q = it->second;
      while (!q.empty() && q.front() < hour_ago) q.pop_front();
      it = q.empty() ? replies_by_number.erase(it) : std::next(it);
    }
    std::erase_if(last_reply_to, [&](const auto& e) { return e.second + opts.auto_reply_window < now; });
    static constexpr const char* outcome_names[] = {"delivered", "expired", "refused", "over_limit"};
    for (int i = 0; i < 4; ++i)
      deps.stats.set_gauge(std::string("lapor_sms_replies{outcome=\"") + outcome_names[i] + "\"}",
                           static_cast<std::int64_t>(reply_counts[i]));
    deps.stats.set_gauge("lapor_sms_replies_queued", static_cast<std::int64_t>(replies.queued()));
    deps.stats.set_gauge("lapor_sms_replies_throttled", static_cast<std::int64_t>(replies.throttled()));
    // Replies requeued while no event was due to send them (e.g. their link was closing).
    std::set<std::string> ops;
    for (const auto& [id, e] : links)
      if (!e.operator_name.empty()) ops.insert(e.operator_name);
    for (const auto& op : ops) send_replies(op, now);
  }
  for (auto& group : to_submit) submit_stored(group);
  // Done parts are kept for late copies as long as done_messages remembers them (a day).
  const auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
  if (++housekeeping_rounds % 600 == 1) deps.store.purge_parts(wall - done_retention_ms, 0);
}

void smpp_channel::impl::start(gateway::submission_sink& s) {
  sink = &s;
  load_parts();
  {
    // Every configured operator has a lapor_smpp_binds series from the start, 0 until it
    // binds: an alert on "no bind for 5 minutes" must see an operator that never came up.
    const std::lock_guard lock(mutex);
    for (const auto& a : opts.accounts)
      if (!a.operator_name.empty()) update_bind_gauge(a.operator_name);
    for (const auto& c : opts.clients)
      if (!c.operator_name.empty()) update_bind_gauge(c.operator_name);
  }
  net::post(strand, [self = shared_from_this()] {
    if (self->acceptor.is_open()) self->do_accept();
    for (std::size_t i = 0; i < self->clients.size(); ++i) self->connect(i);
    self->arm_housekeeping();
  });
}

void smpp_channel::impl::stop() {
  std::vector<std::shared_ptr<smpp_link>> open;
  {
    const std::lock_guard lock(mutex);
    if (stopping) return;
    stopping = true;
    for (auto& [id, e] : links)
      if (auto l = e.link.lock()) open.push_back(std::move(l));
    // Long messages still missing parts stay in the store: the next start resumes them.
    if (parts.open_groups() > 0) log::info("smpp_parts_kept", {{"open_messages", parts.open_groups()}});
  }
  net::post(strand, [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor.close(ec);
    self->accept_pause.cancel();
    self->housekeeping.cancel();
    self->reply_pacer.cancel();
    for (auto& c : self->clients) {
      c.timer->cancel();
      if (c.resolver) c.resolver->cancel();
      if (c.socket) c.socket->close(ec);
    }
  });
  for (auto& l : open) l->unbind();
}

std::size_t smpp_channel::impl::open_links() const {
  const std::lock_guard lock(mutex);
  std::size_t n = 0;
  for (const auto& [id, e] : links)
    if (!e.link.expired()) ++n;
  return n;
}

smpp_channel::smpp_channel(smpp_channel_options options, smpp_deps deps) {
  std::string error;
  auto accounts = account_table::make(options.accounts, error);
  if (!accounts) throw std::runtime_error(error);
  const bool listen = options.server_enabled;
  impl_ = std::make_shared<impl>(std::move(options), deps, std::move(*accounts));
  for (const auto& c : impl_->opts.clients) {
    impl::client_slot slot;
    slot.cfg = c;
    slot.timer = std::make_unique<net::steady_timer>(impl_->strand);
    for (int k = 0; k < c.cluster_binds; ++k)
      slot.lease_names.push_back("smpp:" + c.operator_name + ":" + c.system_id + "@" + c.host + ":" +
                                 std::to_string(c.port) + "#" + std::to_string(k));
    impl_->clients.push_back(std::move(slot));
  }
  if (listen) impl_->bind_listener();
}

smpp_channel::~smpp_channel() = default;

void smpp_channel::start(gateway::submission_sink& sink) { impl_->start(sink); }

bool smpp_channel::set_accounts(const std::vector<gateway::smpp_account>& accounts, std::string& error) {
  auto table = account_table::make(accounts, error);
  if (!table) return false;
  impl_->accounts.set(std::move(*table));
  // A new operator gets its lapor_smpp_binds series at once, 0 until it binds (as at start).
  const std::lock_guard lock(impl_->mutex);
  for (const auto& a : accounts)
    if (!a.operator_name.empty()) impl_->update_bind_gauge(a.operator_name);
  return true;
}

void smpp_channel::stop() { impl_->stop(); }

std::uint16_t smpp_channel::port() const noexcept {
  boost::system::error_code ec;
  if (!impl_->acceptor.is_open()) return 0;
  const auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

std::size_t smpp_channel::open_links() const { return impl_->open_links(); }

}  // namespace lapor::sms
