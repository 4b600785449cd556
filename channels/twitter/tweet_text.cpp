#include "channels/twitter/tweet_text.h"

#include <algorithm>

#include "gateway/ascii.h"

namespace lapor::twitter {

namespace g = lapor::gateway;

namespace {

bool ascii_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
// Hashtag characters: ASCII word characters and every non-ASCII byte (letters of other
// scripts; UTF-8 sequences are never split since all their bytes qualify).
bool tag_char(char c) { return ascii_word(c) || static_cast<unsigned char>(c) >= 0x80; }
bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Link to the post's own photo or video, as the API expands attached media:
// https://x.com/<user>/status/<id>/photo/1 (also twitter.com, video/N).
bool own_media_link(std::string_view u) {
  for (std::string_view host : {"https://x.com/", "https://twitter.com/", "http://x.com/", "http://twitter.com/"}) {
    if (!u.starts_with(host)) continue;
    const auto status = u.find("/status/");
    if (status == std::string_view::npos) return false;
    return u.find("/photo/", status) != std::string_view::npos || u.find("/video/", status) != std::string_view::npos;
  }
  return false;
}

void replace_all(std::string& s, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  std::size_t at = 0;
  while ((at = s.find(what, at)) != std::string::npos) {
    s.replace(at, what.size(), with);
    at += with.size();
  }
}

// Length of "@name" at s[i] (Twitter usernames: 1-15 word characters), 0 if none.
std::size_t mention_at(std::string_view s, std::size_t i) {
  if (i >= s.size() || s[i] != '@') return 0;
  if (i > 0 && ascii_word(s[i - 1])) return 0;  // an e-mail address, not a mention
  std::size_t j = i + 1;
  while (j < s.size() && ascii_word(s[j])) ++j;
  if (j == i + 1 || j - i - 1 > 15) return 0;
  return j - i;
}

// Length of "#tag" at s[i], 0 if none. A tag needs one character that is not a digit.
std::size_t hashtag_at(std::string_view s, std::size_t i) {
  if (i >= s.size() || s[i] != '#') return 0;
  if (i > 0 && tag_char(s[i - 1])) return 0;
  std::size_t j = i + 1;
  bool non_digit = false;
  while (j < s.size() && tag_char(s[j])) {
    if (!(s[j] >= '0' && s[j] <= '9')) non_digit = true;
    ++j;
  }
  return non_digit ? j - i : 0;
}

void skip_spaces(std::string_view s, std::size_t& i) {
  while (i < s.size() && space(s[i])) ++i;
}

std::string strip_leading_mentions(std::string_view s) {
  std::size_t i = 0;
  for (;;) {
    std::size_t j = i;
    skip_spaces(s, j);
    const std::size_t n = mention_at(s, j);
    if (n == 0) break;
    j += n;
    if (j < s.size() && (s[j] == ':' || s[j] == ',')) ++j;
    if (j < s.size() && !space(s[j])) break;  // "@a.b" is not a bare mention token
    i = j;
  }
  return std::string(s.substr(i));
}

std::string strip_our_handle(std::string_view s, std::string_view handle) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = mention_at(s, i);
    if (n > 0 && g::ascii_iequals(s.substr(i + 1, n - 1), handle)) {
      i += n;
      if (i < s.size() && (s[i] == ':' || s[i] == ',')) ++i;
      continue;
    }
    out.push_back(s[i]);
    ++i;
  }
  return out;
}

void add_tag(std::vector<std::string>& tags, std::string_view tag) {
  for (const auto& t : tags)
    if (g::ascii_iequals(t, tag)) return;
  tags.emplace_back(tag);
}

bool is_known_tag(const text_entities& e, std::string_view tag) {
  if (e.hashtags.empty()) return true;  // no entities sent: trust the syntax
  return std::any_of(e.hashtags.begin(), e.hashtags.end(), [tag](const std::string& t) { return g::ascii_iequals(t, tag); });
}

// Removes the closing run of hashtags and unwraps the others.
std::string handle_hashtags(std::string_view s, const text_entities& e, std::vector<std::string>& tags) {
  // Find where the closing run starts: walk back over "#tag" tokens and spaces.
  std::size_t end = s.size();
  std::size_t tail_start = s.size();
  for (;;) {
    std::size_t k = end;
    while (k > 0 && space(s[k - 1])) --k;
    std::size_t b = k;
    while (b > 0 && tag_char(s[b - 1])) --b;
    if (b == 0 || s[b - 1] != '#') break;
    const std::size_t n = hashtag_at(s, b - 1);
    if (n == 0 || b - 1 + n != k || !is_known_tag(e, s.substr(b, k - b))) break;
    tail_start = b - 1;
    end = b - 1;
  }
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = hashtag_at(s, i);
    if (n > 0 && is_known_tag(e, s.substr(i + 1, n - 1))) {
      add_tag(tags, s.substr(i + 1, n - 1));
      if (i < tail_start) out.append(s.substr(i + 1, n - 1));
      i += n;
      continue;
    }
    if (i < tail_start) out.push_back(s[i]);
    ++i;
  }
  return out;
}

std::string tidy_spaces(std::string_view s) {
  std::vector<std::string> lines;
  std::string cur;
  bool pending_space = false;
  for (char c : s) {
    if (c == '\n') {
      lines.push_back(std::move(cur));
      cur.clear();
      pending_space = false;
    } else if (space(c)) {
      pending_space = !cur.empty();
    } else {
      if (pending_space) {
        // No space before punctuation that a removal left behind ("tolong , cek").
        if (!(c == ',' || c == '.' || c == ':' || c == ';' || c == '!' || c == '?')) cur.push_back(' ');
        pending_space = false;
      }
      cur.push_back(c);
    }
  }
  lines.push_back(std::move(cur));
  std::string out;
  int blank = 0;
  for (auto& l : lines) {
    if (l.empty()) {
      ++blank;
      continue;
    }
    if (!out.empty()) out.append(blank > 0 ? "\n\n" : "\n");
    blank = 0;
    out += l;
  }
  return out;
}

}  // namespace

std::string unescape_html(std::string_view s) {
  static constexpr std::pair<std::string_view, char> entities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}, {"&#x27;", '\''}};
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    bool hit = false;
    if (s[i] == '&')
      for (const auto& [name, c] : entities)
        if (s.substr(i, name.size()) == name) {
          out.push_back(c);
          i += name.size();
          hit = true;
          break;
        }
    if (!hit) out.push_back(s[i++]);
  }
  return out;
}

cleaned_text clean_tweet_text(std::string_view text, const text_entities& entities, std::string_view our_handle) {
  cleaned_text r;
  std::string s = unescape_html(text);
  // Longest wrapper first, so a wrapper that is a prefix of another never cuts it.
  std::vector<const url_entity*> urls;
  for (const auto& u : entities.urls) urls.push_back(&u);
  std::stable_sort(urls.begin(), urls.end(), [](const url_entity* a, const url_entity* b) { return a->url.size() > b->url.size(); });
  for (const url_entity* up : urls) {
    const url_entity& u = *up;
    const bool attached = !u.media_key.empty() || own_media_link(u.expanded_url);
    replace_all(s, u.url, attached ? std::string_view() : std::string_view(u.expanded_url.empty() ? u.url : u.expanded_url));
  }
  s = strip_leading_mentions(s);
  if (!our_handle.empty()) s = strip_our_handle(s, our_handle);
  s = handle_hashtags(s, entities, r.hashtags);
  r.body = tidy_spaces(s);
  return r;
}

}  // namespace lapor::twitter
