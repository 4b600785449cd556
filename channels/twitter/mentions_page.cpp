#include "channels/twitter/mentions_page.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>

#include "channels/twitter/json_repair.h"

namespace lapor::twitter {

namespace dom = simdjson::dom;

namespace {

constexpr std::size_t max_depth = 64;

std::string str(dom::object o, std::string_view key) {
  std::string_view v;
  if (o.at_key(key).get_string().get(v)) return {};
  return std::string(v);
}

// An id member: a numeric string (the documented form) or, leniently, a JSON integer.
std::uint64_t id_of(dom::element e) {
  std::string_view s;
  if (!e.get_string().get(s)) return parse_id(s).value_or(0);
  std::uint64_t u = 0;
  if (!e.get_uint64().get(u) && u < (std::uint64_t{1} << 63)) return u;
  return 0;
}

std::uint64_t id_member(dom::object o, std::string_view key) {
  dom::element e;
  if (o.at_key(key).get(e)) return 0;
  return id_of(e);
}

text_entities read_entities(dom::object parent) {
  text_entities out;
  dom::object ents;
  if (parent.at_key("entities").get_object().get(ents)) return out;
  dom::array arr;
  if (!ents.at_key("urls").get_array().get(arr))
    for (dom::element e : arr) {
      dom::object u;
      if (e.get_object().get(u)) continue;
      url_entity ue{str(u, "url"), str(u, "expanded_url"), str(u, "media_key")};
      if (!ue.url.empty()) out.urls.push_back(std::move(ue));
    }
  if (!ents.at_key("mentions").get_array().get(arr))
    for (dom::element e : arr) {
      dom::object m;
      if (e.get_object().get(m)) continue;
      if (auto name = str(m, "username"); !name.empty()) out.mentions.push_back(std::move(name));
    }
  if (!ents.at_key("hashtags").get_array().get(arr))
    for (dom::element e : arr) {
      dom::object h;
      if (e.get_object().get(h)) continue;
      if (auto tag = str(h, "tag"); !tag.empty()) out.hashtags.push_back(std::move(tag));
    }
  return out;
}

std::optional<tweet> read_tweet(dom::object o) {
  tweet t;
  t.id = id_member(o, "id");
  if (t.id == 0) return std::nullopt;
  t.text = str(o, "text");
  t.entities = read_entities(o);
  dom::object note;
  if (!o.at_key("note_tweet").get_object().get(note)) {
    std::string_view full;
    if (!note.at_key("text").get_string().get(full) && !full.empty()) {
      t.text = std::string(full);
      t.long_post = true;
      // The note's own entities index its text; without them the short form's still
      // name the same links and mentions.
      if (text_entities ne = read_entities(note); !ne.urls.empty() || !ne.mentions.empty() || !ne.hashtags.empty())
        t.entities = std::move(ne);
    }
  }
  t.author_id = id_member(o, "author_id");
  t.created_at = str(o, "created_at");
  t.conversation_id = id_member(o, "conversation_id");
  t.lang = str(o, "lang");
  dom::array arr;
  if (!o.at_key("edit_history_tweet_ids").get_array().get(arr))
    for (dom::element e : arr)
      if (auto id = id_of(e)) t.edit_history.push_back(id);
  if (!o.at_key("referenced_tweets").get_array().get(arr))
    for (dom::element e : arr) {
      dom::object r;
      if (e.get_object().get(r)) continue;
      t.referenced.push_back({str(r, "type"), id_member(r, "id")});
    }
  dom::object att;
  if (!o.at_key("attachments").get_object().get(att) && !att.at_key("media_keys").get_array().get(arr))
    for (dom::element e : arr) {
      std::string_view k;
      if (!e.get_string().get(k) && !k.empty()) t.media_keys.emplace_back(k);
    }
  dom::object geo;
  if (!o.at_key("geo").get_object().get(geo)) {
    t.place_id = str(geo, "place_id");
    dom::object pt;
    dom::array c;
    if (!geo.at_key("coordinates").get_object().get(pt) && !pt.at_key("coordinates").get_array().get(c) && c.size() == 2) {
      double lon = 0, lat = 0;
      // GeoJSON order: [longitude, latitude].
      if (!c.at(0).get_double().get(lon) && !c.at(1).get_double().get(lat) && lat >= -90 && lat <= 90 && lon >= -180 &&
          lon <= 180)
        t.point = std::make_pair(lat, lon);
    }
  }
  return t;
}

void read_includes(dom::object root, mentions_page& p) {
  dom::object inc;
  if (root.at_key("includes").get_object().get(inc)) return;
  dom::array arr;
  if (!inc.at_key("users").get_array().get(arr))
    for (dom::element e : arr) {
      dom::object u;
      if (e.get_object().get(u)) continue;
      user x{id_member(u, "id"), str(u, "username"), str(u, "name")};
      if (x.id != 0) p.users.push_back(std::move(x));
    }
  if (!inc.at_key("media").get_array().get(arr))
    for (dom::element e : arr) {
      dom::object m;
      if (e.get_object().get(m)) continue;
      media x{str(m, "media_key"), str(m, "type"), str(m, "url"), str(m, "preview_image_url"), str(m, "alt_text")};
      if (!x.key.empty()) p.media_items.push_back(std::move(x));
    }
  if (!inc.at_key("places").get_array().get(arr))
    for (dom::element e : arr) {
      dom::object pl;
      if (e.get_object().get(pl)) continue;
      place x{str(pl, "id"), str(pl, "full_name"), str(pl, "country_code")};
      if (x.full_name.empty()) x.full_name = str(pl, "name");
      if (!x.id.empty()) p.places.push_back(std::move(x));
    }
}

void read_errors(dom::object root, mentions_page& p) {
  dom::array arr;
  if (root.at_key("errors").get_array().get(arr)) return;
  for (dom::element e : arr) {
    dom::object o;
    if (e.get_object().get(o)) continue;
    partial_error x{str(o, "title"), str(o, "type"), str(o, "detail"), str(o, "resource_type"), str(o, "resource_id")};
    if (x.detail.empty()) x.detail = str(o, "message");
    p.errors.push_back(std::move(x));
  }
}

bool parse_into(dom::parser& parser, std::string_view json, dom::element& root, std::string& error) {
  const simdjson::padded_string padded(json);
  if (auto err = parser.parse(padded).get(root)) {
    error = std::string("malformed JSON: ") + simdjson::error_message(err);
    return false;
  }
  return true;
}

}  // namespace

std::optional<std::uint64_t> parse_id(std::string_view s) noexcept {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v >= (std::uint64_t{1} << 63)) return std::nullopt;
  return v;
}

