#include "bench/smpp_load/fake_smsc.h"

#include <boost/asio/write.hpp>

#include "channels/sms/frame_decoder.h"
#include "channels/sms/pdu.h"
#include "channels/sms/smpp_status.h"
#include "channels/sms/text_decoding.h"
#include "channels/sms/text_encoding.h"

namespace lapor::bench {

namespace net = boost::asio;
using tcp = net::ip::tcp;

class fake_smsc::connection : public std::enable_shared_from_this<fake_smsc::connection> {
 public:
  connection(tcp::socket socket, const fake_smsc_options& options, fake_smsc_counts& counts)
      : socket_(std::move(socket)), options_(options), counts_(counts), buf_(64 * 1024) {}

  void start() { do_read(); }
  void stop() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  void do_read() {
    socket_.async_read_some(net::buffer(buf_), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                          std::size_t n) {
      if (ec) return;  // the client went away (or stop()): nothing to answer
      sms::bytes_view in(self->buf_.data(), n);
      while (!in.empty()) {
        auto step = self->decoder_.feed(in);
        in = in.subspan(step.consumed);
        if (step.result == sms::frame_decoder::progress::frame_ready) {
          auto p = sms::decode_pdu(self->decoder_.frame());
          if (p) self->on_pdu(*p);
          else self->send(sms::make_error_reply(p.error()));
        } else if (step.result == sms::frame_decoder::progress::bad_length) {
          self->send(sms::make_error_reply(*self->decoder_.error()));
          self->closing_ = true;
          break;
        }
      }
      self->flush();
      if (!self->closing_) self->do_read();
    });
  }

  void on_pdu(const sms::pdu& p) {
    using sms::command_id;
    namespace st = sms::status;
    switch (p.id) {
      case command_id::bind_transceiver: {
        const auto* b = p.get<sms::bind_body>();
        if (b && b->system_id == options_.system_id && b->password == options_.password) {
          ++counts_.binds;
          bound_ = true;
          send(sms::make_bind_resp(sms::bind_kind::transceiver, p.sequence, st::esme_rok, "FAKESMSC", 0x34));
        } else {
          ++counts_.refused_binds;
          send(sms::make_bind_resp(sms::bind_kind::transceiver, p.sequence, st::esme_rinvpaswd, {}, {}));
        }
        break;
      }
      case command_id::submit_sm: {
        if (!bound_) {
          send(sms::make_message_resp(p.id, p.sequence, st::esme_rinvbndsts, {}));
          break;
        }
        ++counts_.submits;
        const auto* sm = p.get<sms::sm_body>();
        auto text = sm ? sms::decode_text(sm->short_message, sm->data_coding) : sms::text_result(sms::text_error{});
        if (!sm || !text || text->empty() || sm->short_message.size() > 160 ||
            sm->destination_addr != options_.short_code)
          ++counts_.bad_submits;
        if (sm) counts_.senders.insert(sm->source_addr);
        if (text) counts_.texts.insert(*text);
        if (options_.throttle_every && counts_.submits % options_.throttle_every == 0) {
          ++counts_.throttled;
          send(sms::make_message_resp(p.id, p.sequence, st::esme_rthrottled, {}));
        } else {
          ++counts_.accepted;
          send(sms::make_message_resp(p.id, p.sequence, st::esme_rok, std::to_string(counts_.accepted)));
          sms::sm_body reply;
          reply.source_addr = options_.short_code;
          reply.destination_addr = sm ? sm->source_addr : std::string();
          reply.short_message = *sms::encode_gsm7("LAPOR! Laporan Anda diterima. ID: 7K3M-9QXZ-" +
                                                  std::to_string(counts_.accepted % 10000));
          ++counts_.deliver_sent;
          send(sms::make_deliver_sm(++sequence_, std::move(reply)));
        }
        if (options_.enquire_every && counts_.submits % options_.enquire_every == 0) {
          ++counts_.enquire_sent;
          send(sms::make_header_only(command_id::enquire_link, ++sequence_));
        }
        break;
      }
      case command_id::deliver_sm_resp: ++counts_.deliver_resps; break;
      case command_id::enquire_link_resp: ++counts_.enquire_resps; break;
      case command_id::enquire_link: send(sms::make_header_only(command_id::enquire_link_resp, p.sequence)); break;
      case command_id::unbind:
        ++counts_.unbinds;
        send(sms::make_header_only(command_id::unbind_resp, p.sequence));
        closing_ = true;
        break;
      default:
        if (!sms::is_response(p.id)) send(sms::make_generic_nack(p.sequence, st::esme_rinvcmdid));
        break;
    }
  }

  void send(const sms::pdu& p) { (void)sms::append_pdu(p, out_); }

  void flush() {
    if (writing_now_) return;
    if (out_.empty()) {
      if (closing_) stop();
      return;
    }
    std::swap(out_, writing_);
    out_.clear();
    writing_now_ = true;
    net::async_write(socket_, net::buffer(writing_),
                     [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                       self->writing_now_ = false;
                       self->writing_.clear();
                       if (!ec) self->flush();
                     });
  }

  tcp::socket socket_;
  const fake_smsc_options& options_;
  fake_smsc_counts& counts_;
  std::vector<std::uint8_t> buf_;
  sms::frame_decoder decoder_;
  sms::bytes out_, writing_;
  bool writing_now_ = false, closing_ = false, bound_ = false;
  std::uint32_t sequence_ = 0;
};

fake_smsc::fake_smsc(net::io_context& io, fake_smsc_options options)
    : options_(std::move(options)), acceptor_(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
  do_accept();
}

fake_smsc::~fake_smsc() { stop(); }

std::uint16_t fake_smsc::port() const { return acceptor_.local_endpoint().port(); }

void fake_smsc::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (auto& w : connections_)
    if (auto c = w.lock()) c->stop();
  connections_.clear();
}

void fake_smsc::do_accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec) return;  // stopped
    socket.set_option(tcp::no_delay(true));
    auto c = std::make_shared<connection>(std::move(socket), options_, counts_);
    connections_.push_back(c);
    c->start();
    do_accept();
  });
}

}  // namespace lapor::bench
