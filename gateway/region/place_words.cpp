#include "gateway/region/place_words.h"

#include <cctype>

namespace lapor::region {

namespace {

// U+00C0..U+00FF folded to a base letter; 0 = not a letter (× ÷).
constexpr char latin1_fold[64] = {
    'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i',  // C0
    'd', 'n', 'o', 'o', 'o', 'o', 'o', 0,   'o', 'u', 'u', 'u', 'u', 'y', 0,   's',  // D0
    'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i',  // E0
    'd', 'n', 'o', 'o', 'o', 'o', 'o', 0,   'o', 'u', 'u', 'u', 'u', 'y', 0,   'y'};  // F0

enum class cls { sep, lower, upper, digit, apostrophe, clause_end };

}  // namespace

void split_words(std::string_view s, std::string& buf, std::vector<word>& out, std::uint16_t first_clause) {
  // Output never exceeds input: reserve once so the views stay valid.
  if (buf.capacity() < buf.size() + s.size()) {
    // Callers reserve enough for all their inputs; growing here would move earlier words.
    buf.reserve(buf.size() + s.size());
  }
  std::uint16_t clause = first_clause;
  std::size_t start = std::string::npos;  // start of the current word in buf
  bool hashtag = false, pending_hash = false, capital = false, dash = false, word_dash = false;
  // Inside an @handle: from the '@' through letters, digits and '_' ("@Pemko_Medan").
  bool in_mention = false, mention = false;
  bool sentence = false, word_sentence = false, hyphen_pending = false, glued = false;
  std::size_t last_len = 0;  // letters of the last word
  std::size_t spaces = 0;  // spaces seen since the last word ended
  cls prev = cls::sep;
  const auto finish = [&] {
    if (start != std::string::npos && buf.size() > start)
      out.push_back(
          {std::string_view(buf).substr(start, buf.size() - start), clause, hashtag, capital, word_dash, word_sentence, mention,
           glued});
    start = std::string::npos;
  };
  for (std::size_t i = 0; i < s.size();) {
    // Most of a text is lowercase letters inside a word: copy the run at once (the general
    // path below would take the same decisions letter by letter).
    if (start != std::string::npos && prev == cls::lower) {
      std::size_t j = i;
      while (j < s.size() && s[j] >= 'a' && s[j] <= 'z') ++j;
      if (j > i) {
        buf.append(s.data() + i, j - i);
        i = j;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(s[i]);
    char letter = 0;
    bool wide_dash = false;
    cls k = cls::sep;
    std::size_t len = 1;
    if (c < 0x80) {
      if (c >= 'a' && c <= 'z') k = cls::lower, letter = static_cast<char>(c);
      else if (c >= 'A' && c <= 'Z') k = cls::upper, letter = static_cast<char>(c - 'A' + 'a');
      else if (c >= '0' && c <= '9') k = cls::digit, letter = static_cast<char>(c);
      else if (c == '\'' || c == '`') k = cls::apostrophe;
      else if (c == ',' || c == ';' || c == '(' || c == ')' || c == '!' || c == '?' || c == '/' || c == '\n' ||
               c == '|')
        k = cls::clause_end;
      else if (c == '#') pending_hash = true;
      else if (c == '@') in_mention = true;
    } else if (c == 0xC3 && i + 1 < s.size()) {  // U+00C0..U+00FF
      const auto d = static_cast<unsigned char>(s[i + 1]);
      len = 2;
      if (d >= 0x80 && d <= 0xBF && latin1_fold[d - 0x80]) {
        letter = latin1_fold[d - 0x80];
        k = d < 0xA0 ? cls::upper : cls::lower;
      }
    } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) == 0x98 || static_cast<unsigned char>(s[i + 2]) == 0x99)) {
      k = cls::apostrophe;  // ‘ ’
      len = 3;
    } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) == 0x93 || static_cast<unsigned char>(s[i + 2]) == 0x94)) {
      wide_dash = true;  // – —
      len = 3;
    } else {
      // Any other code point separates words; skip its continuation bytes.
      len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    }
    i += len;
    if (k == cls::apostrophe) {
      // Inside a word it vanishes; elsewhere it separates.
      if (start == std::string::npos) prev = cls::sep;
      continue;
    }
    if (letter) {
      const bool digit = k == cls::digit;
      const bool new_word = start == std::string::npos || (k == cls::upper && prev == cls::lower) ||
                            (digit != (prev == cls::digit));
      if (new_word) {
        const bool separated = start == std::string::npos;
        const bool onto_letters = !separated && digit && prev != cls::digit;
        finish();
        glued = onto_letters;
        word_dash = separated && dash;
        if (separated && hyphen_pending && !out.empty()) {
          // Different words on both sides: two ends. The same word twice: reduplication.
          const auto prev_word = out.back().text;
          const auto next = s.substr(i - len);
          std::size_t n = 0;
          while (n < next.size() && n < prev_word.size() && std::tolower(static_cast<unsigned char>(next[n])) == prev_word[n]) ++n;
          word_dash = word_dash || !(n == prev_word.size() && (n == next.size() || !std::isalnum(static_cast<unsigned char>(next[n]))));
        }
        hyphen_pending = false;
        word_sentence = separated && sentence;
        dash = false;
        sentence = false;
        spaces = 0;
        capital = k == cls::upper;
        start = buf.size();
        hashtag = pending_hash || (hashtag && prev != cls::sep);
        mention = in_mention;
      }
      pending_hash = false;
      buf.push_back(letter);
      prev = k;
      continue;
    }
    if (start != std::string::npos) last_len = buf.size() - start;
    finish();
    if (c == ' ') ++spaces;
    // "rusak. Di Bogor" ends a sentence; "Kel. Sukajadi", "Jl. Mawar" abbreviate (short words).
    if (c == '.' && last_len >= 4 && (i >= s.size() || s[i] == ' ' || s[i] == '\n')) sentence = true;
    // An en or em dash always joins two ends ("Jayapura–Wamena"), a hyphen when spaced or
    // between two different words ("jkt-sby"; "Lang-Lang" is one name, and a name written
    // with a hyphen, "Soa-Sio", is read as a whole before this matters).
    if (wide_dash || (c == '-' && (spaces > 0 || (i < s.size() && s[i] == ' ')))) dash = true;
    if (c == '-' && !dash && last_len > 0 && i < s.size() && s[i] != ' ') hyphen_pending = true;
    if (k != cls::sep || c != '#') pending_hash = false;
    if (c != '@' && c != '_') in_mention = false;
    hashtag = false;
    // A full stop is not a clause end: "Kel. Sukajadi" and "Jl. Mawar" abbreviate with it.
    if (k == cls::clause_end) ++clause;
    prev = cls::sep;
  }
  finish();
}

void split_input(std::string_view location, std::string_view title, std::string_view body, input_words& out) {
  out.buf.clear();
  out.words.clear();
  out.buf.reserve(location.size() + title.size() + body.size() + 8);
  const auto next_clause = [&] {
    return static_cast<std::uint16_t>(out.words.empty() ? 1 : out.words.back().clause + 2);
  };
  split_words(location, out.buf, out.words, 0);
  out.title_begin = out.words.size();
  split_words(title, out.buf, out.words, next_clause());
  out.body_begin = out.words.size();
  split_words(body, out.buf, out.words, next_clause());
}

}  // namespace lapor::region
