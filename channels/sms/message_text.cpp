#include "channels/sms/message_text.h"

namespace lapor::sms {

namespace {

// Decodes one run of parts sharing a coding; appends to `out`. False when the coding is
// not text.
bool render_run(const std::vector<const segment*>& run, const text_decode_options& o, rendered_text& out) {
  const text_alphabet a = alphabet_of(run.front()->data_coding, o);
  if (a == text_alphabet::binary || a == text_alphabet::unsupported) return false;
  if (a != text_alphabet::gsm7_packed) {
    bytes joined;
    for (const segment* s : run) joined.insert(joined.end(), s->payload.begin(), s->payload.end());
    if (auto text = decode_with(a, joined, decode_mode::strict)) {
      out.text += *text;
      return true;
    }
  }
  for (const segment* s : run) {
    auto strict = decode_with(a, s->payload, decode_mode::strict, s->udh_octets);
    if (strict) {
      out.text += *strict;
      continue;
    }
    out.lossy = true;
    if (auto lossy = decode_with(a, s->payload, decode_mode::lossy, s->udh_octets)) out.text += *lossy;
  }
  return true;
}

}  // namespace

boost::system::result<rendered_text, text_error> render_text(const mo_message& m, const text_decode_options& o) {
  rendered_text out;
  auto strict = decode_text(m.payload, m.data_coding, o, decode_mode::strict, m.udh.size());
  if (strict) {
    out.text = std::move(*strict);
    return out;
  }
  if (strict.error().not_text()) return strict.error();
  auto lossy = decode_text(m.payload, m.data_coding, o, decode_mode::lossy, m.udh.size());
  if (!lossy) return lossy.error();
  out.text = std::move(*lossy);
  out.lossy = true;
  return out;
}

boost::system::result<rendered_text, text_error> render_text(const assembled_message& m,
                                                             const text_decode_options& o) {
  rendered_text out;
  out.incomplete = !m.complete;
  bool any_text = false;
  bool gap_open = false;  // last thing written was a gap marker
  auto gap = [&] {
    if (!gap_open) out.text += gap_marker;
    gap_open = true;
  };
  unsigned expected = 1;
  std::vector<const segment*> run;
  auto flush = [&] {
    if (run.empty()) return;
    if (render_run(run, o, out)) {
      any_text = true;
      gap_open = false;
    } else {
      out.lossy = true;
      gap();
    }
    run.clear();
  };
  for (const segment& s : m.segments) {
    if (s.seq != expected) {  // parts expected..s.seq-1 are missing
      flush();
      gap();
    } else if (!run.empty() && run.back()->data_coding != s.data_coding) {
      flush();
    }
    run.push_back(&s);
    expected = s.seq + 1u;
  }
  flush();
  if (expected <= m.key.total) gap();
  if (!any_text) return text_error{text_error_kind::not_text, "no part of the message is text"};
  return out;
}

std::optional<part> make_part(const mo_message& m, std::string_view operator_name) {
  if (!m.concat) return std::nullopt;
  part p;
  p.key = group_key{std::string(operator_name), m.source_addr, m.destination_addr, m.concat->ref, m.concat->total};
  p.seg.seq = m.concat->seq;
  p.seg.data_coding = m.data_coding;
  p.seg.udh_octets = static_cast<std::uint16_t>(m.udh.size());  // <= 256: UDHL is one octet
  p.seg.payload = m.payload;
  return p;
}

}  // namespace lapor::sms
