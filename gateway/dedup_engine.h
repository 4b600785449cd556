// Cross-channel duplicate detection (SPEC §6) wired into the store's writer.
//
// Where the decision is made, and why: the pipeline computes everything expensive (text
// normalisation, sketches, identity keys) on the submitting thread and attaches it to the
// row; the decision itself runs in the store's writer thread, inside the group transaction,
// as the store's insert_decider. The writer is the one place that sees every new row in
// commit order, so
//  - two near-duplicates in one commit group cannot both become originals (the second one
//    sees the first, staged in the index);
//  - the decision (duplicate_of, the lapor.duplicate/v1 outbox payload, the evidence in
//    status_meta, the sketch row and new identity links) commits in the same transaction as
//    the row: "acknowledged means durable" covers the decision too, and a rolled-back group
//    leaves no trace in the index;
//  - no lock is held on the submitting path. The writer pays a lookup of a few microseconds
//    per row (bench/dedup_bench).
// The index is rebuilt from SQLite (match_sketches within the window, identity_links) at
// start-up, before the first submission.
//
// Evidence in status_meta (admin GET /admin/complaints/{id} shows it as "meta"):
//   "dedup": {"decision": "duplicate", "of": "LPR-…", "matched": "LPR-…", "score": 0.83,
//             "identity": "tel:+62812*****890",     (just "tel" for an Anonim report)
//             "facets": {"problem": "agrees", "place": "agrees", "problems": "water"}}
//   "dedup": {"decision": "possible_duplicate", "of": "LPR-…", "score": 0.21,
//             "possible": [{"tracking_id": "LPR-…", "score": 0.21}], "facets": {…}}
//   "dedup": {"decision": "new", "conflict": "problem"}   (same reporter, alike, but another problem)
//   "dedup": {"decision": "related", "of": "LPR-…", "matched": "LPR-…", "score": 0.95}
//   "dedup": {"decision": "unmerged", "was_duplicate_of": "LPR-…", "at": "2026-…Z"}   (admin)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gateway/complaint.h"
#include "gateway/dedup/index.h"
#include "gateway/metrics.h"
#include "gateway/region/place_words.h"
#include "gateway/tracking_id.h"
#include "store/store.h"

namespace lapor::gateway {

using dedup::dedup_decision;
using dedup::dedup_index;
using dedup::dedup_thresholds;
using dedup::match_sketch;

struct dedup_options {
  bool enabled = true;
  dedup_thresholds thresholds;
};

// What the pipeline attaches to a row (computed off the writer thread).
struct dedup_context final : store::row_context {
  match_sketch sketch;                     // identities filled (stable_hash64 of the keys)
  std::string stored_sketch;               // serialize_sketch(sketch): made here, off the writer thread
  std::vector<std::string> identity_keys;  // "tel:+62…", "mailto:…", "twitter:…"
  channel_kind channel = channel_kind::test;
  clock::time_point received_at{};
  bool anonymous = false;  // Anonim: the evidence names the kind of identity only ("tel")
  std::vector<std::string> cited_ids;  // tracking IDs a short reminder names, decoded on the writer
};

// The identity keys of a normalised submission: its phone, e-mail and Twitter handle, plus
// for Twitter the account id (channel_ref.author_id) and the contact phones it states in its
// text.
[[nodiscard]] std::vector<std::string> identity_keys_of(const submission& s);

// Normalises the title and body and sketches them. Pure; any thread.
[[nodiscard]] std::shared_ptr<dedup_context> make_dedup_context(const submission& s);
// The same, reading the words of `s` from `words`: region::split_input of its location field,
// own_title(s) and body (the pipeline splits them once for the region resolver and this). For
// a normalised submission (valid UTF-8) the same context.
[[nodiscard]] std::shared_ptr<dedup_context> make_dedup_context(const submission& s, const region::input_words& words);

class dedup_engine final : public store::insert_decider {
 public:
  dedup_engine(dedup_options o, const tracking_id_codec& ids, metrics& m);

  // Start-up: rebuilds the index from `w`'s database for the window ending at `now_ms`, then
  // installs this engine as `w`'s decider. Throws std::runtime_error on a SQLite error.
  // Returns the number of complaints loaded.
  std::size_t attach(store::group_writer& w, std::int64_t now_ms);

  // store::insert_decider (writer thread).
  void decide(store::complaint_row& row) noexcept override;
  void undo_last() noexcept override;
  void relinked(std::int64_t id, const std::string& duplicate_of) noexcept override;
  void group_committed() noexcept override;
  void group_failed() noexcept override;
  void absorb_link(std::string_view a, std::string_view b) noexcept override;
  void absorb_match(const store::match_record& m) noexcept override;

  [[nodiscard]] const dedup_index& index() const noexcept { return index_; }
  [[nodiscard]] bool enabled() const noexcept { return opts_.enabled; }

 private:
  void load_link(std::string_view a, std::string_view b);
  bool load_match(const store::match_record& m);  // false: a sketch of another version

  dedup_options opts_;
  const tracking_id_codec& ids_;
  metrics& metrics_;
  dedup_index index_;
  std::int64_t latest_ms_ = 0;
  std::vector<channel_kind> staged_related_;
  std::vector<channel_kind> staged_possible_;
  bool last_was_possible_ = false;
  std::size_t staged_links_ = 0;
  bool last_was_related_ = false;
};

// The status_meta evidence object of a decision, e.g. {"decision":"duplicate",…}; appended to
// `meta` (a JSON object's text) as member "dedup". Returns `meta` unchanged when it is not an
// object.
[[nodiscard]] std::string with_dedup_evidence(const std::string& meta, const std::string& evidence_json);

// The correction sent to the dispatcher when an operator undoes a merge:
//   {"schema": "lapor.unmerge/v1", "tracking_id": <the complaint, now standalone>,
//    "was_duplicate_of": <the original it had been linked to>, "unmerged_at": <RFC 3339>,
//    "complaint": <its full lapor.complaint/v1 document, as stored>}
// The dispatcher should drop the earlier lapor.duplicate/v1 link for `tracking_id` and treat
// `complaint` as a new complaint. Sent with its own Idempotency-Key ("outbox-<row id>").
// Returned as the prefix and suffix around the stored document (group_writer::relink).
struct unmerge_payload {
  std::string prefix, suffix;
};
[[nodiscard]] unmerge_payload make_unmerge_payload(const std::string& tracking_id, const std::string& was_duplicate_of,
                                                   std::int64_t at_ms);

}  // namespace lapor::gateway
