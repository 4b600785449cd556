// What one mention becomes: a submission for the core, or a recorded reason to skip it.
//
// Skipped, by design (counted and logged by the poller, never silently): retweets (a
// `referenced_tweets` entry of type "retweeted": somebody else's mention, already taken
// from its author), our own posts, and a post with nothing in it (only @handles: no text,
// hashtag, photo or video, place or geotag, and no post it replies to or quotes). Everything
// else — a new post, a reply in a thread, a quote, a photo or hashtags alone — is a complaint
// of its author:
//   * hashtags alone ("@lapor1708 #JalanRusak #Sampit") keep their words as the body
//     ("JalanRusak Sampit");
//   * with no words at all, the body says what the post holds (`empty_body_text`): a photo
//     ("[Foto tanpa teks]"), a video, a place, or the post it replies to or quotes (its link);
//     the photo, place and links travel as usual.
// Every text field is made storable (mention_fields.h): controls dropped, a body over the
// core's limit cut with " […]" and flagged incomplete, names and places cut, format
// characters dropped from one-line fields. The core never refuses a mention for its form.
//
// The submission: channel twitter; idempotency key = the id of the *original* post
// (edit_history_tweet_ids[0]), so an edited post is recognised as the one already stored;
// reporter.twitter / reporter.name from includes.users; body cleaned (tweet_text.h);
// location from includes.places (full_name) and an exact geotag; received_at = created_at,
// or the poll's time when created_at is more than `max_clock_skew` after it (a forged or
// broken date must not set an SLA in 2099);
// channel_ref: tweet_id (the current version), author_id, username, url, and when present
// original_tweet_id, conversation_id, in_reply_to_tweet_id, quoted_tweet_id, hashtags,
// media_urls (photos, videos' previews), lang. Photos to fetch are listed in `photos`; the
// poller downloads them and fills submission.attachments. Pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channels/twitter/mention_fields.h"
#include "channels/twitter/mentions_page.h"
#include "gateway/complaint.h"

namespace lapor::twitter {

struct photo_ref {
  std::string media_key;
  std::string url;
};

struct mention_item {
  std::uint64_t tweet_id = 0;
  gateway::submission sub;
  std::vector<photo_ref> photos;
};

enum class skip_reason { none, retweet, own_post, empty };
[[nodiscard]] const char* to_string(skip_reason r) noexcept;

struct mention_decision {
  skip_reason skip = skip_reason::none;
  mention_item item;  // meaningful when skip == none
};

struct mention_options {
  std::uint64_t our_user_id = 0;
  std::string our_handle = "lapor1708";
  std::size_t max_photos = 4;
  field_limits limits;
  std::chrono::milliseconds max_clock_skew{300000};
};

// The body of a post with no words left after cleaning, saying what it holds (README).
struct empty_body_text {
  static constexpr std::string_view photo = "[Foto tanpa teks]";
  static constexpr std::string_view video = "[Video tanpa teks]";
  static constexpr std::string_view place = "[Lokasi tanpa teks]";
  static constexpr std::string_view linked = "[Tanpa teks; menandai postingan]";  // + the post's link
};

// `polled_at`: when the page was read (bounds received_at); the epoch means no bound.
[[nodiscard]] mention_decision decide_mention(const tweet& t, const mentions_page& page, const mention_options& opts,
                                              gateway::clock::time_point polled_at);

// "2026-11-20T03:15:42.000Z" (milliseconds optional) -> time point; nullopt when malformed.
[[nodiscard]] std::optional<gateway::clock::time_point> parse_created_at(std::string_view s);

}  // namespace lapor::twitter
