#include "channels/twitter/mention_submission.h"

#include <chrono>

#include "channels/twitter/tweet_text.h"
#include "gateway/pipeline.h"

namespace lapor::twitter {

const char* to_string(skip_reason r) noexcept {
  switch (r) {
    case skip_reason::none: return "none";
    case skip_reason::retweet: return "retweet";
    case skip_reason::own_post: return "own_post";
    case skip_reason::empty: return "empty";
  }
  return "none";
}

namespace {

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

// The limits a mention is fitted to are the core's: within them it is never refused.
constexpr gateway::pipeline_options core_limits{};
static_assert(field_limits{}.body_chars == core_limits.max_body_chars);
static_assert(field_limits{}.name_chars == core_limits.max_name_chars);
static_assert(field_limits{}.location_chars == core_limits.max_location_chars);

}  // namespace

std::optional<gateway::clock::time_point> parse_created_at(std::string_view s) {
  using namespace std::chrono;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0;
  if (!(digits(s, 0, 4, y) && s.size() > 4 && s[4] == '-' && digits(s, 5, 2, mo) && s.size() > 7 && s[7] == '-' &&
        digits(s, 8, 2, d) && s.size() > 10 && s[10] == 'T' && digits(s, 11, 2, h) && s.size() > 13 && s[13] == ':' &&
        digits(s, 14, 2, mi) && s.size() > 16 && s[16] == ':' && digits(s, 17, 2, sec)))
    return std::nullopt;
  std::string_view rest = s.substr(19);
  if (rest.size() == 5 && rest[0] == '.' && rest[4] == 'Z') {
    if (!digits(rest, 1, 3, ms)) return std::nullopt;
  } else if (rest != "Z") {
    return std::nullopt;
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  // Posts exist since 2006; the bound also keeps the nanosecond time_point from overflowing
  // (int64 nanoseconds span 1677..2262), which a forged year 0000 or 9999 would do.
  if (y < 2006 || y > 2200) return std::nullopt;
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  return time_point_cast<gateway::clock::duration>(sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + milliseconds{ms});
}

mention_decision decide_mention(const tweet& t, const mentions_page& page, const mention_options& opts,
                                gateway::clock::time_point polled_at) {
  mention_decision d;
  for (const auto& r : t.referenced)
    if (r.type == "retweeted") {
      d.skip = skip_reason::retweet;
      return d;
    }
  if (opts.our_user_id != 0 && t.author_id == opts.our_user_id) {
    d.skip = skip_reason::own_post;
    return d;
  }

  mention_item& item = d.item;
  item.tweet_id = t.id;
  gateway::submission& s = item.sub;
  s.channel = gateway::channel_kind::twitter;
  const std::uint64_t original = t.edit_history.empty() ? t.id : t.edit_history.front();
  s.idempotency_key = std::to_string(original);

  auto& ref = s.channel_ref;
  ref.emplace_back("tweet_id", std::to_string(t.id));
  if (original != t.id) ref.emplace_back("original_tweet_id", std::to_string(original));
  if (t.author_id != 0) ref.emplace_back("author_id", std::to_string(t.author_id));
  const user* author = page.find_user(t.author_id);
  const std::string username = author ? fit_line(author->username, opts.limits.handle_chars).text : std::string();
  if (!username.empty()) {
    s.who.twitter = username;
    ref.emplace_back("username", username);
    ref.emplace_back("url", "https://x.com/" + username + "/status/" + std::to_string(t.id));
  } else {
    ref.emplace_back("url", "https://x.com/i/web/status/" + std::to_string(t.id));
  }
  if (author)
    if (auto name = fit_line(author->name, opts.limits.name_chars).text; !name.empty()) s.who.name = std::move(name);
  if (t.conversation_id != 0 && t.conversation_id != t.id)
    ref.emplace_back("conversation_id", std::to_string(t.conversation_id));
  for (const auto& r : t.referenced) {
    if (r.id == 0) continue;
    if (r.type == "replied_to") ref.emplace_back("in_reply_to_tweet_id", std::to_string(r.id));
    else if (r.type == "quoted") ref.emplace_back("quoted_tweet_id", std::to_string(r.id));
  }

  cleaned_text text = clean_tweet_text(t.text, t.entities, opts.our_handle);
  fitted_text body = fit_body(text.body, opts.limits.body_chars);
  s.body = std::move(body.text);
  s.incomplete = body.cut;
  if (body.cut) ref.emplace_back("cut", "body");
  // Hashtags alone are the citizen's words ("#JalanRusak #Sampit"): the body, not nothing.
  if (s.body.empty() && !text.hashtags.empty()) {
    std::string words;
    for (const auto& h : text.hashtags) words += (words.empty() ? "" : " ") + h;
    s.body = fit_body(words, opts.limits.body_chars).text;
  }
  if (!text.hashtags.empty()) {
    std::string joined;
    for (const auto& h : text.hashtags) joined += (joined.empty() ? "" : ",") + h;
    ref.emplace_back("hashtags", std::move(joined));
  }

  std::string media_urls;
  bool has_video = false;
  for (const auto& key : t.media_keys) {
    const media* m = page.find_media(key);
    if (!m) continue;
    if (m->type != "photo") has_video = true;
    const std::string& url = m->type == "photo" ? m->url : m->preview_image_url;
    if (url.empty()) continue;
    media_urls += (media_urls.empty() ? "" : " ") + url;
    if (m->type == "photo" && item.photos.size() < opts.max_photos) item.photos.push_back({m->key, m->url});
  }
  if (!media_urls.empty()) ref.emplace_back("media_urls", std::move(media_urls));
  if (!t.lang.empty()) ref.emplace_back("lang", t.lang);

  if (!t.place_id.empty())
    if (const place* p = page.find_place(t.place_id)) s.where.text = fit_line(p->full_name, opts.limits.location_chars).text;
  if (t.point) {
    s.where.lat = t.point->first;
    s.where.lon = t.point->second;
  }
  if (auto when = parse_created_at(t.created_at)) {
    // X's clock, not ours: trusted unless it is ahead of the poll by more than a skew.
    const bool bounded = polled_at != gateway::clock::time_point{};
    s.received_at = bounded && *when > polled_at + opts.max_clock_skew ? polled_at : *when;
    if (s.received_at != *when) ref.emplace_back("created_at", t.created_at);
  }

  if (s.body.empty()) {
    // No words: what the post holds is the complaint (a photo of a broken road is one).
    std::uint64_t linked = 0;
    for (const auto& r : t.referenced)
      if ((r.type == "replied_to" || r.type == "quoted") && r.id != 0) linked = r.id;
    if (has_video && item.photos.empty()) s.body = empty_body_text::video;
    else if (!t.media_keys.empty()) s.body = empty_body_text::photo;  // also media the page did not expand
    else if (!s.where.text.empty() || s.where.lat) s.body = empty_body_text::place;
    else if (linked != 0)
      s.body = std::string(empty_body_text::linked) + " https://x.com/i/web/status/" + std::to_string(linked);
    else d.skip = skip_reason::empty;
  }
  return d;
}

}  // namespace lapor::twitter
