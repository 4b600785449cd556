// The fuzz targets' entry functions, shared by two drivers:
//  - libFuzzer (clang, -DLAPOR_FUZZ=ON): each *_fuzz.cpp is its own binary; LAPOR_FUZZ_ENTRY
//    turns its entry function into LLVMFuzzerTestOneInput;
//  - fuzz_smoke (any compiler, the normal build, CTest): all entry functions in one program
//    that replays the seed corpora and a bounded number of seeded mutations.
// An entry function returns 0 and stops the process (trap) when a property breaks, so a
// crash means the same thing under both drivers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace lapor::fuzz {

using entry_fn = int (*)(const std::uint8_t* data, std::size_t size);

// SMPP stream framing, PDU codec round trip, session FSM, message extraction, reassembly.
int smpp_decoder(const std::uint8_t* data, std::size_t size);
// UDH parsing, GSM 03.38 (packed and unpacked), UCS-2, Latin-1, ASCII text decoding.
int sms_text(const std::uint8_t* data, std::size_t size);
// multipart/form-data: boundary parameter and the push parser under any chunking.
int multipart(const std::uint8_t* data, std::size_t size);
// The mobile API's report JSON and its base64 attachments.
int report_json(const std::uint8_t* data, std::size_t size);
// TOML configuration file plus --set overrides.
int config_toml(const std::uint8_t* data, std::size_t size);
// X API v2 mentions page, tweet text cleanup, mention -> submission.
int twitter_json(const std::uint8_t* data, std::size_t size);
// The region resolver on any text; the region index and lexicon parsers.
int region_text(const std::uint8_t* data, std::size_t size);
// A long SMS's part: UDH / sar_* -> part -> its store row and back (decode_part) -> reassembly.
int sms_part(const std::uint8_t* data, std::size_t size);
// An HTTP request head: raw-byte, request-line, version, target and framing checks.
int http_head(const std::uint8_t* data, std::size_t size);

struct target {
  std::string_view name;  // also the corpus folder: tests/fuzz/corpus/<name>/
  entry_fn run;
};

inline constexpr target all_targets[] = {
    {"smpp_decoder", smpp_decoder}, {"sms_text", sms_text}, {"multipart", multipart},
    {"report_json", report_json},   {"config_toml", config_toml}, {"twitter_json", twitter_json},
    {"region_text", region_text},   {"sms_part", sms_part},       {"http_head", http_head},
};

// A property of the code under test does not hold: stop here (libFuzzer saves the input).
inline void require(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace lapor::fuzz

#ifdef LAPOR_LIBFUZZER
#define LAPOR_FUZZ_ENTRY(fn)                                                               \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {      \
    return ::lapor::fuzz::fn(data, size);                                                  \
  }
#else
#define LAPOR_FUZZ_ENTRY(fn)
#endif
