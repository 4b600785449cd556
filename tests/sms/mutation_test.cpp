// Seeded random mutations of valid PDUs through every decoder: nothing may crash, hang,
// read out of bounds (build with -DLAPOR_SANITIZE=ON) or break the round-trip property
// decode(encode(decode(x))) == decode(x).
#include <doctest/doctest.h>

#include <memory>
#include <random>

#include "channels/sms/frame_decoder.h"
#include "channels/sms/keywords.h"
#include "channels/sms/message_text.h"
#include "channels/sms/mo_message.h"
#include "channels/sms/session_fsm.h"
#include "channels/sms/udh.h"
#include "tests/sms/samples.h"
#include "tests/sms/test_support.h"

using namespace lapor::sms;
using namespace lapor::sms::test;

namespace {

class mutator {
 public:
  explicit mutator(std::uint32_t seed) : rng_(seed) {}

  std::size_t below(std::size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  std::uint8_t byte() { return static_cast<std::uint8_t>(below(256)); }

  void mutate(bytes& b, const std::vector<bytes>& pool) {
    const std::size_t rounds = 1 + below(4);
    for (std::size_t r = 0; r < rounds; ++r) {
      switch (below(9)) {
        case 0:  // flip a bit
          if (!b.empty()) b[below(b.size())] ^= static_cast<std::uint8_t>(1u << below(8));
          break;
        case 1:  // overwrite an octet with an interesting value
          if (!b.empty()) {
            static const std::uint8_t interesting[] = {0x00, 0x01, 0x1B, 0x40, 0x7F, 0x80, 0xD8, 0xDC, 0xFE, 0xFF};
            b[below(b.size())] = interesting[below(sizeof interesting)];
          }
          break;
        case 2: {  // insert random octets
          const std::size_t at = below(b.size() + 1);
          const std::size_t n = 1 + below(8);
          for (std::size_t i = 0; i < n; ++i) b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), byte());
          break;
        }
        case 3:  // truncate
          b.resize(below(b.size() + 1));
          break;
        case 4:  // erase a range
          if (!b.empty()) {
            const std::size_t at = below(b.size());
            const std::size_t n = 1 + below(std::min<std::size_t>(8, b.size() - at));
            b.erase(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(at + n));
          }
          break;
        case 5:  // fix command_length to the new size, so the body decoders are reached
          if (b.size() >= 4) {
            const auto n = static_cast<std::uint32_t>(b.size());
            b[0] = static_cast<std::uint8_t>(n >> 24);
            b[1] = static_cast<std::uint8_t>(n >> 16);
            b[2] = static_cast<std::uint8_t>(n >> 8);
            b[3] = static_cast<std::uint8_t>(n);
          }
          break;
        case 6:  // random command_length
          if (b.size() >= 4) b[below(4)] = byte();
          break;
        case 7: {  // splice another PDU in
          const bytes& other = pool[below(pool.size())];
          const std::size_t at = below(b.size() + 1);
          b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), other.begin(), other.end());
          break;
        }
        case 8:  // random command_id among the ones we know (and a few we do not)
          if (b.size() >= 8) {
            static const std::uint32_t ids[] = {1, 2, 4, 5, 6, 9, 0x0B, 0x15, 0x103, 0x80000000, 0x80000004,
                                                0x80000009, 0x80000103, 3, 0x21, 0x99};
            const std::uint32_t id = ids[below(sizeof ids / sizeof ids[0])];
            b[4] = static_cast<std::uint8_t>(id >> 24);
            b[5] = static_cast<std::uint8_t>(id >> 16);
            b[6] = static_cast<std::uint8_t>(id >> 8);
            b[7] = static_cast<std::uint8_t>(id);
          }
          break;
      }
    }
  }

 private:
  std::mt19937 rng_;
};

struct totals {
  std::size_t decoded = 0;
  std::size_t refused = 0;
  std::size_t messages = 0;
  std::size_t texts = 0;
};

