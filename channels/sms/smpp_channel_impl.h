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
#include <condition_variable>
#include <deque>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "channels/sms/reassembly.h"
#include "channels/sms/stored_part.h"
#include "channels/sms/reply_dispatcher.h"
#include "gateway/dispatch_sink.h"
#include "channels/sms/smpp_accounts.h"
#include "channels/sms/smpp_channel.h"
#include "channels/sms/smpp_link.h"
#include "channels/sms/sms_submission.h"
#include "gateway/reloadable.h"

namespace lapor::sms {

// Reply outcomes on their way from the channel (Asio threads) to the outbox forwarder's thread
// (smpp_channel::make_reply_sink).
struct reply_mailbox {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<gateway::dispatch_result> done;
  std::size_t in_flight = 0;
  bool wake = false;
};

// final: destroyed through shared_ptr<impl>, and link_events' destructor is not virtual.
struct smpp_channel::impl final : std::enable_shared_from_this<impl>, link_events {
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
  // A long message being reassembled: its segments in `parts` (the reassembler), its part
  // rows in the store under `group`. Invariant: an entry exists exactly while the
  // reassembler holds a group for the key.
  struct open_message {
    std::string group;
    std::set<std::uint8_t> unstored;  // parts whose row failed: written again on their next copy
    std::uint8_t source_ton = 0;
    std::uint8_t source_npi = 0;
  };
  // A whole long message (complete, or incomplete after the timeout) handed to the core once
  // all its rows are committed; retried from housekeeping when refused (its parts are durable).
  // Copies of its parts that arrive meanwhile (the SMSC resending a part whose resp it did not
  // get, e.g. right after our restart) wait in `copies` for the message's answer: the message
  // is neither open nor done yet, and a copy must not start a second message.
  struct storing_message {
    assembled_message message;
    std::uint8_t source_ton = 0;
    std::uint8_t source_npi = 0;
    bool submitted = false;
    std::chrono::steady_clock::time_point retry_at{};
    std::vector<waiter> copies;
  };
  // A long message stored lately. A later part with its key is a retry only if its bytes equal
  // the stored part (3GPP TS 23.040 §9.2.3.24.1): it gets the same answer; any other part with
  // that key starts a new message.
  struct done_message {
    std::string answer;
    std::map<std::uint8_t, std::uint64_t> part_hash;
    std::chrono::steady_clock::time_point until;
  };
  struct client_slot {
    gateway::smpp_client_config cfg;
    std::unique_ptr<tcp::resolver> resolver;
    std::unique_ptr<tcp::socket> socket;
    std::unique_ptr<boost::asio::steady_timer> timer;
    int failures = 0;
    std::uint64_t link_id = 0;  // 0 when not connected
    // Cluster mode: the leases this bind may run under (cluster_binds of them) and the one
    // held (empty = none: not connected).
    std::vector<std::string> lease_names;
    std::string lease;
  };

