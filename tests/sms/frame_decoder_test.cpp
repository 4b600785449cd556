#include <doctest/doctest.h>

#include "channels/sms/frame_decoder.h"
#include "channels/sms/smpp_status.h"
#include "tests/sms/samples.h"
#include "tests/sms/test_support.h"

using namespace lapor::sms;
using namespace lapor::sms::test;

namespace {

// Feeds `stream` in chunks of `chunk` octets; collects the frames, stops at an error.
struct run_result {
  std::vector<bytes> frames;
  std::optional<decode_error> error;
  std::size_t max_buffered = 0;
};

run_result run(const bytes& stream, std::size_t chunk, std::size_t max = default_max_pdu_length) {
  frame_decoder dec(max);
  run_result r;
  std::size_t at = 0;
  while (at < stream.size()) {
    bytes_view in = bytes_view(stream).subspan(at, std::min(chunk, stream.size() - at));
    at += in.size();
    while (!in.empty()) {
      auto step = dec.feed(in);
      in = in.subspan(step.consumed);
      r.max_buffered = std::max(r.max_buffered, dec.buffered());
      if (step.result == frame_decoder::progress::frame_ready) {
        r.frames.emplace_back(dec.frame().begin(), dec.frame().end());
      } else if (step.result == frame_decoder::progress::bad_length) {
        r.error = dec.error();
        return r;
      } else {
        CHECK(in.empty());
      }
    }
  }
  return r;
}

}  // namespace

TEST_CASE("frame_decoder splits a stream however it is chunked") {
  bytes stream;
  std::vector<bytes> expected;
  for (const auto& p : sample_pdus()) {
    auto wire = encode_pdu(p);
    REQUIRE(wire.has_value());
    expected.push_back(*wire);
    stream.insert(stream.end(), wire->begin(), wire->end());
  }
  for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{5}, std::size_t{16},
                            std::size_t{17}, std::size_t{100}, stream.size()}) {
    CAPTURE(chunk);
    auto r = run(stream, chunk);
    CHECK_FALSE(r.error);
    CHECK(r.frames == expected);
    CHECK(r.max_buffered <= 200);
  }
}

TEST_CASE("frame_decoder reports a garbage length as soon as it is read") {
  struct bad {
    const char* name;
    bytes stream;
    std::size_t chunk;
    std::uint32_t sequence;  // 0 when not yet at hand
  };
  const bad cases[] = {
      {"length 0", hex("00000000 00000015 00000000 00000005"), 64, 5},
      {"length 15", hex("0000000F 00000015 00000000 00000005"), 64, 5},
      {"length 4 GiB", hex("FFFFFFFF 00000004 00000000 00000009"), 64, 9},
      {"length just over the cap", hex("00010001 00000004 00000000 00000009"), 64, 9},
      {"reported after 4 octets, before the header", hex("00000003"), 4, 0},
      {"ASCII garbage (HTTP on the SMPP port)", str("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 64, 0x2E310D0A},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.name));
    auto r = run(c.stream, c.chunk);
    REQUIRE(r.error);
    CHECK(r.error->status == status::esme_rinvcmdlen);
    CHECK(r.error->reply_id == command_id::generic_nack);
    CHECK(r.error->fatal);
    CHECK(r.error->sequence == c.sequence);
    CHECK(r.frames.empty());
    CHECK(r.max_buffered <= 4);
  }
}

TEST_CASE("frame_decoder: frames before the garbage are delivered; the error is sticky") {
  bytes stream = cat({hex("00000010 00000015 00000000 00000001"), hex("00000002 AABBCCDD")});
  frame_decoder dec;
  bytes_view in = stream;
  auto s1 = dec.feed(in);
  CHECK(s1.result == frame_decoder::progress::frame_ready);
  CHECK(s1.consumed == 16);
  in = in.subspan(s1.consumed);
  auto s2 = dec.feed(in);
  CHECK(s2.result == frame_decoder::progress::bad_length);
  auto s3 = dec.feed(in.subspan(s2.consumed));
  CHECK(s3.result == frame_decoder::progress::bad_length);
  CHECK(s3.consumed == 0);
  dec.reset();
  auto s4 = dec.feed(hex("00000010 00000015 00000000 00000002"));
  CHECK(s4.result == frame_decoder::progress::frame_ready);
}

TEST_CASE("frame_decoder never buffers more than the maximum") {
  // A 300-octet PDU with a 256-octet cap is refused after 4 octets, not buffered.
  bytes big = frame(0x04, 1, bytes(284, 0));
  auto refused = run(big, 1, 256);
  REQUIRE(refused.error);
  CHECK(refused.max_buffered <= 4);
  // Exactly at the cap is fine.
  bytes fits = frame(0x15, 1, bytes(240, 0));
  auto ok = run(fits, 7, 256);
  CHECK_FALSE(ok.error);
  REQUIRE(ok.frames.size() == 1);
  CHECK(ok.frames[0].size() == 256);
  CHECK(ok.max_buffered <= 256);
}
