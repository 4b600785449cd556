// The time and size bounds of one SMPP connection (smpp_link.h), Asio-free so the channel's
// public header can carry them.
#pragma once

#include <chrono>
#include <cstddef>

#include "channels/sms/pdu.h"

namespace lapor::sms {

struct link_timing {
  std::chrono::milliseconds bind_timeout{10'000};           // connect -> bound
  std::chrono::milliseconds enquire_link_interval{30'000};  // quiet this long: enquire_link
  std::chrono::milliseconds idle_timeout{120'000};          // nothing read this long: close
  std::chrono::milliseconds response_timeout{10'000};       // for each request we send
  std::chrono::milliseconds unbind_timeout{5'000};          // unbinding -> closed
  std::size_t max_pdu_length = default_max_pdu_length;      // larger command_length: nack, close
  std::size_t max_write_backlog = 4 * 1024 * 1024;          // octets queued: stop reading
};

}  // namespace lapor::sms