  smpp_channel_options opts;
  smpp_deps deps;
  gateway::reloadable<account_table> accounts;  // replaced by a reload (set_accounts)
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
  std::uint64_t next_group = 1;
  std::map<std::uint64_t, link_entry> links;  // every open link, bound or not
  reassembler parts;
  std::map<group_key, open_message> open_messages;
  std::map<std::string, storing_message> storing;  // by group
  // Part rows on their way to the store, by group and part: who to answer after the commit.
  std::map<std::string, std::map<std::uint8_t, std::vector<waiter>>> rows_in_flight;
  std::map<group_key, done_message> done_messages;
  reply_dispatcher replies;
  std::shared_ptr<reply_mailbox> mailbox = std::make_shared<reply_mailbox>();
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>> replies_by_number;  // last hour
  std::map<std::string, std::chrono::steady_clock::time_point> last_reply_to;  // auto-reply guard
  boost::asio::steady_timer reply_pacer;  // wakes send_replies when a paced/paused bind has room again
  bool reply_pacer_armed = false;
  std::chrono::steady_clock::time_point reply_pacer_at{};
  std::uint64_t reply_counts[4] = {0, 0, 0, 0};  // delivered, expired, other dead, over the per-number limit
  std::uint64_t housekeeping_rounds = 0;
  static constexpr std::string_view reply_destination = "sms_reply";
  static constexpr std::int64_t done_retention_ms = 24LL * 3600 * 1000;  // late copies of parts

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
  // Writes one part's row; its waiters are answered after the commit.
  void store_part(const part& p, const open_message& o, waiter w);  // mutex held
  void part_stored(group_key key, std::string group, std::uint8_t seq, const gateway::submit_result& r);
  // A whole long message leaves the reassembler: into `storing`, its group appended to
  // `to_submit` (mutex held; call submit_stored() for each after unlocking).
  void close_message(assembled_message m, std::vector<std::string>& to_submit);
  void submit_stored(const std::string& group);
  void message_stored(const std::string& group, const gateway::submit_result& r);
  // The core's answer for a stored message: done (kept for late copies of its parts) or, when
  // refused for load or a failed commit, submitted again shortly. Copies waiting are answered.
  void finish_storing(const std::string& group, const gateway::submit_result& r);  // mutex held
  // The message being stored under `key` whose part `s.seq` has exactly these bytes, if any.
  [[nodiscard]] storing_message* storing_with_part(const group_key& key, const segment& s);  // mutex held
  // The stored rows of whole long messages, by group, in arrival order of their first row.
  struct stored_group {
    std::string group;
    part_record first;
    std::vector<part> parts;
    std::string answer;  // the message's answer once stored ("-": ended without one)
    std::int64_t received_at_ms = 0;
  };
  [[nodiscard]] static std::vector<stored_group> group_rows(const std::vector<gateway::part_store::part>& rows,
                                                            std::size_t& unreadable);
  // Stored groups join this node's reassembly (mutex held): done ones answer late copies,
  // open ones resume, and an open one under a key this node already holds open joins it (its
  // parts written again under that group, then its own rows ended) unless a part differs.
  // Returns how many open groups it resumed or joined.
  std::size_t absorb_groups(std::vector<stored_group> groups, std::vector<std::string>& to_submit);
  void load_parts();  // start-up: resumes reassembly from the stored parts
  // Cluster mode: takes over the parts of nodes whose lease expired (housekeeping).
  void take_over_parts();
  bool taking_over = false;  // strand
  // Cluster mode: operators with replies queued here and no bind here that can take them,
  // since when (housekeeping hands those replies on after reply_hand_on_after).
  std::map<std::string, std::chrono::steady_clock::time_point> unsendable_since;
  static constexpr auto reply_hand_on_after = std::chrono::seconds(5);
  // Cluster mode: "smpp_binds:<operator>:<node>" is held while a node has a bind of the
  // operator that can carry replies (store::leases::own_name).
  static constexpr std::string_view reply_bind_lease_prefix = "smpp_binds:";
  void hand_on_unsendable(std::chrono::steady_clock::time_point now);  // mutex held
  [[nodiscard]] bool addressed_to_us(std::string_view destination) const;
  // We sent `to` a reply within smpp.auto_reply_window: what it sends now is not answered.
  [[nodiscard]] bool recently_replied(const std::string& to) const;
  [[nodiscard]] std::optional<outgoing_sms> reply_address(const std::string& op, const std::string& source,
                                                          std::uint8_t ton, std::uint8_t npi) const;
  static void answer_all(const std::vector<waiter>& ws, const core_answer& a);
  // One whole message: a report to store, or a status query to answer. `group`: the stored
  // parts it completes (long messages; their parts were answered already).
  void process(inbound_sms in, std::vector<waiter> waiters, std::optional<outgoing_sms> reply_to,
               std::string group = {});
  void on_receipt(const std::shared_ptr<smpp_link>& link, const receipt_received& r) override;
  void on_refused(const std::shared_ptr<smpp_link>&, command_id answer, std::uint32_t st) override;

  // ---- smpp_replies.cpp ----
  // The durable row's payload for a reply to `to` (reply_row.h), expiring after reply TTL.
  [[nodiscard]] std::string reply_row_for(const outgoing_sms& to, std::string text) const;
  // A message that no stored fact caused (a status answer): an outbox row, sent like a receipt.
  void queue_reply(const outgoing_sms& to, std::string text);
  // From the outbox forwarder (any thread): one reply row to send; the outcome goes to `mailbox`.
  void send_reply_row(std::uint64_t tag, const std::string& payload);
  void send_replies(const std::string& op, std::chrono::steady_clock::time_point now);  // mutex held
  void arm_reply_pacer();  // mutex held
  void report(std::vector<reply_outcome>& finished);  // mutex held or not
  pdu reply_pdu(const outgoing_sms& m, const sms_parts& parts, bytes payload, bool as_client) const;
  void reply_part_done(std::uint64_t token, part_result r);
  void on_request_finished(const std::shared_ptr<smpp_link>&, const request_finished& f) override;
  void on_push_refused(const std::shared_ptr<smpp_link>&, std::uint64_t token, bool) override;

  // ---- smpp_clients.cpp ----
  void connect(std::size_t i);
  void connected(std::size_t i);
  void connect_failed(std::size_t i, const std::string& why);
  void schedule_reconnect(std::size_t i);
  // Cluster mode, every housekeeping tick: keep one lease per client bind, connect the ones
  // held, close a bind whose lease was lost (another node may hold it now).
  void tend_client_leases();
  [[nodiscard]] bool may_connect(std::size_t i) const;
};

}  // namespace lapor::sms
