#include "gateway/admin_api.h"

#include <charconv>
#include <chrono>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "gateway/complaint_status.h"
#include "gateway/dedup_engine.h"
#include "gateway/digest.h"
#include "gateway/json_out.h"
#include "gateway/submit_answer.h"

namespace lapor::gateway {

void readiness::add(std::string name, readiness_check c) {
  std::lock_guard lock(mutex_);
  gates_.emplace_back(std::move(name), std::move(c));
}

void readiness::add_note(std::string name, readiness_check c) {
  std::lock_guard lock(mutex_);
  notes_.emplace_back(std::move(name), std::move(c));
}

std::vector<std::pair<std::string, std::string>> readiness::run(const named_checks& checks) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, check] : checks)
    if (auto reason = check()) out.emplace_back(name, *reason);
  return out;
}

std::vector<std::pair<std::string, std::string>> readiness::failing() const {
  std::lock_guard lock(mutex_);
  return run(gates_);
}

std::vector<std::pair<std::string, std::string>> readiness::notes() const {
  std::lock_guard lock(mutex_);
  return run(notes_);
}

namespace {

template <class Int>
std::optional<Int> to_int(std::string_view s) {
  Int v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

boost::json::object outbox_json(const store::outbox_item& i) {
  boost::json::object o;
  o["id"] = i.id;
  o["tracking_id"] = i.tracking_id;
  o["destination"] = i.destination;
  o["state"] = store::to_string(i.state);
  o["attempts"] = i.attempts;
  o["next_attempt_ms"] = i.next_attempt_ms;
  o["created_ms"] = i.created_ms;
  o["updated_ms"] = i.updated_ms;
  o["last_error"] = i.last_error;
  return o;
}

std::optional<std::string> optional_string(const boost::json::object& o, std::string_view key, std::string& bad) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_string()) {
    bad = key;
    return std::nullopt;
  }
  return std::string(it->value().get_string());
}

}  // namespace

std::optional<submit_result> parse_test_submission(const std::string& body, submission& out) {
  auto fail = [](std::string field, std::string msg) {
    submit_result r;
    r.code = submit_result::status::rejected;
    r.field = std::move(field);
    r.message = std::move(msg);
    return r;
  };
  boost::system::error_code ec;
  boost::json::parse_options po;
  po.max_depth = 16;
  auto v = boost::json::parse(body, ec, {}, po);
  if (ec || !v.is_object()) return fail("body", "expected a JSON object: " + (ec ? ec.message() : "not an object"));
  const auto& o = v.get_object();
  std::string bad;
  out.channel = channel_kind::test;
  if (auto s = optional_string(o, "title", bad)) out.title = *s;
  if (auto s = optional_string(o, "body", bad)) out.body = *s;
  if (auto s = optional_string(o, "kind", bad)) {
    auto k = parse_complaint_kind(*s);
    if (!k) return fail("kind", "expected complaint, aspiration or information_request");
    out.kind = *k;
  }
  for (const char* flag : {"anonymous", "confidential"}) {
    if (auto it = o.find(flag); it != o.end()) {
      if (!it->value().is_bool()) return fail(flag, "expected true or false");
      (std::string_view(flag) == "anonymous" ? out.anonymous : out.confidential) = it->value().get_bool();
    }
  }
  if (auto it = o.find("reporter"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_object()) return fail("reporter", "expected an object");
    const auto& r = it->value().get_object();
    out.who.name = optional_string(r, "name", bad);
    out.who.phone = optional_string(r, "phone", bad);
    out.who.email = optional_string(r, "email", bad);
    out.who.twitter = optional_string(r, "twitter", bad);
    if (!bad.empty()) return fail("reporter." + bad, "expected a string");
  }
  if (auto it = o.find("location"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_object()) return fail("location", "expected an object");
    const auto& l = it->value().get_object();
    if (auto s = optional_string(l, "text", bad)) out.where.text = *s;
    for (const char* k : {"lat", "lon"}) {
      if (auto jt = l.find(k); jt != l.end() && !jt->value().is_null()) {
        if (!jt->value().is_number()) return fail(std::string("location.") + k, "expected a number");
        (std::string_view(k) == "lat" ? out.where.lat : out.where.lon) = jt->value().to_number<double>();
      }
    }
  }
  if (!bad.empty()) return fail(bad, "expected a string");
  return std::nullopt;
}

