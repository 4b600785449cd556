// Splits an SMPP byte stream into whole PDU frames (sans-I/O).
//
// Feed it whatever the socket read; it consumes bytes up to the end of the current frame and
// says when a frame is complete. It never holds more than one frame, so its buffer never
// exceeds `max_pdu_length`; a command_length below 16 or above the maximum is reported as
// soon as its 4 octets are in, without waiting for (or buffering) the announced body.
//
//   frame_decoder dec;
//   bytes_view in = what_the_socket_read;
//   while (!in.empty()) {
//     auto step = dec.feed(in);
//     in = in.subspan(step.consumed);
//     if (step.result == frame_decoder::progress::frame_ready) handle(decode_pdu(dec.frame()));
//     else if (step.result == frame_decoder::progress::bad_length) { nack(*dec.error()); close(); break; }
//   }
//
// Not thread-safe; one per connection.
#pragma once

#include <cstddef>
#include <optional>

#include "channels/sms/bytes.h"
#include "channels/sms/pdu.h"

namespace lapor::sms {

class frame_decoder {
 public:
  enum class progress {
    need_more,    // all of `in` consumed, no frame complete yet
    frame_ready,  // frame() holds one whole PDU; call feed() again with the rest of the input
    bad_length,   // error() says why; the stream is out of sync; sticky until reset()
  };
  struct step {
    std::size_t consumed = 0;
    progress result = progress::need_more;
  };

  explicit frame_decoder(std::size_t max_pdu_length = default_max_pdu_length);

  // Consumes bytes of `in` up to the end of the current frame. After frame_ready, the next
  // call starts a new frame (frame() is invalidated). After bad_length, consumes nothing.
  [[nodiscard]] step feed(bytes_view in);

  // The complete frame (header included) after frame_ready; valid until the next feed().
  [[nodiscard]] bytes_view frame() const noexcept;

  // After bad_length: ESME_RINVCMDLEN, generic_nack, fatal; sequence/offending_id filled in
  // only when those header octets were already at hand (0 otherwise).
  [[nodiscard]] const std::optional<decode_error>& error() const noexcept { return error_; }

  // Octets buffered for the frame in progress (0 between frames).
  [[nodiscard]] std::size_t buffered() const noexcept { return ready_ ? 0 : buffer_.size(); }

  void reset();

 private:
  std::size_t max_;
  bytes buffer_;
  std::size_t expected_ = 0;  // command_length once known
  bool ready_ = false;
  std::optional<decode_error> error_;
};

}  // namespace lapor::sms
