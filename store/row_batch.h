#pragma once
// row_batch: rows of one INSERT collected during a group and written with multi-row
// statements (32, 8, then 1 row at a time) before the group's COMMIT.
//
// Why: the writer inserts four small rows per complaint (idempotency key, match sketch,
// dispatcher outbox row, reply promise). One sqlite3_step per row spends most of its time in
// the statement's set-up and tear-down, not in the B-tree; one step per 32 rows does not.
// The rows are written in the order they were added, inside the same transaction, so what
// the group commits is the same.
//
// Text and blobs are bound without copying: what add() is given must stay alive until
// flush(); keep() holds a string that would not.

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"

namespace lapor::store {

class row_batch {
 public:
  // `head`: "INSERT INTO t(a, b, c) VALUES "; `tuple`: one row's VALUES with its parameters
  // written #1 … #9 ("(#1, #2, 0, #3, #3)": a parameter may appear twice, literals stay).
  row_batch(database& db, std::string_view head, std::string_view tuple, int params_per_row);

  // One parameter of the row being added; call params_per_row times per row, in order.
  row_batch& add(std::int64_t v);
  row_batch& add_text(std::string_view v);
  row_batch& add_blob(std::string_view v);
  row_batch& add_null();
  // Keeps `s` alive until flush() and returns a view of it.
  std::string_view keep(std::string s);

  [[nodiscard]] std::size_t rows() const noexcept { return values_.size() / static_cast<std::size_t>(per_row_); }
  // Writes every added row; db_ok or the first error (the rows are dropped either way).
  [[nodiscard]] int flush() noexcept;
  void clear() noexcept;

  // The SQL of an n-row statement (for tests).
  [[nodiscard]] static std::string sql_for(std::string_view head, std::string_view tuple, int params_per_row, int n);

 private:
  struct value {
    enum class kind : std::uint8_t { integer, text, blob, null } what;
    std::int64_t i = 0;
    std::string_view s;
  };
  int write(statement& q, std::size_t first_row, int n) noexcept;

  int per_row_;
  statement one_, eight_, thirty_two_;
  std::vector<value> values_;
  std::deque<std::string> kept_;
};

}  // namespace lapor::store
