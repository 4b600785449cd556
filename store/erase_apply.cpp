#include "store/erase_apply.h"

namespace lapor::store {

int apply_erase(database& db, erase_request& r) {
  const erase_batch& b = r.batch;
  // Prepared per batch (a few hundred rows): retention runs hourly, so the writer keeps no
  // statements for it.
  statement erase(db,
                  "UPDATE complaints SET document = '', status_meta = ?1 WHERE id = ?2 AND document <> ''"
                  " AND status_meta = ?3 AND EXISTS (SELECT 1 FROM outbox o WHERE o.id = complaints.dispatch_outbox_id"
                  " AND o.state = 1 AND o.updated_ms < ?4)");
  statement drop_key(db, "DELETE FROM idempotency WHERE complaint_id = ?1");
  statement drop_sketch(db, "DELETE FROM match_sketches WHERE complaint_id = ?1");
  statement drop_links(db, "DELETE FROM identity_links WHERE complaint_id = ?1");
  std::size_t erased = 0, scrubbed = 0;
  for (const erasure& e : b.entries) {
    {
      reset_guard g(erase);
      erase.bind(1, e.erased_meta).bind(2, e.id).bind(3, e.expected_meta).bind(4, b.confirmed_before_ms);
      if (const int rc = erase.step(); rc != db_done) return rc;
    }
    if (db.changes() == 0) continue;  // erased meanwhile, relinked since the scan, or never eligible
    for (statement* q : {&drop_key, &drop_sketch, &drop_links}) {
      reset_guard g(*q);
      q->bind(1, e.id);
      if (const int rc = q->step(); rc != db_done) return rc;
    }
    ++erased;
  }
  if (b.outbox_to > b.outbox_from) {
    // Finished rows only: a sent row is final, a dead reply is useless after the cut-off. A dead
    // 'dispatcher' row keeps its payload: an operator may still retry it.
    statement scrub(db,
                    "UPDATE outbox SET payload = '', last_error = NULL WHERE id >= ?1 AND id < ?2 AND updated_ms < ?3"
                    " AND (state = 1 OR (state = 2 AND destination <> 'dispatcher'))"
                    " AND payload IS NOT NULL AND payload <> ''");
    scrub.bind(1, b.outbox_from).bind(2, b.outbox_to).bind(3, b.confirmed_before_ms);
    if (const int rc = scrub.step(); rc != db_done) return rc;
    scrubbed = static_cast<std::size_t>(db.changes());
  }
  {
    // Pages freed above go back to the file system at COMMIT (auto_vacuum=INCREMENTAL).
    statement vacuum(db, "PRAGMA incremental_vacuum");
    int rc;
    while ((rc = vacuum.step()) == db_row) {
    }
    if (rc != db_done) return rc;
  }
  if (b.done) *b.done = {erased, scrubbed};
  r.answer = {true, {}};
  return db_ok;
}

}  // namespace lapor::store
