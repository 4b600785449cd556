// Splits what a citizen wrote into the words the region resolver matches: lowercase ASCII
// letters and digits, so that "Kel. Sukajadi", "#KotaBekasi" and "Ba'u" compare with the
// dataset's "Sukajadi", "Kota Bekasi" and "Ba'u" word for word. Pure; no allocation beyond
// the caller's buffers.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lapor::region {

struct word {
  std::string_view text;      // lowercase [a-z0-9]+, views the caller's buffer
  std::uint16_t clause = 0;   // increments at , ; ( ) ! ? / newline and a sentence end
  bool hashtag = false;       // written as #Word
  bool capital = false;       // written with a capital first letter ("Sukajadi", not "sukajadi")
  bool dash_before = false;   // a spaced dash before it: "Curup - Kepahiang", "Bogor – Puncak"
  bool sentence_before = false;  // a full stop after a word (not an abbreviation: "Kel.", "Jl.")
  bool mention = false;       // part of an @handle ("@lapor1708": "lapor", "1708")
  bool glued = false;         // digits written onto the word before ("anjing2", "RT03")
};

// Appends the words of `utf8` to `out`, their text to `buf`. Letters with diacritics fold to
// their base letter (é → e); apostrophes inside a word vanish (Ba'u → bau); a lowercase
// letter followed by an uppercase one starts a new word (KotaBekasi → kota bekasi); letters
// and digits part (RT03 → rt 03); everything else separates words. Clause numbers continue
// from `first_clause`. `buf` must not be reallocated while the views are used: this reserves
// what it needs before writing.
void split_words(std::string_view utf8, std::string& buf, std::vector<word>& out, std::uint16_t first_clause = 0);

// The words of a complaint's three texts, split once for every reader of them (the region
// resolver, the dedup event reader): the location field's words, then the title's, then the
// body's. Each text's clauses begin two after the last clause of the words before it, so no
// two texts share a clause. The words view `buf`.
struct input_words {
  std::string buf;
  std::vector<word> words;
  std::size_t title_begin = 0, body_begin = 0;  // indexes into `words`

  [[nodiscard]] std::span<const word> location() const noexcept { return std::span(words).first(title_begin); }
  [[nodiscard]] std::span<const word> title() const noexcept {
    return std::span(words).subspan(title_begin, body_begin - title_begin);
  }
  [[nodiscard]] std::span<const word> body() const noexcept { return std::span(words).subspan(body_begin); }
};

// Splits the three texts into `out`, replacing what it held (its buffers are reused: no
// allocation once warm for texts of a size seen before).
void split_input(std::string_view location, std::string_view title, std::string_view body, input_words& out);

}  // namespace lapor::region
