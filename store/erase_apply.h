// The writer's side of retention (group_writer::erase_personal_data): one batch of erasures
// applied inside the group's transaction on the write connection. Internal to store/.
#pragma once

#include "store/database.h"
#include "store/write_request.h"

namespace lapor::store {

// Erases every still-eligible entry of `r.batch`, scrubs its outbox range, runs an
// incremental vacuum; sets r.answer and *r.batch.done. Returns a SQLite result code: not
// db_ok fails (and rolls back) the whole group, like any other statement error.
[[nodiscard]] int apply_erase(database& db, erase_request& r);

}  // namespace lapor::store
