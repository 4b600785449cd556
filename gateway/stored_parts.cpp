#include "gateway/stored_parts.h"

#include <utility>

namespace lapor::gateway {

void stored_parts::store_part(part p, std::function<void(submit_result)> done) {
  store::message_part m{std::move(p.group), p.seq, std::move(p.data), p.received_at_ms};
  writer_.insert_part(std::move(m), [done = std::move(done)](store::write_result w) {
    submit_result r;
    switch (w.status) {
      case store::write_status::stored:
      case store::write_status::replay: r.code = submit_result::status::received; break;
      case store::write_status::overloaded: r.code = submit_result::status::overloaded; break;
      default: r.code = submit_result::status::failed; break;
    }
    r.message = std::move(w.error);
    if (done) done(std::move(r));
  });
}

void stored_parts::finish_parts(std::string group, std::string answer) {
  writer_.complete_parts(std::move(group), std::move(answer));
}

void stored_parts::purge_parts(std::int64_t done_before_ms, std::int64_t open_before_ms) {
  writer_.purge_parts(done_before_ms, open_before_ms);
}

namespace {

part_store::part from_row(store::stored_part s) {
  return part_store::part{std::move(s.part.group), s.part.seq, std::move(s.part.data), s.part.received_at_ms,
                          std::move(s.answer)};
}

}  // namespace

void stored_parts::load_parts(const std::function<void(const part&)>& each) {
  writer_.scan_parts([&](const store::stored_part& s) { each(from_row(s)); });
}

void stored_parts::take_over_parts(std::int64_t done_since_ms, std::function<void(std::vector<part>)> done) {
  if (reader_ == nullptr) return done({});
  reader_->take_over_parts(done_since_ms, [done = std::move(done)](std::vector<store::stored_part> rows) {
    std::vector<part> out;
    out.reserve(rows.size());
    for (auto& s : rows) out.push_back(from_row(std::move(s)));
    done(std::move(out));
  });
}

void stored_parts::queue_message(std::string destination, std::string payload, std::function<void(bool)> done) {
  writer_.enqueue_outbox(std::move(destination), std::move(payload), 0, [done = std::move(done)](bool ok, std::string) {
    if (done) done(ok);
  });
}

}  // namespace lapor::gateway
