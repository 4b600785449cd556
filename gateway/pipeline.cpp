#include "gateway/pipeline.h"

#include <array>

#include "gateway/complaint_json.h"
#include "gateway/dedup_engine.h"
#include "gateway/email_address.h"
#include "gateway/json_out.h"
#include "gateway/phone.h"
#include "gateway/region/resolver.h"
#include "gateway/text.h"

namespace lapor::gateway {

std::string_view to_string(submit_result::status s) noexcept {
  switch (s) {
    case submit_result::status::received: return "received";
    case submit_result::status::duplicate: return "duplicate";
    case submit_result::status::rejected: return "rejected";
    case submit_result::status::conflict: return "conflict";
    case submit_result::status::overloaded: return "overloaded";
    case submit_result::status::failed: return "failed";
  }
  return "failed";
}

namespace {

submit_result reject(std::string field, std::string message) {
  submit_result r;
  r.code = submit_result::status::rejected;
  r.field = std::move(field);
  r.message = std::move(message);
  return r;
}

// Normalises an optional text field in place; a rejection naming `field` when invalid.
std::optional<submit_result> clean_text(std::string& v, const char* field, std::size_t max_chars) {
  auto n = normalize_text(v);
  if (!n) return reject(field, "bukan teks UTF-8 yang sah atau berisi karakter kontrol (invalid UTF-8 or control characters)");
  if (utf8_length(*n) > max_chars)
    return reject(field, "terlalu panjang, maksimal " + std::to_string(max_chars) + " karakter (too long)");
  v = std::move(*n);
  return std::nullopt;
}

std::optional<submit_result> clean_optional(std::optional<std::string>& v, const char* field, std::size_t max_chars) {
  if (!v) return std::nullopt;
  if (auto e = clean_text(*v, field, max_chars)) return e;
  if (v->empty()) v.reset();
  return std::nullopt;
}

std::string status_meta(const complaint& c) {
  std::string out;
  json_out j(out);
  j.begin_object();
  j.key("kind").string(to_string(c.sub.kind));
  j.key("verify_by").string(c.sla.verify_by);
  j.key("respond_within_working_days").integer(c.sla.respond_within_working_days);
  j.key("anonymous").boolean(c.sub.anonymous);
  j.key("confidential").boolean(c.sub.confidential);
  if (c.sub.incomplete) j.key("incomplete").boolean(true);
  // For the admin view (the public status page picks its fields and shows none of these).
  j.key("region");
  if (const auto& r = c.sub.where.region)
    j.begin_object().key("code").string(r->code).key("level").string(r->level).key("source").string(r->source).end_object();
  else
    j.null();
  j.end_object();
  return out;
}

// The channel's answer for a committed (or refused) write, as the reporter gets it.
submit_result answer_of(const store::write_result& w) {
  submit_result r;
  r.tracking_id = w.tracking_id;
  r.duplicate_of = w.duplicate_of;
  switch (w.status) {
    case store::write_status::stored:
      if (!r.duplicate_of.empty()) {
        // A cross-channel duplicate, stored as a link: the reporter gets the original's ID.
        r.code = submit_result::status::duplicate;
        r.tracking_id = r.duplicate_of;
      } else {
        r.code = submit_result::status::received;
      }
      break;
    case store::write_status::replay:
      // A retry: the same answer as the first time (the original's ID for a duplicate).
      r.code = submit_result::status::duplicate;
      r.retry = true;
      if (!r.duplicate_of.empty()) r.tracking_id = r.duplicate_of;
      break;
    case store::write_status::conflict:
      r.code = submit_result::status::conflict;
      r.field = "Idempotency-Key";
      r.message = "the idempotency key was already used for a different request";
      break;
    case store::write_status::overloaded:
      r.code = submit_result::status::overloaded;
      r.message = "the store is busy; retry shortly";
      break;
    case store::write_status::failed:
      r.code = submit_result::status::failed;
      r.message = "the store could not commit: " + w.error;
      break;
  }
  return r;
}

}  // namespace

namespace {

// The region_ref (and s.where.named_places) of what the resolver found.
std::optional<region_ref> region_of(const region::resolution& found, submission& s) {
  const auto& t = region::resolver::embedded().table();
  s.where.named_places.clear();
  for (std::uint8_t i = 0; i < found.place_count; ++i) s.where.named_places.push_back(t.at(found.places[i]).code);
  if (!found) return std::nullopt;
  region_ref out;
  out.code = t.at(found.unit).code;
  out.level = std::string(region::to_string(t.at(found.unit).lvl));
  out.source = std::string(region::to_string(found.from));
  for (auto id = found.unit; id != region::no_unit; id = t.at(id).parent) {
    const auto& u = t.at(id);
    std::string& slot = u.lvl == region::level::province  ? out.province
                        : u.lvl == region::level::regency ? out.regency
                        : u.lvl == region::level::district ? out.district
                                                           : out.village;
    slot = std::string(u.name);
  }
  return out;
}

}  // namespace

std::optional<region_ref> resolve_region(submission& s) {
  return region_of(region::resolver::embedded().resolve({s.where.text, own_title(s), s.body, s.where.lat, s.where.lon}), s);
}

std::optional<region_ref> resolve_region(submission& s, const region::input_words& words) {
  return region_of(region::resolver::embedded().resolve(words), s);
}

pipeline::pipeline(pipeline_options opts, const tracking_id_codec& ids, const holiday_calendar& calendar,
                   store::group_writer& writer, metrics& m, clock_fn now)
    : opts_(opts), ids_(ids), calendar_(calendar), writer_(writer), metrics_(m), now_(std::move(now)),
      next_sequence_(writer.max_sequence(opts.node_id) + 1) {
  // Load the region dataset now (tens of milliseconds), not on the first citizen's report.
  if (opts_.resolve_regions) (void)region::resolver::embedded();
}

std::optional<submit_result> pipeline::normalise(submission& s) const {
  // A long SMS whose parts were each acknowledged when stored (SPEC §2) cannot be refused now:
  // too long a text is cut, marked and flagged like one with a gap, never dropped (131 parts
  // of 153 characters were acknowledged, then refused here, and the citizen told "empty").
  if (!s.completes_parts.empty() && utf8_length(s.body) > opts_.max_body_chars) {
    s.body = utf8_prefix_chars(s.body, opts_.max_body_chars - 8) + " […]";
    s.incomplete = true;
  }
  // Every field is checked, so that one answer names everything to correct (a citizen who
  // fixes the phone number should not then learn that the e-mail was wrong too).
  std::optional<submit_result> first;
  const auto note = [&first](std::optional<submit_result> e) {
    if (!e) return true;
    if (!first) first = std::move(e);
    else first->more_errors.emplace_back(std::move(e->field), std::move(e->message));
    return false;
  };
  if (note(clean_text(s.body, "body", opts_.max_body_chars))) {
    if (s.body.empty()) note(reject("body", "isi laporan wajib diisi (body is required)"));
    // "\u200b\u200b": nothing a verifier can read. (Not for acknowledged SMS parts, see above.)
    else if (s.completes_parts.empty() && !has_visible_text(s.body))
      note(reject("body", "isi laporan tidak berisi teks yang terbaca (body has no visible text)"));
  }
  if (note(clean_text(s.title, "title", opts_.max_title_chars)) && s.title.empty())
    s.title = utf8_prefix_words(s.body, 80);
  note(clean_optional(s.who.name, "reporter.name", opts_.max_name_chars));
  note(clean_optional(s.who.twitter, "reporter.twitter", 64));
  if (note(clean_optional(s.who.email, "reporter.email", 254)) && s.who.email) {
    if (auto e = normalize_email(*s.who.email)) s.who.email = std::move(*e);
    else note(reject("reporter.email", "alamat email tidak valid (invalid email address)"));
  }
  if (note(clean_optional(s.who.phone, "reporter.phone", 32)) && s.who.phone) {
    if (auto p = normalize_phone(*s.who.phone)) s.who.phone = std::move(*p);
    else note(reject("reporter.phone", "nomor telepon tidak valid (invalid phone number)"));
  }
  note(clean_text(s.where.text, "location.text", opts_.max_location_chars));
  if (s.where.lat && (*s.where.lat < -90 || *s.where.lat > 90 || *s.where.lat != *s.where.lat))
    note(reject("location.lat", "lintang harus di antara -90 dan 90 (latitude out of range)"));
  if (s.where.lon && (*s.where.lon < -180 || *s.where.lon > 180 || *s.where.lon != *s.where.lon))
    note(reject("location.lon", "bujur harus di antara -180 dan 180 (longitude out of range)"));
  if (s.attachments.size() > opts_.max_attachments)
    note(reject("attachments", "terlalu banyak lampiran, maksimal " + std::to_string(opts_.max_attachments)));
  for (auto& a : s.attachments)
    if (!note(clean_text(a.name, "attachments.name", 255))) break;
  for (auto& [k, v] : s.channel_ref)
    if (!is_valid_utf8(k) || !is_valid_utf8(v)) {
      note(reject("channel_ref", "invalid UTF-8 in channel reference"));
      break;
    }
  if (!is_valid_utf8(s.idempotency_key) || s.idempotency_key.size() > 512)
    note(reject("idempotency_key", "invalid or too long idempotency key"));
  if (first) return first;
  if (s.received_at == clock::time_point{}) s.received_at = now_();
  return std::nullopt;
}

std::optional<submit_result> pipeline::check(const submission& s) const {
  submission copy = s;
  return normalise(copy);
}

void pipeline::submit(submission s, completion done) {
  const auto started = std::chrono::steady_clock::now();
  const channel_kind ch = s.channel;
  if (auto rejection = normalise(s)) {
    metrics_.add(counter::rejected, ch);
    return done(std::move(*rejection));
  }
  const std::uint32_t seq = next_sequence_.fetch_add(1, std::memory_order_relaxed);
  if (seq == 0xffffffffu) {
    submit_result r;
    r.message = "tracking sequence exhausted on this node; configure another tracking.node_id";
    return done(std::move(r));
  }
  const tracking_parts parts{opts_.node_id, seq};
  // The location, title and body split into words once, for the region resolver and the
  // dedup's event reader (per thread: reused, no allocation once warm).
  thread_local region::input_words words;
  if (opts_.resolve_regions || opts_.dedup) region::split_input(s.where.text, own_title(s), s.body, words);
  if (opts_.resolve_regions) {
    s.where.region = resolve_region(s, words);
    std::size_t level = 0;  // none
    for (std::size_t l = 1; s.where.region && l < metrics_.region_resolutions.size(); ++l)
      if (region::to_string(static_cast<region::level>(l)) == s.where.region->level) level = l;
    metrics_.region_resolutions[level].fetch_add(1, std::memory_order_relaxed);
  }

  // The expensive half of duplicate detection (normalising and sketching the text) runs here,
  // on the submitting thread; the store's writer only looks the sketch up (dedup_engine.h).
  std::shared_ptr<dedup_context> dedup = opts_.dedup ? make_dedup_context(s, words) : nullptr;

  complaint c;
  c.tracking_id = ids_.encode(parts);
  // An SMS has no message id of the SMSC's; ours is the one our *_resp carries: the tracking ID.
  for (auto& [k, v] : s.channel_ref)
    if (k == "message_id" && v.empty()) v = c.tracking_id;
  c.sla = compute_sla(s.received_at, s.kind, calendar_);
  c.sub = std::move(s);

  store::complaint_row row;
  row.id = row_id(parts);
  row.tracking_id = c.tracking_id;
  row.channel = std::string(to_string(ch));
  if (!c.sub.idempotency_key.empty()) row.idempotency_key = row.channel + ":" + c.sub.idempotency_key;
  row.request_fingerprint = c.sub.request_fingerprint;
  row.received_at_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(c.sub.received_at.time_since_epoch()).count();
  row.document = to_canonical_json(c);
  row.status_meta = status_meta(c);
  // Cluster mode serialises decisions per identity across nodes (store/pg_session.h).
  if (dedup) row.identity_keys = dedup->identity_keys;
  row.context = std::move(dedup);
  row.completes_parts = std::move(c.sub.completes_parts);
  row.promises.reserve(c.sub.replies.size());
  for (auto& p : c.sub.replies) {
    store::promised_message m;
    m.destination = std::move(p.destination);
    m.recipient = std::move(p.recipient);
    if (p.payload)
      m.payload = [f = std::move(p.payload)](const store::write_result& w) { return f(answer_of(w)); };
    row.promises.push_back(std::move(m));
  }

  writer_.insert_complaint(std::move(row), [this, ch, started, done = std::move(done)](store::write_result w) {
    submit_result r = answer_of(w);
    r.promises_written = w.promises_written;
    r.promises_skipped = w.promises_skipped;
    switch (r.code) {
      case submit_result::status::received: metrics_.add(counter::received, ch); break;
      case submit_result::status::duplicate: metrics_.add(counter::duplicates, ch); break;
      case submit_result::status::conflict:
      case submit_result::status::rejected: metrics_.add(counter::rejected, ch); break;
      case submit_result::status::overloaded:
      case submit_result::status::failed: metrics_.add(counter::throttled, ch); break;
    }
    metrics_.ack_latency.observe(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started));
    done(std::move(r));
  });
}

}  // namespace lapor::gateway
