// The octet-string type of the SMS channel: PDU frames, short_message, TLV values, UDH.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace lapor::sms {

using bytes = std::vector<std::uint8_t>;
using bytes_view = std::span<const std::uint8_t>;

}  // namespace lapor::sms
