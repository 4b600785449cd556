// libFuzzer target for the X API v2 mentions page (simdjson) and what the poller does with
// each tweet: text cleanup (entities, t.co links, mentions, hashtags, HTML entities) and the
// mention -> submission decision, plus the error-body classifier.
//
// Input: a response body as the API sends it (see channels/twitter/mentions_page.h).
//
// Properties: the parser either fails with a reason or yields a page whose newest_id bounds
// every tweet id; cleanup keeps valid UTF-8 valid; a decided mention carries its post's id
// (the original of an edited post) as its key, the twitter channel and at most max_photos.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "channels/twitter/mention_submission.h"
#include "channels/twitter/mentions_page.h"
#include "channels/twitter/tweet_text.h"
#include "gateway/text.h"
#include "tests/fuzz/fuzz_targets.h"

using namespace lapor::twitter;
using lapor::fuzz::require;

namespace lapor::fuzz {

int twitter_json(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)problem_kind(in);
  (void)parse_id(in.substr(0, 24));
  const auto parsed = parse_mentions_page(in);
  if (!parsed.ok()) return 0;
  const auto& page = parsed.page;
  mention_options opts;
  opts.our_user_id = 1497254331178708992ull;
  for (const auto& t : page.tweets) {
    require(t.id != 0 && t.id <= page.newest_id());
    const auto cleaned = clean_tweet_text(t.text, t.entities, opts.our_handle);
    if (lapor::gateway::is_valid_utf8(t.text)) require(lapor::gateway::is_valid_utf8(cleaned.body));
    const auto decision = decide_mention(t, page, opts, {});
    if (decision.skip == skip_reason::none) {
      require(decision.item.tweet_id == t.id ||
              (!t.edit_history.empty() && decision.item.tweet_id == t.edit_history.front()));
      require(decision.item.sub.channel == lapor::gateway::channel_kind::twitter);
      require(decision.item.photos.size() <= opts.max_photos);
    }
    (void)parse_created_at(t.created_at);
  }
  return 0;
}

}  // namespace lapor::fuzz

LAPOR_FUZZ_ENTRY(twitter_json)
