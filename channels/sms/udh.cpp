#include "channels/sms/udh.h"

#include <boost/throw_exception.hpp>

#include <stdexcept>
#include <string>

namespace lapor::sms {

void throw_exception_from_error(const udh_error& e, const boost::source_location& loc) {
  boost::throw_with_location(std::runtime_error("UDH: " + std::string(e.reason)), loc);
}

boost::system::result<parsed_udh, udh_error> parse_udh(bytes_view ud) {
  if (ud.empty()) return udh_error{"UDHI set but the user data is empty"};
  const std::size_t udhl = ud[0];
  if (udhl + 1 > ud.size()) return udh_error{"UDHL runs past the user data"};
  parsed_udh out;
  out.header_octets = udhl + 1;
  out.payload = ud.subspan(udhl + 1);
  const bytes_view ies = ud.subspan(1, udhl);
  std::size_t at = 0;
  while (at < ies.size()) {
    if (ies.size() - at < 2) return udh_error{"information element header runs past UDHL"};
    const std::uint8_t id = ies[at];
    const std::size_t len = ies[at + 1];
    at += 2;
    if (len > ies.size() - at) return udh_error{"information element runs past UDHL"};
    const bytes_view data = ies.subspan(at, len);
    at += len;
    out.elements.push_back(information_element{id, data});
    if (id == iei::concat_8bit) {
      if (len != 3) return udh_error{"8-bit concatenation element is not 3 octets"};
      out.concat = concat_ref{data[0], data[1], data[2], false};
    } else if (id == iei::concat_16bit) {
      if (len != 4) return udh_error{"16-bit concatenation element is not 4 octets"};
      out.concat = concat_ref{static_cast<std::uint16_t>((data[0] << 8) | data[1]), data[2], data[3], true};
    }
  }
  return out;
}

}  // namespace lapor::sms
