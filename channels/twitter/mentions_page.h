// One page of GET /2/users/{id}/mentions (X API v2), parsed into plain values.
//
// The wire payload it reads (fields we do not use are ignored; every member is optional
// except `data[].id`):
//
//   {"data":[{"id":"2123616243545145355","text":"@lapor1708 Jalan berlubang … https://t.co/Xy7",
//             "note_tweet":{"text":"…the full long post…","entities":{…}},
//             "author_id":"1182734015987654656","created_at":"2026-11-20T03:15:42.000Z",
//             "conversation_id":"…","edit_history_tweet_ids":["…"],
//             "referenced_tweets":[{"type":"retweeted","id":"…"}],
//             "attachments":{"media_keys":["3_2123616230001111040"]},
//             "geo":{"place_id":"0a3e119020705b64","coordinates":{"type":"Point","coordinates":[107.6,-6.9]}},
//             "entities":{"mentions":[{"start":0,"end":10,"username":"lapor1708"}],
//                         "urls":[{"url":"https://t.co/Xy7","expanded_url":"https://…","media_key":"3_…"}],
//                         "hashtags":[{"start":5,"end":12,"tag":"banjir"}]}}],
//    "includes":{"users":[{"id":"…","name":"Dewi Rahmawati","username":"dewi_rahma88"}],
//                "media":[{"media_key":"3_…","type":"photo","url":"https://pbs.twimg.com/media/….jpg"}],
//                "places":[{"id":"0a3e119020705b64","full_name":"Bandung, Indonesia"}]},
//    "errors":[{"title":"Not Found Error","type":"https://api.twitter.com/2/problems/resource-not-found",…}],
//    "meta":{"result_count":3,"newest_id":"…","oldest_id":"…","next_token":"7140dibdnow9c7btw4827l0b8vcp7ndsb5n7khpuirtx4"}}
//
// IDs are JSON strings of up to 19 digits, compared as integers. An empty poll is
// {"meta":{"result_count":0}} (no `data`); `"data":[]` is accepted too. Pure: no I/O, no
// globals; safe to fuzz.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lapor::twitter {

struct url_entity {
  std::string url;           // the t.co wrapper as it appears in the text
  std::string expanded_url;  // what the citizen linked (may be empty)
  std::string media_key;     // set when the link is the post's own attached media
};

struct text_entities {
  std::vector<url_entity> urls;
  std::vector<std::string> mentions;  // usernames, without '@'
  std::vector<std::string> hashtags;  // tags, without '#'
};

struct referenced_tweet {
  std::string type;  // replied_to | quoted | retweeted
  std::uint64_t id = 0;
};

struct tweet {
  std::uint64_t id = 0;
  std::string text;        // note_tweet.text for long posts, else text (HTML-escaped as sent)
  bool long_post = false;  // text came from note_tweet
  text_entities entities;  // note_tweet.entities for long posts, else entities
  std::uint64_t author_id = 0;
  std::string created_at;  // ISO-8601 as sent, e.g. 2026-11-20T03:15:42.000Z
  std::uint64_t conversation_id = 0;
  std::vector<std::uint64_t> edit_history;  // oldest first; the first is the original post
  std::vector<referenced_tweet> referenced;
  std::vector<std::string> media_keys;
  std::string place_id;
  std::optional<std::pair<double, double>> point;  // exact geotag (lat, lon)
  std::string lang;
};

struct user {
  std::uint64_t id = 0;
  std::string username;
  std::string name;
};

struct media {
  std::string key;
  std::string type;  // photo | video | animated_gif
  std::string url;   // photos
  std::string preview_image_url;  // video, animated_gif
  std::string alt_text;
};

struct place {
  std::string id;
  std::string full_name;
  std::string country_code;
};

// An entry of the top-level `errors` array of a 200 answer: an expansion that could not be
// resolved (deleted post, protected author). The page's `data` is still valid.
struct partial_error {
  std::string title;
  std::string type;  // match on its suffix: the prefix may be api.twitter.com or api.x.com
  std::string detail;
  std::string resource_type;
  std::string resource_id;
};

struct page_meta {
  std::int64_t result_count = 0;
  std::uint64_t newest_id = 0;  // 0 when absent
  std::uint64_t oldest_id = 0;
  std::string next_token;       // empty on the last page
};

struct mentions_page {
  std::vector<tweet> tweets;  // newest first, as sent
  std::vector<user> users;
  std::vector<media> media_items;
  std::vector<place> places;
  std::vector<partial_error> errors;
  page_meta meta;
  // Items of `data` that were dropped because they had no usable id (counted, not fatal).
  std::size_t malformed_items = 0;
  // Lone UTF-16 surrogate escapes and invalid UTF-8 bytes replaced by U+FFFD before parsing
  // (json_repair.h): the post is kept, with U+FFFD where its text was broken.
  std::size_t repaired_text = 0;

  [[nodiscard]] const user* find_user(std::uint64_t id) const noexcept;
  [[nodiscard]] const media* find_media(std::string_view key) const noexcept;
  [[nodiscard]] const place* find_place(std::string_view id) const noexcept;
  // The greatest tweet id on the page (data ids and meta.newest_id); 0 when none.
  [[nodiscard]] std::uint64_t newest_id() const noexcept;
};

struct page_parse_result {
  mentions_page page;
  std::string error;  // empty on success; else why the body is not a mentions page
  [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

// Parses a 200 body. Fails only when the body is not JSON, not an object, or `data`/`meta`
// have the wrong type; unknown members and odd optional members are ignored. Broken text
// inside a string (a lone surrogate escape, an invalid UTF-8 byte) is repaired to U+FFFD
// first, never a reason to fail the page; an item of `data` that is not a post is counted
// in malformed_items and skipped.
[[nodiscard]] page_parse_result parse_mentions_page(std::string_view json);

// "2123616243545145355" -> 2123616243545145355; nullopt unless 1..19 ASCII digits and < 2^63.
[[nodiscard]] std::optional<std::uint64_t> parse_id(std::string_view s) noexcept;

// Problem-type suffix of a v2 error answer (RFC 7807 `type`, e.g. "usage-capped",
// "client-forbidden") or `title` when there is no type; empty when the body is not JSON.
[[nodiscard]] std::string problem_kind(std::string_view json);

}  // namespace lapor::twitter