const user* mentions_page::find_user(std::uint64_t id) const noexcept {
  auto it = std::find_if(users.begin(), users.end(), [id](const user& u) { return u.id == id; });
  return it == users.end() ? nullptr : &*it;
}

const media* mentions_page::find_media(std::string_view key) const noexcept {
  auto it = std::find_if(media_items.begin(), media_items.end(), [key](const media& m) { return m.key == key; });
  return it == media_items.end() ? nullptr : &*it;
}

const place* mentions_page::find_place(std::string_view id) const noexcept {
  auto it = std::find_if(places.begin(), places.end(), [id](const place& p) { return p.id == id; });
  return it == places.end() ? nullptr : &*it;
}

std::uint64_t mentions_page::newest_id() const noexcept {
  std::uint64_t n = meta.newest_id;
  for (const auto& t : tweets) n = std::max(n, t.id);
  return n;
}

page_parse_result parse_mentions_page(std::string_view json) {
  page_parse_result r;
  // A lone surrogate escape or a stray byte in one post's text must not refuse the page.
  std::optional<json_repair> repaired = repair_json_text(json);
  if (repaired) {
    json = repaired->text;
    r.page.repaired_text = repaired->repaired;
  }
  dom::parser parser;
  if (parser.allocate(json.size() + simdjson::SIMDJSON_PADDING, max_depth)) {
    r.error = "cannot allocate the JSON parser";
    return r;
  }
  dom::element root;
  if (!parse_into(parser, json, root, r.error)) return r;
  dom::object o;
  if (root.get_object().get(o)) {
    r.error = "the body is not a JSON object";
    return r;
  }
  mentions_page& p = r.page;
  dom::element data;
  if (!o.at_key("data").get(data) && !data.is_null()) {
    dom::array arr;
    if (data.get_array().get(arr)) {
      r.error = "`data` is not an array";
      return r;
    }
    for (dom::element e : arr) {
      dom::object t;
      std::optional<tweet> tw;
      if (!e.get_object().get(t)) tw = read_tweet(t);
      if (tw) p.tweets.push_back(std::move(*tw));
      else ++p.malformed_items;
    }
  }
  dom::element meta;
  if (!o.at_key("meta").get(meta)) {
    dom::object m;
    if (meta.get_object().get(m)) {
      r.error = "`meta` is not an object";
      return r;
    }
    std::int64_t n = 0;
    if (!m.at_key("result_count").get_int64().get(n)) p.meta.result_count = n;
    p.meta.newest_id = id_member(m, "newest_id");
    p.meta.oldest_id = id_member(m, "oldest_id");
    p.meta.next_token = str(m, "next_token");
  } else {
    // Only an error answer lacks meta; a 200 without data and meta is not a mentions page.
    if (p.tweets.empty() && p.malformed_items == 0) {
      r.error = "neither `data` nor `meta` present";
      return r;
    }
    p.meta.result_count = static_cast<std::int64_t>(p.tweets.size());
  }
  read_includes(o, p);
  read_errors(o, p);
  return r;
}

std::string problem_kind(std::string_view json) {
  dom::parser parser;
  dom::element root;
  std::string error;
  if (!parse_into(parser, json, root, error)) return {};
  dom::object o;
  if (root.get_object().get(o)) return {};
  std::string type = str(o, "type");
  if (!type.empty() && type != "about:blank") {
    const auto slash = type.rfind('/');
    return slash == std::string::npos ? type : type.substr(slash + 1);
  }
  return str(o, "title");
}

}  // namespace lapor::twitter
