#include "store/row_batch.h"

#include <utility>

namespace lapor::store {

std::string row_batch::sql_for(std::string_view head, std::string_view tuple, int params_per_row, int n) {
  std::string sql(head);
  sql.reserve(head.size() + static_cast<std::size_t>(n) * (tuple.size() + 8));
  for (int r = 0; r < n; ++r) {
    if (r > 0) sql += ", ";
    for (std::size_t i = 0; i < tuple.size(); ++i) {
      if (tuple[i] == '#' && i + 1 < tuple.size() && tuple[i + 1] >= '1' && tuple[i + 1] <= '9') {
        sql += '?';
        sql += std::to_string(r * params_per_row + (tuple[i + 1] - '0'));
        ++i;
      } else {
        sql += tuple[i];
      }
    }
  }
  return sql;
}

row_batch::row_batch(database& db, std::string_view head, std::string_view tuple, int params_per_row)
    : per_row_(params_per_row),
      one_(db, sql_for(head, tuple, params_per_row, 1)),
      eight_(db, sql_for(head, tuple, params_per_row, 8)),
      thirty_two_(db, sql_for(head, tuple, params_per_row, 32)) {}

row_batch& row_batch::add(std::int64_t v) {
  values_.push_back(value{value::kind::integer, v, {}});
  return *this;
}

row_batch& row_batch::add_text(std::string_view v) {
  values_.push_back(value{value::kind::text, 0, v});
  return *this;
}

row_batch& row_batch::add_blob(std::string_view v) {
  values_.push_back(value{value::kind::blob, 0, v});
  return *this;
}

row_batch& row_batch::add_null() {
  values_.push_back(value{value::kind::null, 0, {}});
  return *this;
}

std::string_view row_batch::keep(std::string s) { return kept_.emplace_back(std::move(s)); }

int row_batch::write(statement& q, std::size_t first_row, int n) noexcept {
  reset_guard g(q);
  const std::size_t from = first_row * static_cast<std::size_t>(per_row_);
  const int count = n * per_row_;
  for (int k = 0; k < count; ++k) {
    const value& v = values_[from + static_cast<std::size_t>(k)];
    switch (v.what) {
      case value::kind::integer: q.bind(k + 1, v.i); break;
      case value::kind::text: q.bind(k + 1, v.s); break;
      case value::kind::blob: q.bind_blob(k + 1, v.s); break;
      case value::kind::null: q.bind_null(k + 1); break;
    }
  }
  const int rc = q.step();
  return rc == db_done ? db_ok : rc;
}

int row_batch::flush() noexcept {
  const std::size_t n = rows();
  std::size_t at = 0;
  int rc = db_ok;
  while (rc == db_ok && n - at >= 32) rc = write(thirty_two_, at, 32), at += 32;
  while (rc == db_ok && n - at >= 8) rc = write(eight_, at, 8), at += 8;
  while (rc == db_ok && n - at >= 1) rc = write(one_, at, 1), at += 1;
  clear();
  return rc;
}

void row_batch::clear() noexcept {
  values_.clear();
  kept_.clear();
}

}  // namespace lapor::store
