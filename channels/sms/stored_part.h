// One part of a long SMS as the bytes of its store row (gateway::part_store), so that a
// restart rebuilds the reassembly from the rows alone. Pure; fuzzed through decode.
//
//   version 1 | ton | npi | data_coding | udh_octets (2) | ref (2) | total | seq
//   | len + operator | len + source_addr | len + destination_addr | payload (rest)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "channels/sms/reassembly.h"

namespace lapor::sms {

struct part_record {
  part p;
  std::uint8_t source_ton = 0;
  std::uint8_t source_npi = 0;
};

[[nodiscard]] std::string encode_part(const part_record& r);
// nullopt for anything encode_part() did not write (a row of another version, corruption).
[[nodiscard]] std::optional<part_record> decode_part(std::string_view bytes);
// A stable hash of a part's content (coding, UDH size, payload): equal bytes, equal hash.
[[nodiscard]] std::uint64_t part_hash(const segment& s) noexcept;

}  // namespace lapor::sms
