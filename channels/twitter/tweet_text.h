// Turns the text of a mention into the body a citizen meant to write.
//
//   "@budi_santoso @lapor1708 Sama, di Kel. Cihapit sampah menumpuk &amp; bau #sampah
//    https://t.co/Qw3 #Bandung #DaruratSampah"
//   -> body "Sama, di Kel. Cihapit sampah menumpuk & bau sampah https://x.com/…",
//      hashtags {sampah, Bandung, DaruratSampah}
//
// Rules, in order:
//  1. HTML entities the API escapes in `text` (&amp; &lt; &gt; &quot; &#39;) are unescaped.
//  2. Each t.co wrapper becomes its expanded_url; a wrapper that is the post's own attached
//     photo or video (a media_key, or an expanded x.com/twitter.com …/status/N/photo|video/K
//     link) is removed: the photo travels as an attachment.
//  3. The run of @mentions that opens the post (the reply prefix and "@lapor1708") is
//     removed, as is our own @handle anywhere else (with a ',' or ':' right after it).
//     Other people's mentions inside the text stay: they are part of what was written.
//  4. A run of hashtags closing the post is removed; a hashtag inside a sentence keeps its
//     word without '#'. Every hashtag is returned in `hashtags` (first spelling, no repeats).
//  5. Spaces are collapsed, lines trimmed, at most one blank line kept.
// Matching is by value, not by the entities' code-point indices, which the API computes on
// the escaped text and which do not survive step 1. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "channels/twitter/mentions_page.h"

namespace lapor::twitter {

struct cleaned_text {
  std::string body;
  std::vector<std::string> hashtags;
};

[[nodiscard]] cleaned_text clean_tweet_text(std::string_view text, const text_entities& entities, std::string_view our_handle);

// &amp; &lt; &gt; &quot; &#39; &#x27; -> the character; anything else is left alone.
[[nodiscard]] std::string unescape_html(std::string_view s);

}  // namespace lapor::twitter
