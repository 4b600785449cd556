// The text of an MO: one message, or a reassembled long one, as UTF-8.
#pragma once

#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "channels/sms/mo_message.h"
#include "channels/sms/reassembly.h"
#include "channels/sms/text_decoding.h"

namespace lapor::sms {

// Marks where parts of a long message never arrived (or were not text).
inline constexpr std::string_view gap_marker = "[\u2026]";

struct rendered_text {
  std::string text;         // valid UTF-8
  bool lossy = false;       // some octets were not text in their coding: U+FFFD or a gap marker
  bool incomplete = false;  // parts are missing (gap markers)
};

// Decodes a single message; a strict failure falls back to lossy decoding (`lossy` set), so
// only binary / unsupported codings fail.
[[nodiscard]] boost::system::result<rendered_text, text_error> render_text(const mo_message& m,
                                                                           const text_decode_options& o);

// Decodes a reassembled message: the raw octets of adjacent parts with the same coding are
// joined and decoded once (packed GSM: part by part, each has its own fill bits); a run
// that fails strictly is decoded part by part, lossily. Missing parts, and parts in a
// binary coding, become gap_marker. Fails only when no part at all is text.
[[nodiscard]] boost::system::result<rendered_text, text_error> render_text(const assembled_message& m,
                                                                           const text_decode_options& o);

// The reassembly part for a message with m.concat set (nullopt otherwise).
[[nodiscard]] std::optional<part> make_part(const mo_message& m, std::string_view operator_name);

}  // namespace lapor::sms
