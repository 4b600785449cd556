#include "gateway/complaint_json.h"

#include <boost/json.hpp>

#include <cmath>

#include "gateway/sla.h"

namespace lapor::gateway {

namespace json = boost::json;

namespace {

json::value optional_string(const std::optional<std::string>& v) {
  if (!v) return nullptr;
  return json::string(*v);
}

// Coordinates travel as numbers; a missing or non-finite one is null (JSON has no NaN).
json::value coordinate(const std::optional<double>& v) {
  if (!v || !std::isfinite(*v)) return nullptr;
  return *v;
}

}  // namespace

std::string to_canonical_json(const complaint& c) {
  const submission& s = c.sub;
  // boost::json::object keeps insertion order: the keys below are in SPEC §4 order.
  json::object o;
  o.emplace("schema", "lapor.complaint/v1");
  o.emplace("tracking_id", c.tracking_id);
  o.emplace("channel", to_string(s.channel));

  json::object ref;
  for (const auto& [key, value] : s.channel_ref) ref.emplace(key, value);  // first of a repeated key wins
  o.emplace("channel_ref", std::move(ref));

  o.emplace("received_at", format_timestamp_utc(s.received_at));

  json::object who;
  who.emplace("name", optional_string(s.who.name));
  who.emplace("phone", optional_string(s.who.phone));
  who.emplace("email", optional_string(s.who.email));
  who.emplace("twitter", optional_string(s.who.twitter));
  o.emplace("reporter", std::move(who));

  o.emplace("anonymous", s.anonymous);
  o.emplace("confidential", s.confidential);
  o.emplace("kind", to_string(s.kind));
  o.emplace("title", s.title);
  o.emplace("body", s.body);

  json::object where;
  // No location given reads as null, like every other absent value.
  if (s.where.text.empty()) where.emplace("text", nullptr);
  else where.emplace("text", s.where.text);
  where.emplace("lat", coordinate(s.where.lat));
  where.emplace("lon", coordinate(s.where.lon));
  if (s.where.region) {
    const auto& r = *s.where.region;
    const auto name = [](const std::string& n) -> json::value {
      if (n.empty()) return nullptr;
      return json::value(n);
    };
    json::object reg;
    reg.emplace("code", r.code);
    reg.emplace("level", r.level);
    reg.emplace("province", name(r.province));
    reg.emplace("regency", name(r.regency));
    reg.emplace("district", name(r.district));
    reg.emplace("village", name(r.village));
    reg.emplace("source", r.source);
    where.emplace("region", std::move(reg));
  } else {
    where.emplace("region", nullptr);
  }
  o.emplace("location", std::move(where));

  json::array files;
  files.reserve(s.attachments.size());
  for (const attachment& a : s.attachments) {
    json::object f;
    f.emplace("sha256", a.sha256);
    f.emplace("mime", a.mime);
    f.emplace("size", a.size);
    f.emplace("name", a.name);
    files.emplace_back(std::move(f));
  }
  o.emplace("attachments", std::move(files));

  json::object sla;
  sla.emplace("verify_by", c.sla.verify_by);
  sla.emplace("respond_within_working_days", c.sla.respond_within_working_days);
  o.emplace("sla", std::move(sla));

  if (s.incomplete) o.emplace("incomplete", true);
  return json::serialize(o);
}

std::string to_duplicate_json(const duplicate_link& d) {
  json::object o;
  o.emplace("schema", "lapor.duplicate/v1");
  o.emplace("tracking_id", d.tracking_id);
  o.emplace("duplicate_of", d.duplicate_of);
  o.emplace("channel", to_string(d.channel));
  o.emplace("received_at", format_timestamp_utc(d.received_at));
  o.emplace("score", std::isfinite(d.score) ? json::value(d.score) : json::value(nullptr));
  std::string out = json::serialize(o);
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
  out += json::serialize(a);
  out += '}';
  return out;
}

}  // namespace lapor::gateway
