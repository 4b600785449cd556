#include "gateway/complaint_json.h"

#include <boost/json.hpp>

#include <cmath>

#include "gateway/json_out.h"
#include "gateway/sla.h"

namespace lapor::gateway {

namespace json = boost::json;

std::string to_canonical_json(const complaint& c) {
  const submission& s = c.sub;
  // Written straight into the string (json_out.h), in SPEC §4 order.
  std::string out;
  out.reserve(512 + s.title.size() + s.body.size() + s.where.text.size());
  json_out j(out);
  j.begin_object();
  j.key("schema").string("lapor.complaint/v1");
  j.key("tracking_id").string(c.tracking_id);
  j.key("channel").string(to_string(s.channel));

  j.key("channel_ref").begin_object();
  for (std::size_t i = 0; i < s.channel_ref.size(); ++i) {
    const auto& [key, value] = s.channel_ref[i];
    bool repeated = false;  // the first of a repeated key wins
    for (std::size_t k = 0; k < i && !repeated; ++k) repeated = s.channel_ref[k].first == key;
    if (!repeated) j.key(key).string(value);
  }
  j.end_object();

  j.key("received_at").string(format_timestamp_utc(s.received_at));

  j.key("reporter").begin_object();
  j.key("name").string_or_null(s.who.name);
  j.key("phone").string_or_null(s.who.phone);
  j.key("email").string_or_null(s.who.email);
  j.key("twitter").string_or_null(s.who.twitter);
  j.end_object();

  j.key("anonymous").boolean(s.anonymous);
  j.key("confidential").boolean(s.confidential);
  j.key("kind").string(to_string(s.kind));
  j.key("title").string(s.title);
  j.key("body").string(s.body);

  j.key("location").begin_object();
  // No location given reads as null, like every other absent value.
  j.key("text").string_or_null_if_empty(s.where.text);
  j.key("lat");
  if (s.where.lat) j.number(*s.where.lat);
  else j.null();
  j.key("lon");
  if (s.where.lon) j.number(*s.where.lon);
  else j.null();
  j.key("region");
  if (s.where.region) {
    const auto& r = *s.where.region;
    j.begin_object();
    j.key("code").string(r.code);
    j.key("level").string(r.level);
    j.key("province").string_or_null_if_empty(r.province);
    j.key("regency").string_or_null_if_empty(r.regency);
    j.key("district").string_or_null_if_empty(r.district);
    j.key("village").string_or_null_if_empty(r.village);
    j.key("source").string(r.source);
    j.end_object();
  } else {
    j.null();
  }
  j.end_object();

  j.key("attachments").begin_array();
  for (const attachment& a : s.attachments) {
    j.begin_object();
    j.key("sha256").string(a.sha256);
    j.key("mime").string(a.mime);
    j.key("size").integer(static_cast<std::int64_t>(a.size));
    j.key("name").string(a.name);
    j.end_object();
  }
  j.end_array();

  j.key("sla").begin_object();
  j.key("verify_by").string(c.sla.verify_by);
  j.key("respond_within_working_days").integer(c.sla.respond_within_working_days);
  j.end_object();

  if (s.incomplete) j.key("incomplete").boolean(true);
  j.end_object();
  return out;
}

std::string to_duplicate_json(const duplicate_link& d) {
  json::object o;
  o.emplace("schema", "lapor.duplicate/v1");
  o.emplace("tracking_id", d.tracking_id);
  o.emplace("duplicate_of", d.duplicate_of);
  o.emplace("channel", to_string(d.channel));
  o.emplace("received_at", format_timestamp_utc(d.received_at));
  o.emplace("score", std::isfinite(d.score) ? json::value(d.score) : json::value(nullptr));
  std::string out = serialize_json(o);
  if (!d.complaint_json.empty()) {
    // Spliced, not re-parsed: the document is the one stored, byte for byte.
    out.pop_back();
    out += ",\"complaint\":";
    out += d.complaint_json;
    out += '}';
  }
  return out;
}

std::string with_possible_duplicates(const std::string& document, const std::vector<possible_duplicate>& hints) {
  if (hints.empty() || document.size() < 2 || document.front() != '{' || document.back() != '}') return document;
  json::array a;
  for (const auto& h : hints) {
    json::object o;
    o.emplace("tracking_id", h.tracking_id);
    o.emplace("score", std::isfinite(h.score) ? json::value(h.score) : json::value(nullptr));
    a.emplace_back(std::move(o));
  }
  std::string out = document;
  out.pop_back();
  if (out.size() > 1) out += ',';
  out += "\"possible_duplicates\":";
  out += serialize_json(a);
  out += '}';
  return out;
}

}  // namespace lapor::gateway
