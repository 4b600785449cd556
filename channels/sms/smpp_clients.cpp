// Client mode (smpp.clients): resolve, connect with a timeout, hand the socket to a client-role
// link that binds; reconnect with capped exponential backoff and jitter when it closes.
#include "channels/sms/smpp_channel_impl.h"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>

#include "gateway/log.h"

namespace lapor::sms {

namespace log = gateway::log;
namespace net = boost::asio;

bool smpp_channel::impl::may_connect(std::size_t i) const {
  if (deps.leases == nullptr) return true;
  const auto& slot = clients[i];
  return !slot.lease.empty() && deps.leases->held(slot.lease).has_value();
}

void smpp_channel::impl::tend_client_leases() {
  for (std::size_t i = 0; i < clients.size(); ++i) {
    auto& slot = clients[i];
    if (!slot.lease.empty() && !deps.leases->held(slot.lease)) {
      log::warn("smpp_client_lease_lost", {{"operator", slot.cfg.operator_name}, {"lease", slot.lease}});
      slot.lease.clear();
      std::shared_ptr<smpp_link> open;
      {
        const std::lock_guard lock(mutex);
        if (auto it = links.find(slot.link_id); slot.link_id != 0 && it != links.end()) open = it->second.link.lock();
      }
      if (open) open->unbind();  // its close schedules a reconnect, which waits for a lease
    }
    if (slot.lease.empty()) {
      // Compete for every slot of this bind; keep the first one won and give the others
      // back at once, so the nodes spread over the cluster_binds slots.
      for (const auto& name : slot.lease_names)
        if (deps.leases->held(name)) {
          slot.lease = name;
          break;
        }
      for (const auto& name : slot.lease_names) {
        if (name == slot.lease) continue;
        if (slot.lease.empty()) deps.leases->want(name);
        else deps.leases->release(name);
      }
      if (!slot.lease.empty()) {
        log::info("smpp_client_lease_acquired", {{"operator", slot.cfg.operator_name}, {"lease", slot.lease}});
        slot.failures = 0;
      }
    }
    if (!slot.lease.empty() && slot.link_id == 0 && !slot.socket) connect(i);
  }
}

void smpp_channel::impl::connect(std::size_t i) {
  auto& slot = clients[i];
  // One connection attempt at a time (a reconnect timer and a new lease may both ask), and
  // in cluster mode only under a held lease.
  if (slot.socket || slot.link_id != 0 || !may_connect(i)) return;
  slot.resolver = std::make_unique<tcp::resolver>(strand);
  // On the plain io_context executor: the link makes its own strand on it. The handlers
  // below run on our strand (bind_executor), which owns `clients`.
  slot.socket = std::make_unique<tcp::socket>(deps.io);
  slot.timer->expires_after(opts.connect_timeout);
  slot.timer->async_wait([self = shared_from_this(), i](boost::system::error_code ec) {
    if (ec) return;  // connected (cancelled) or stopping
    auto& s = self->clients[i];
    if (s.resolver) s.resolver->cancel();
    if (s.socket) {
      boost::system::error_code ignored;
      s.socket->close(ignored);
    }
  });
  slot.resolver->async_resolve(
      slot.cfg.host, std::to_string(slot.cfg.port),
      [self = shared_from_this(), i](boost::system::error_code ec, tcp::resolver::results_type results) {
        if (self->is_stopping()) return;
        auto& s = self->clients[i];
        if (ec || !s.socket) return self->connect_failed(i, ec ? ec.message() : "resolve cancelled");
        net::async_connect(*s.socket, results,
                           net::bind_executor(self->strand, [self, i](boost::system::error_code ec2, const tcp::endpoint&) {
                             if (self->is_stopping()) return;
                             if (ec2) return self->connect_failed(i, ec2.message());
                             self->connected(i);
                           }));
      });
}

void smpp_channel::impl::connected(std::size_t i) {
  auto& slot = clients[i];
  slot.timer->cancel();
  std::uint64_t id = 0;
  {
    const std::lock_guard lock(mutex);
    id = next_link_id++;
  }
  slot.link_id = id;
  session_options so;
  so.window = opts.window;
  so.max_outstanding = opts.max_outstanding;
  client_bind cb;
  cb.kind = slot.cfg.bind == "receiver" ? bind_kind::receiver : bind_kind::transceiver;
  cb.credentials.system_id = slot.cfg.system_id;
  cb.credentials.password = slot.cfg.password;
  cb.credentials.system_type = slot.cfg.system_type;
  cb.operator_name = slot.cfg.operator_name;
  so.client = std::move(cb);
  tcp::socket socket = std::move(*slot.socket);
  slot.socket.reset();
  slot.resolver.reset();
  auto link = std::make_shared<smpp_link>(std::move(socket), std::move(so), opts.timing, *this, id);
  register_link(link);
  log::info("smpp_client_connected", {{"link", id}, {"operator", slot.cfg.operator_name}, {"peer", link->peer_address()}});
  link->start();
}

void smpp_channel::impl::connect_failed(std::size_t i, const std::string& why) {
  auto& slot = clients[i];
  slot.timer->cancel();
  slot.socket.reset();
  slot.resolver.reset();
  log::warn("smpp_client_connect_failed",
            {{"operator", slot.cfg.operator_name}, {"host", slot.cfg.host}, {"port", slot.cfg.port}, {"error", why}});
  schedule_reconnect(i);
}

void smpp_channel::impl::schedule_reconnect(std::size_t i) {
  if (is_stopping()) return;
  auto& slot = clients[i];
  const double r = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  const auto delay = reconnect_delay(slot.failures, opts.reconnect_initial, opts.reconnect_max, r);
  ++slot.failures;
  slot.link_id = 0;
  log::info("smpp_client_reconnect", {{"operator", slot.cfg.operator_name}, {"in_ms", delay.count()}});
  slot.timer->expires_after(delay);
  slot.timer->async_wait([self = shared_from_this(), i](boost::system::error_code ec) {
    if (!ec && !self->is_stopping()) self->connect(i);
  });
}

}  // namespace lapor::sms
