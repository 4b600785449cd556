#include "gateway/complaint_status.h"

#include <chrono>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "gateway/json_out.h"
#include "gateway/sla.h"
#include "store/store.h"

namespace lapor::gateway {

std::string_view to_string(complaint_status::state s) noexcept {
  switch (s) {
    case complaint_status::state::received: return "received";
    case complaint_status::state::forwarded: return "forwarded";
    case complaint_status::state::duplicate: return "duplicate";
  }
  return "received";
}

std::string utc_timestamp(std::int64_t ms) {
  return format_timestamp_utc(std::chrono::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds(ms)});
}

void store_status_source::find(std::string_view typed_id, callback cb) {
  auto parts = ids_.decode(typed_id);
  if (!parts) return cb(status_lookup{status_lookup::outcome::invalid_id, {}});
  reader_.find_complaint(row_id(*parts), [cb = std::move(cb)](std::optional<store::complaint_summary> s) {
    if (!s) return cb(status_lookup{status_lookup::outcome::not_found, {}});
    complaint_status out;
    out.tracking_id = s->tracking_id;
    out.received_at_ms = s->received_at_ms;
    if (!s->duplicate_of.empty()) {
      out.current = complaint_status::state::duplicate;
      out.duplicate_of = s->duplicate_of;
    } else if (s->dispatch_state == store::outbox_state::sent) {
      out.current = complaint_status::state::forwarded;
      out.forwarded_at_ms = s->dispatch_updated_ms;
    }
    boost::system::error_code ec;
    auto meta = boost::json::parse(s->status_meta, ec);
    if (!ec && meta.is_object()) {
      const auto& o = meta.get_object();
      if (auto* k = o.if_contains("kind"); k && k->is_string()) out.kind = std::string(k->get_string());
      if (auto* v = o.if_contains("verify_by"); v && v->is_string()) out.verify_by = std::string(v->get_string());
      if (auto* d = o.if_contains("respond_within_working_days"); d && d->is_int64())
        out.respond_within_working_days = static_cast<int>(d->get_int64());
    }
    cb(status_lookup{status_lookup::outcome::found, std::move(out)});
  });
}

std::string complaint_status_json(const complaint_status& s) {
  boost::json::object o;
  o["tracking_id"] = s.tracking_id;
  o["status"] = to_string(s.current);
  o["duplicate_of"] = s.duplicate_of.empty() ? boost::json::value(nullptr) : boost::json::value(s.duplicate_of);
  o["received_at"] = utc_timestamp(s.received_at_ms);
  o["forwarded_at"] = s.forwarded_at_ms ? boost::json::value(utc_timestamp(s.forwarded_at_ms)) : boost::json::value(nullptr);
  o["kind"] = s.kind.empty() ? boost::json::value(nullptr) : boost::json::value(s.kind);
  boost::json::object sla;
  sla["verify_by"] = s.verify_by.empty() ? boost::json::value(nullptr) : boost::json::value(s.verify_by);
  sla["respond_within_working_days"] =
      s.respond_within_working_days ? boost::json::value(s.respond_within_working_days) : boost::json::value(nullptr);
  o["sla"] = std::move(sla);
  return serialize_json(o);
}

}  // namespace lapor::gateway