void add_admin_routes(http_router& router, admin_deps d) {
  router.add("GET", "/healthz", [](http_request&&, const route_params&, http_responder respond) {
    respond(http_response::text(200, "ok\n"));
  });

  router.add("GET", "/readyz", [&ready = d.ready](http_request&&, const route_params&, http_responder respond) {
    const auto failing = ready.failing();
    std::string body = failing.empty() ? "ready\n" : "not ready\n";
    for (const auto& [name, reason] : failing) body += name + ": " + reason + "\n";
    for (const auto& [name, reason] : ready.notes()) body += "warning: " + name + ": " + reason + "\n";
    respond(http_response::text(failing.empty() ? 200 : 503, std::move(body)));
  });

  router.add("GET", "/metrics", [&stats = d.stats](http_request&&, const route_params&, http_responder respond) {
    auto r = http_response::text(200, stats.render_prometheus());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    respond(std::move(r));
  });

  router.add("GET", "/admin/outbox", [&reader = d.reader](http_request&& req, const route_params&, http_responder respond) {
    std::optional<store::outbox_state> state;
    if (auto s = req.query_param("state")) {
      if (*s == "pending") state = store::outbox_state::pending;
      else if (*s == "dead") state = store::outbox_state::dead;
      else if (*s == "sent") state = store::outbox_state::sent;
      else if (*s != "all")
        return respond(http_response::problem(400, "Bad Request", "state must be pending, dead, sent or all",
                                              {{"state", "unknown state"}}));
    }
    std::int64_t after = 0;
    int limit = 100;
    if (auto s = req.query_param("after")) {
      auto v = to_int<std::int64_t>(*s);
      if (!v) return respond(http_response::problem(400, "Bad Request", "after must be an integer", {{"after", "not an integer"}}));
      after = *v;
    }
    if (auto s = req.query_param("limit")) {
      auto v = to_int<int>(*s);
      if (!v || *v < 1 || *v > 1000)
        return respond(http_response::problem(400, "Bad Request", "limit must be 1..1000", {{"limit", "out of range"}}));
      limit = *v;
    }
    reader.list_outbox(state, after, limit, [respond](std::vector<store::outbox_item> items) {
      boost::json::array a;
      for (const auto& i : items) a.push_back(outbox_json(i));
      boost::json::object o;
      o["items"] = std::move(a);
      respond(http_response::json(200, serialize_json(o)));
    });
  });

  router.add("POST", "/admin/outbox/{id}/retry",
             [&writer = d.writer, &fwds = d.forwarders](http_request&&, const route_params& p, http_responder respond) {
               auto id = to_int<std::int64_t>(p.find("id")->second);
               if (!id) return respond(http_response::problem(400, "Bad Request", "id must be an integer", {{"id", "not an integer"}}));
               writer.requeue(*id, [id = *id, &fwds, respond](bool ok, std::string error) {
                 if (!ok) return respond(http_response::problem(404, "Not Found", error, {{"id", error}}));
                 for (auto* fwd : fwds) fwd->retry_now(id);
                 respond(http_response::json(200, "{\"id\":" + std::to_string(id) + ",\"state\":\"pending\"}"));
               });
             });

  router.add("GET", "/admin/complaints/{tracking_id}",
             [&reader = d.reader, &core = d.core](http_request&&, const route_params& p, http_responder respond) {
               auto parts = core.ids().decode(p.find("tracking_id")->second);
               if (!parts)
                 return respond(http_response::problem(404, "Not Found", "not a valid tracking ID", {{"tracking_id", "invalid"}}));
               reader.find_complaint(row_id(*parts), [respond](std::optional<store::complaint_summary> s) {
                 if (!s) return respond(http_response::problem(404, "Not Found", "unknown tracking ID"));
                 boost::json::object o;
                 o["tracking_id"] = s->tracking_id;
                 o["channel"] = s->channel;
                 o["received_at_ms"] = s->received_at_ms;
                 o["duplicate_of"] = s->duplicate_of.empty() ? boost::json::value(nullptr) : boost::json::value(s->duplicate_of);
                 o["dispatch_state"] = store::to_string(s->dispatch_state);
                 o["dispatch_updated_ms"] = s->dispatch_updated_ms;
                 boost::system::error_code ec;
                 auto meta = boost::json::parse(s->status_meta, ec);
                 o["meta"] = ec ? boost::json::value(nullptr) : meta;
                 respond(http_response::json(200, serialize_json(o)));
               });
             });

  // Undoes a wrong cross-channel merge: the complaint becomes an original again and the
  // dispatcher gets a lapor.unmerge/v1 correction carrying the full complaint (see
  // make_unmerge_payload). 409 when the complaint is not (or no longer) a duplicate.
  router.add("POST", "/admin/complaints/{tracking_id}/unmerge",
             [&reader = d.reader, &writer = d.writer, &core = d.core](http_request&&, const route_params& p,
                                                                      http_responder respond) {
               auto parts = core.ids().decode(p.find("tracking_id")->second);
               if (!parts)
                 return respond(http_response::problem(404, "Not Found", "not a valid tracking ID", {{"tracking_id", "invalid"}}));
               const std::int64_t id = row_id(*parts);
               reader.find_complaint(id, [id, &writer, respond](std::optional<store::complaint_summary> s) {
                 if (!s) return respond(http_response::problem(404, "Not Found", "unknown tracking ID"));
                 if (s->duplicate_of.empty())
                   return respond(http_response::problem(409, "Conflict", "the complaint is not a duplicate",
                                                         {{"tracking_id", "not a duplicate"}}));
                 // Retention erased its content: a correction would carry an empty complaint.
                 boost::system::error_code ec;
                 const auto meta = boost::json::parse(s->status_meta, ec);
                 if (!ec && meta.is_object() && meta.get_object().contains("erased_at"))
                   return respond(http_response::problem(409, "Conflict",
                                                         "the complaint's content was erased (retention.days); it can no longer be unmerged",
                                                         {{"tracking_id", "erased"}}));
                 const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 std::chrono::system_clock::now().time_since_epoch())
                                                 .count();
                 boost::json::object ev;
                 ev["decision"] = "unmerged";
                 ev["was_duplicate_of"] = s->duplicate_of;
                 ev["at"] = utc_timestamp(now_ms);
                 auto payload = make_unmerge_payload(s->tracking_id, s->duplicate_of, now_ms);
                 writer.relink(id, s->duplicate_of, "", with_dedup_evidence(s->status_meta, serialize_json(ev)),
                               std::move(payload.prefix), std::move(payload.suffix),
                               [respond, tracking_id = s->tracking_id, was = s->duplicate_of](bool ok, std::string error) {
                                 if (!ok) return respond(http_response::problem(409, "Conflict", error));
                                 boost::json::object o;
                                 o["tracking_id"] = tracking_id;
                                 o["status"] = "unmerged";
                                 o["was_duplicate_of"] = was;
                                 respond(http_response::json(200, serialize_json(o)));
                               });
               });
             });

  if (d.test_channel) {
    router.add("POST", "/admin/test/submit", [&core = d.core](http_request&& req, const route_params&, http_responder respond) {
      submission s;
      if (auto rejection = parse_test_submission(req.body, s)) return respond(submit_answer(*rejection));
      if (auto key = req.header("idempotency-key")) s.idempotency_key = std::string(*key);
      s.request_fingerprint = sha256_hex(req.body);
      core.submit(std::move(s), [respond](submit_result r) { respond(submit_answer(r)); });
    });
  }
}

}  // namespace lapor::gateway
