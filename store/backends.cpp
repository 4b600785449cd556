// Which backend a store::options names: SQLite (embedded, one node) or PostgreSQL (cluster).
#include "store/pg_reader.h"
#include "store/pg_session.h"
#include "store/read_queries.h"
#include "store/reader.h"
#include "store/session.h"
#include "store/writer_session.h"

namespace lapor::store {

std::unique_ptr<session> make_session(const options& opts) {
  if (opts.backend == backend_kind::postgres) return std::make_unique<pg_session>(opts);
  return std::make_unique<writer_session>(opts);
}

std::unique_ptr<reader> make_reader(const options& opts) {
  if (opts.backend == backend_kind::postgres) return std::make_unique<pg_reader>(opts);
  return std::make_unique<read_queries>(opts.path);
}

}  // namespace lapor::store
