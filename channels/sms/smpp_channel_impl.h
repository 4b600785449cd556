// The SMPP channel's shared state and the functions over it (private to channels/sms).
// Split by job across translation units, all on this one struct:
//   smpp_channel.cpp  listener, bind registry, housekeeping timer, start/stop
//   smpp_intake.cpp   MOs -> reassembly -> keywords -> the core; *_resp after the commit
//   smpp_replies.cpp  reply SMS: reply_dispatcher -> deliver_sm / submit_sm on a link
//   smpp_clients.cpp  client mode: connect, bind, reconnect with backoff
//
// Threading: `mutex` guards the maps and the reassembler/dispatcher (short critical sections,
// never held across a call that could call back: link functions only post to the link's
// strand). `clients`, the acceptor and the timers live on `strand`. Link events arrive on
// each link's own strand; sink completions on the store's writer thread; status lookups on
// the read pool's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "channels/sms/reassembly.h"
#include "channels/sms/reply_dispatcher.h"
#include "channels/sms/smpp_accounts.h"
#include "channels/sms/smpp_channel.h"
#include "channels/sms/smpp_link.h"
#include "channels/sms/sms_submission.h"

namespace lapor::sms {

struct smpp_channel::impl : std::enable_shared_from_this<impl>, link_events {
  using tcp = boost::asio::ip::tcp;

  // A PDU of one link waiting for the core's answer.
  struct waiter {
    std::weak_ptr<smpp_link> link;
    std::uint64_t token = 0;
  };
  struct link_entry {
    std::weak_ptr<smpp_link> link;
    std::string operator_name;  // empty until bound
  };
  struct group_wait {
    std::vector<waiter> waiters;
    std::uint8_t source_ton = 0;
    std::uint8_t source_npi = 0;
  };
  // Long messages stored lately: a part the SMSC sends again (our resp got lost) is answered
  // like its siblings instead of opening a new group that would be stored as a fragment.
  struct stored_group {
    core_answer answer;
    std::chrono::steady_clock::time_point until;
  };
  struct client_slot {
    gateway::smpp_client_config cfg;
    std::unique_ptr<tcp::resolver> resolver;
    std::unique_ptr<tcp::socket> socket;
    std::unique_ptr<boost::asio::steady_timer> timer;
    int failures = 0;
    std::uint64_t link_id = 0;  // 0 when not connected
  };

  smpp_channel_options opts;
  smpp_deps deps;
  account_table accounts;
  boost::asio::strand<boost::asio::io_context::executor_type> strand;
  tcp::acceptor acceptor;                   // on `strand`: accepting and stop() never race
  boost::asio::steady_timer accept_pause;   // after a failed accept (e.g. out of descriptors)
  boost::asio::steady_timer housekeeping;
  gateway::submission_sink* sink = nullptr;
  redelivery_keys redelivery;               // thread-safe itself
  std::vector<client_slot> clients;         // touched on `strand` only
  std::mt19937_64 rng{std::random_device{}()};

  mutable std::mutex mutex;  // guards everything below
  bool stopping = false;
  std::uint64_t next_link_id = 1;
  std::map<std::uint64_t, link_entry> links;  // every open link, bound or not
  reassembler parts;
  std::map<group_key, group_wait> groups;     // the PDUs of each open group, to answer
  std::map<group_key, stored_group> recent_groups;
  reply_dispatcher replies;

  impl(smpp_channel_options o, smpp_deps d, account_table a);

  // ---- smpp_channel.cpp ----
  void bind_listener();
  void do_accept();
  void on_accept(tcp::socket socket);
  void register_link(const std::shared_ptr<smpp_link>& link);
  bool is_stopping() const;
  void on_bound(const std::shared_ptr<smpp_link>& link, const session_bound& b) override;
  void on_closed(const std::shared_ptr<smpp_link>& link, std::string_view) override;
  void update_bind_gauge(const std::string& op);  // mutex held
  void arm_housekeeping();
  void on_housekeeping();
  void start(gateway::submission_sink& s);
  void stop();
  std::size_t open_links() const;

  // ---- smpp_intake.cpp ----
  void on_message(const std::shared_ptr<smpp_link>& link, submit_to_core m) override;
  void on_part(const std::shared_ptr<smpp_link>& link, submit_to_core m);
  group_wait take_group(const group_key& key);  // mutex held
  void submit_assembled(assembled_message message, group_wait wait);
  static outgoing_sms reply_address(const std::string& op, const std::string& source, std::uint8_t ton,
                                    std::uint8_t npi, std::uint64_t via);
  static void answer_all(const std::vector<waiter>& ws, const core_answer& a);
  // One whole message: a report to store, or a status query to answer. `group`: the
  // reassembly group it came from, for late copies of its parts.
  void process(inbound_sms in, std::vector<waiter> waiters, outgoing_sms reply_to,
               std::optional<group_key> group = std::nullopt);
  void on_receipt(const std::shared_ptr<smpp_link>& link, const receipt_received& r) override;
  void on_refused(const std::shared_ptr<smpp_link>&, command_id answer, std::uint32_t st) override;

  // ---- smpp_replies.cpp ----
  void queue_reply(outgoing_sms m);
  void send_replies(const std::string& op, std::chrono::steady_clock::time_point now);  // mutex held
  pdu reply_pdu(const outgoing_sms& m, const sms_parts& parts, bytes payload, bool as_client) const;
  void reply_part_done(std::uint64_t token, bool ok, bool permanent);
  void on_request_finished(const std::shared_ptr<smpp_link>&, const request_finished& f) override;
  void on_push_refused(const std::shared_ptr<smpp_link>&, std::uint64_t token, bool) override;

  // ---- smpp_clients.cpp ----
  void connect(std::size_t i);
  void connected(std::size_t i);
  void connect_failed(std::size_t i, const std::string& why);
  void schedule_reconnect(std::size_t i);
};

}  // namespace lapor::sms
