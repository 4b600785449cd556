// A thin RAII layer over libpq for the PostgreSQL backend (cluster mode, SPEC §9).
//
// Errors are values: exec() returns a pg_result whose ok() says whether the statement
// succeeded, with PostgreSQL's SQLSTATE and message; nothing here throws except connect at
// start-up through the callers. Parameters go as text (format 0) except bytea (binary), so
// arrays for multi-row statements (`unnest($1::bigint[], …)`) are array literals built by
// pg_params. Only store/ includes libpq-fe.h, and only through this file's .cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct pg_conn;
struct pg_result;

namespace lapor::store::pg {

class result {
 public:
  result() = default;
  explicit result(::pg_result* r, std::string error = {});
  ~result();
  result(result&& o) noexcept;
  result& operator=(result&& o) noexcept;
  result(const result&) = delete;
  result& operator=(const result&) = delete;

  // The statement ran (command or rows).
  [[nodiscard]] bool ok() const noexcept { return ok_; }
  // SQLSTATE ("40P01", "23505", …); empty when the failure was the connection's.
  [[nodiscard]] const std::string& sqlstate() const noexcept { return sqlstate_; }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] int rows() const noexcept;
  [[nodiscard]] std::string_view text(int row, int col) const noexcept;
  [[nodiscard]] std::int64_t int64(int row, int col) const noexcept;
  [[nodiscard]] bool is_null(int row, int col) const noexcept;
  // A bytea column in hex output ("\x…"), decoded.
  [[nodiscard]] std::string bytes(int row, int col) const;
  // The command tag's row count ("UPDATE 3" -> 3).
  [[nodiscard]] std::int64_t affected() const noexcept;

 private:
  ::pg_result* r_ = nullptr;
  bool ok_ = false;
  std::string sqlstate_;
  std::string error_;
};

// Text parameters, kept alive with the object.
class params {
 public:
  params& add(std::int64_t v);
  params& add(std::string_view v);
  params& add_null();
  // NULL for an empty string.
  params& add_or_null(std::string_view v);
  params& add_bool(bool v);
  // bytea as text in hex format ("\x00ff…").
  params& add_bytea(std::string_view bytes);
  // Array literals: {1,2,3} and {"a","b",NULL}; `null_if_empty` writes NULL for "".
  params& add_array(const std::vector<std::int64_t>& v);
  params& add_array(const std::vector<std::string>& v, bool null_if_empty = false);
  // bytea values as a text[] of hex ("\x00ff…"), cast in SQL with ::bytea[].
  params& add_bytea_array(const std::vector<std::string>& v);

  [[nodiscard]] int size() const noexcept { return static_cast<int>(storage_.size()); }
  // Pointers into the values (nullptr = NULL), valid until the next add().
  [[nodiscard]] const char* const* values() const;

 private:
  std::vector<std::string> storage_;
  std::vector<bool> null_;
  mutable std::vector<const char*> pointers_;
};

class connection {
 public:
  explicit connection(std::string conninfo);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Connects (or reconnects after a failure). false with `error` when the server is not
  // reachable or is a read-only standby (a promoted standby is found through a multi-host
  // conninfo with target_session_attrs=read-write).
  bool connect(std::string& error);
  [[nodiscard]] bool connected() const noexcept;
  void close() noexcept;

  [[nodiscard]] result exec(const char* sql);
  [[nodiscard]] result exec(const char* sql, const params& p);
  // Warnings the server sent since the last call (e.g. "canceled wait for synchronous
  // replication"): the caller decides what a warning means for the transaction.
  [[nodiscard]] std::vector<std::string> take_notices();
  [[nodiscard]] const std::string& conninfo() const noexcept { return conninfo_; }

 private:
  friend class pipeline;
  std::string conninfo_;
  ::pg_conn* c_ = nullptr;
  // Statements a pipeline prepared on this connection (by text), so each is parsed and
  // planned once per connection instead of once per group.
  std::unordered_map<const char*, std::string> prepared_;
  std::vector<std::string> notices_;
};

// Statements sent together and answered together (libpq pipeline mode): one round trip for
// a group's reads, one for its writes and COMMIT. Each statement still runs on its own
// snapshot, in order, so a read queued after an advisory lock sees what the lock waited for.
// After the first failure the server skips the rest (their results say so); the
// transaction is then aborted and the caller rolls back.
class pipeline {
 public:
  explicit pipeline(connection& c) : c_(c) {}
  // Queues one statement; returns its index in the results. `sql` must be a string with
  // static storage (a literal): it is prepared once per connection, keyed by its address.
  std::size_t add(const char* sql, params p = {});
  [[nodiscard]] bool empty() const noexcept { return queued_.empty(); }
  // Sends everything, waits for every result. A connection failure leaves fewer results
  // than statements (connection_lost() is true for the missing ones' stand-in).
  [[nodiscard]] std::vector<result> run();

 private:
  connection& c_;
  struct queued {
    const char* sql;
    params p;
    std::string name;           // the prepared statement's name on this connection
    bool prepare_first = false; // not yet prepared there: a Parse goes ahead of it
  };
  std::vector<queued> queued_;
};

// FNV-1a 64 of `s`, as PostgreSQL's bigint: the identity and idempotency hashes every node
// computes the same way (advisory lock keys, match_identities.key_hash).
[[nodiscard]] std::int64_t key_hash(std::string_view s) noexcept;

// SQLSTATE classes after which the outcome of a commit is unknown or the connection unusable.
[[nodiscard]] bool connection_lost(const result& r) noexcept;

}  // namespace lapor::store::pg
