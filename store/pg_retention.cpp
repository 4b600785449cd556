// The retention scan on PostgreSQL (store/retention.h): the cluster's complaints, read on a
// connection of the sweeper's own. Every node runs the sweeper; two nodes erasing one
// complaint at once are harmless (the erasure is conditional on the status_meta scanned).
#include <utility>

#include "store/pg_connection.h"
#include "store/retention.h"

namespace lapor::store {

namespace {

class pg_source final : public retention_scanner::source {
 public:
  explicit pg_source(const options& opts) : conn_(opts.postgres_conninfo) {}

  std::optional<std::vector<retention_scanner::candidate>> next(std::int64_t after_id, std::int64_t confirmed_before_ms,
                                                                int limit, std::string& error) override {
    pg::params p;
    p.add(after_id).add(confirmed_before_ms).add(std::int64_t{limit});
    auto r = query("SELECT c.id, c.status_meta, c.document FROM complaints c JOIN outbox o ON o.id = c.dispatch_outbox_id"
                   " WHERE c.id > $1::bigint AND o.state = 1 AND o.updated_ms < $2::bigint AND c.document <> ''"
                   " ORDER BY c.id LIMIT $3::integer",
                   p, error);
    if (!r) return std::nullopt;
    std::vector<retention_scanner::candidate> out;
    out.reserve(static_cast<std::size_t>(r->rows()));
    for (int i = 0; i < r->rows(); ++i)
      out.push_back(retention_scanner::candidate{r->int64(i, 0), std::string(r->text(i, 1)), std::string(r->text(i, 2))});
    return out;
  }

  std::optional<std::int64_t> max_outbox_id() override {
    std::string error;
    auto r = query("SELECT coalesce(max(id), 0) FROM outbox", {}, error);
    if (!r || r->rows() != 1) return std::nullopt;
    return r->int64(0, 0);
  }

  bool keep_listed(std::set<std::string>& photos) override {
    if (photos.empty()) return true;
    // The database answers which names a document not yet erased still contains; the
    // documents themselves never cross the wire.
    std::vector<std::string> names(photos.begin(), photos.end());
    pg::params p;
    p.add_array(names);
    std::string error;
    auto r = query("SELECT h FROM unnest($1::text[]) AS h WHERE EXISTS"
                   " (SELECT 1 FROM complaints c WHERE c.document <> '' AND strpos(c.document, h) > 0)",
                   p, error);
    if (!r) return false;
    for (int i = 0; i < r->rows(); ++i) photos.erase(std::string(r->text(i, 0)));
    return true;
  }

 private:
  std::optional<pg::result> query(const char* sql, const pg::params& p, std::string& error) {
    if (!conn_.connected() && !conn_.connect(error)) {
      error = "retention: cannot connect to PostgreSQL: " + error;
      return std::nullopt;
    }
    auto r = conn_.exec(sql, p);
    if (!r.ok()) {
      error = "retention scan: " + r.error();
      if (pg::connection_lost(r)) conn_.close();
      return std::nullopt;
    }
    return r;
  }

  pg::connection conn_;
};

}  // namespace

std::unique_ptr<retention_scanner::source> make_pg_retention_source(const options& opts) {
  return std::make_unique<pg_source>(opts);
}

}  // namespace lapor::store
