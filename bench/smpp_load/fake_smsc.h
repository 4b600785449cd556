// A small in-process SMPP server for smpp_load --self-test: accepts bind_transceiver with one
// system_id/password, answers every submit_sm (ESME_RTHROTTLED for every Nth), pushes a
// deliver_sm reply for every accepted one and an enquire_link now and then, and counts
// everything, so the generator's own counts can be checked against what really crossed the
// wire. Checks each submit_sm as the daemon would: GSM text, to the short code, one sender
// and one text per message. Single-threaded: runs on the io_context it is given.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace lapor::bench {

struct fake_smsc_options {
  std::string system_id = "bench";
  std::string password = "bench";
  std::string short_code = "1708";
  unsigned throttle_every = 10;  // every Nth submit_sm gets ESME_RTHROTTLED (0: never)
  unsigned enquire_every = 997;  // an enquire_link after every Nth submit_sm (0: never)
};

struct fake_smsc_counts {
  std::uint64_t binds = 0, refused_binds = 0, unbinds = 0;
  std::uint64_t submits = 0, accepted = 0, throttled = 0, bad_submits = 0;
  std::uint64_t deliver_sent = 0, deliver_resps = 0, enquire_sent = 0, enquire_resps = 0;
  std::unordered_set<std::string> senders, texts;
};

class fake_smsc {
 public:
  fake_smsc(boost::asio::io_context& io, fake_smsc_options options);
  ~fake_smsc();
  fake_smsc(const fake_smsc&) = delete;
  fake_smsc& operator=(const fake_smsc&) = delete;

  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] const fake_smsc_counts& counts() const noexcept { return counts_; }
  // Stops accepting and closes every connection.
  void stop();

  class connection;

 private:
  void do_accept();

  fake_smsc_options options_;
  boost::asio::ip::tcp::acceptor acceptor_;
  fake_smsc_counts counts_;
  std::vector<std::weak_ptr<connection>> connections_;
};

}  // namespace lapor::bench
