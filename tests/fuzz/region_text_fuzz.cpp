// libFuzzer target for the region resolver (gateway/region/): what a citizen wrote, any bytes.
//
// Input: location field, title and body separated by NUL bytes, e.g.
//   "Kel. Sukajadi, Kec. Sukarame\0Jalan rusak\0jln rusak dkt pasar kota sby #Bandarlampung"
//
// Properties: resolving never crashes and gives the same answer twice; an answer is a unit
// of the embedded table; the words are lowercase ASCII letters and digits; the index and
// lexicon parsers refuse or accept any text without crashing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/region/place_words.h"
#include "gateway/region/resolver.h"
#include "tests/fuzz/fuzz_targets.h"

using namespace lapor::region;
using lapor::fuzz::require;

namespace lapor::fuzz {

int region_text(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view parts[3];
  std::size_t at = 0;
  for (int i = 0; i < 3; ++i) {
    const auto end = i < 2 ? std::min(in.find('\0', at), in.size()) : in.size();
    if (at <= in.size()) parts[i] = in.substr(at, end - at);
    at = end + 1;
  }
  const auto& r = resolver::embedded();
  const place_input input{parts[0], parts[1], parts[2], std::nullopt, std::nullopt};
  const auto a = r.resolve(input);
  const auto b = r.resolve(input);
  require(a.unit == b.unit && a.from == b.from);
  require(a.unit == no_unit || a.unit < r.table().size());
  if (size < 512) (void)r.explain(input);

  std::string buf;
  std::vector<word> words;
  split_words(in, buf, words);
  for (const auto& w : words) {
    require(!w.text.empty());
    require(w.text.data() >= buf.data() && w.text.data() + w.text.size() <= buf.data() + buf.size());
    for (char c : w.text) require((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
  }

  std::string error;
  if (size < 4096) {
    (void)region_table::parse(std::string(in), error);
    (void)lexicon::parse(in, error);
  }
  return 0;
}

}  // namespace lapor::fuzz

LAPOR_FUZZ_ENTRY(region_text)