void exercise_pdu(const pdu& p, session_fsm& fsm, totals& t) {
  ++t.decoded;
  // Round trip: whatever decodes must encode and decode back to the same value.
  auto wire = encode_pdu(p);
  REQUIRE(wire.has_value());
  auto again = decode_pdu(*wire);
  REQUIRE(again.has_value());
  CHECK(*again == p);

  (void)fsm.on_pdu(p);
  auto m = extract_message(p);
  if (!m) return;
  ++t.messages;
  for (auto policy : {default_alphabet::gsm7, default_alphabet::gsm7_packed, default_alphabet::latin1,
                      default_alphabet::auto_detect}) {
    auto text = render_text(*m, text_decode_options{policy, policy});
    if (text) {
      ++t.texts;
      (void)parse_keywords(text->text);
    }
  }
  if (const auto* b = p.get<sm_body>()) (void)parse_udh(b->short_message);
}

}  // namespace

TEST_CASE("100k mutated PDUs through frame_decoder, decode_pdu, extract, UDH, text, FSM") {
  std::vector<bytes> pool;
  for (const auto& p : sample_pdus()) pool.push_back(*encode_pdu(p));
  // Messages with UDH / UCS-2 / escapes make the deeper decoders reachable.
  sm_body udh16 = mo_body();
  udh16.esm_class = 0x40;
  udh16.data_coding = 8;
  udh16.short_message = hex("06 08 04 1234 02 01 0041 D83D DE00");
  pool.push_back(*encode_pdu(make_deliver_sm(30, udh16)));
  sm_body esc = mo_body();
  esc.short_message = hex("61 00 62 02 63 11 64 1B65 1B28 1B29 05 1B");
  pool.push_back(*encode_pdu(make_submit_sm(31, esc)));

  mutator mut(20261122);
  totals t;
  session_options o;
  o.window = 4;
  o.authenticate = [](const bind_request& r) {
    return bind_decision{r.password == "secret" ? 0u : status::esme_rinvpaswd, "op"};
  };
  auto fsm = std::make_unique<session_fsm>(o);
  frame_decoder stream_decoder(4096);

  for (int i = 0; i < 100'000; ++i) {
    if (i % 1000 == 0) fsm = std::make_unique<session_fsm>(o);
    bytes b = pool[mut.below(pool.size())];
    mut.mutate(b, pool);

    // 1. Directly, as one frame.
    auto direct = decode_pdu(b, decode_options{4096});
    if (direct) {
      exercise_pdu(*direct, *fsm, t);
    } else {
      ++t.refused;
      (void)fsm->on_decode_error(direct.error());
      auto reply = encode_pdu(make_error_reply(direct.error()));
      CHECK(reply.has_value());
    }

    // 2. Through the stream decoder, in random chunks.
    bytes_view in = b;
    while (!in.empty()) {
      const std::size_t chunk = 1 + mut.below(std::min<std::size_t>(in.size(), 64));
      bytes_view piece = in.first(chunk);
      in = in.subspan(chunk);
      while (!piece.empty()) {
        auto step = stream_decoder.feed(piece);
        piece = piece.subspan(step.consumed);
        REQUIRE(stream_decoder.buffered() <= 4096);
        if (step.result == frame_decoder::progress::frame_ready) {
          auto p = decode_pdu(stream_decoder.frame(), decode_options{4096});
          if (p) exercise_pdu(*p, *fsm, t);
        } else if (step.result == frame_decoder::progress::bad_length) {
          stream_decoder.reset();
          piece = {};
          in = {};
        }
      }
    }

    // 3. The raw octets as a UDH and as text in every coding.
    (void)parse_udh(b);
    for (std::uint8_t dc : {0x00, 0x01, 0x03, 0x08, 0xF0}) {
      (void)decode_text(b, dc, {}, decode_mode::strict, b.size() % 8);
      auto lossy = decode_text(b, dc, {}, decode_mode::lossy);
      CHECK(lossy.has_value());
    }
  }
  MESSAGE("decoded " << t.decoded << ", refused " << t.refused << ", messages " << t.messages << ", texts "
                     << t.texts);
  CHECK(t.decoded > 10'000);
  CHECK(t.refused > 10'000);
  CHECK(t.messages > 1'000);
}
