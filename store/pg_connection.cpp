#include "store/pg_connection.h"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>
#include <utility>

namespace lapor::store::pg {

result::result(::pg_result* r, std::string error) : r_(r) {
  if (r_ == nullptr) {
    error_ = error.empty() ? std::string("no result (connection lost)") : std::move(error);
    return;
  }
  const auto st = PQresultStatus(r_);
  ok_ = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  if (st == PGRES_PIPELINE_ABORTED) {
    sqlstate_ = "25P02";  // in_failed_sql_transaction: an earlier statement failed
    error_ = "skipped after an earlier statement of the pipeline failed";
    return;
  }
  if (!ok_) {
    if (const char* s = PQresultErrorField(r_, PG_DIAG_SQLSTATE)) sqlstate_ = s;
    error_ = PQresultErrorMessage(r_);
    while (!error_.empty() && (error_.back() == '\n' || error_.back() == ' ')) error_.pop_back();
    if (error_.empty()) error_ = PQresStatus(st);
  }
}

result::~result() {
  if (r_ != nullptr) PQclear(r_);
}

result::result(result&& o) noexcept
    : r_(std::exchange(o.r_, nullptr)), ok_(o.ok_), sqlstate_(std::move(o.sqlstate_)), error_(std::move(o.error_)) {}

result& result::operator=(result&& o) noexcept {
  if (this != &o) {
    if (r_ != nullptr) PQclear(r_);
    r_ = std::exchange(o.r_, nullptr);
    ok_ = o.ok_;
    sqlstate_ = std::move(o.sqlstate_);
    error_ = std::move(o.error_);
  }
  return *this;
}

int result::rows() const noexcept { return r_ != nullptr && ok_ ? PQntuples(r_) : 0; }

std::string_view result::text(int row, int col) const noexcept {
  if (r_ == nullptr) return {};
  return {PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col))};
}

std::int64_t result::int64(int row, int col) const noexcept {
  const auto t = text(row, col);
  std::int64_t v = 0;
  (void)std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

bool result::is_null(int row, int col) const noexcept { return r_ == nullptr || PQgetisnull(r_, row, col) != 0; }

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char hex_digits[] = "0123456789abcdef";

// An element of an array literal: quoted, with '"' and '\' escaped.
void append_quoted(std::string& out, std::string_view v) {
  out.push_back('"');
  for (char c : v) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

std::string result::bytes(int row, int col) const {
  const auto t = text(row, col);
  std::string out;
  if (t.size() < 2 || t[0] != '\\' || t[1] != 'x') return std::string(t);  // escape format: not ours
  out.reserve((t.size() - 2) / 2);
  for (std::size_t i = 2; i + 1 < t.size(); i += 2) {
    const int hi = hex_value(t[i]), lo = hex_value(t[i + 1]);
    if (hi < 0 || lo < 0) break;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::int64_t result::affected() const noexcept {
  if (r_ == nullptr) return 0;
  const char* n = PQcmdTuples(r_);
  std::int64_t v = 0;
  if (n != nullptr) (void)std::from_chars(n, n + std::strlen(n), v);
  return v;
}

params& params::add(std::int64_t v) {
  storage_.push_back(std::to_string(v));
  null_.push_back(false);
  return *this;
}

params& params::add(std::string_view v) {
  storage_.emplace_back(v);
  null_.push_back(false);
  return *this;
}

params& params::add_null() {
  storage_.emplace_back();
  null_.push_back(true);
  return *this;
}

params& params::add_or_null(std::string_view v) { return v.empty() ? add_null() : add(v); }

params& params::add_bool(bool v) { return add(std::string_view(v ? "true" : "false")); }

params& params::add_bytea(std::string_view bytes) {
  std::string s = "\\x";
  s.reserve(2 + bytes.size() * 2);
  for (unsigned char c : bytes) {
    s.push_back(hex_digits[c >> 4]);
    s.push_back(hex_digits[c & 15]);
  }
  storage_.push_back(std::move(s));
  null_.push_back(false);
  return *this;
}

params& params::add_array(const std::vector<std::int64_t>& v) {
  std::string s = "{";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != 0) s.push_back(',');
    s += std::to_string(v[i]);
  }
  s.push_back('}');
  storage_.push_back(std::move(s));
  null_.push_back(false);
  return *this;
}

params& params::add_array(const std::vector<std::string>& v, bool null_if_empty) {
  std::size_t total = 2;
  for (const auto& e : v) total += e.size() + 3;
  std::string s;
  s.reserve(total);
  s.push_back('{');
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != 0) s.push_back(',');
    if (null_if_empty && v[i].empty()) s += "NULL";
    else append_quoted(s, v[i]);
  }
  s.push_back('}');
  storage_.push_back(std::move(s));
  null_.push_back(false);
  return *this;
}

params& params::add_bytea_array(const std::vector<std::string>& v) {
  std::string s = "{";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != 0) s.push_back(',');
    s += "\"\\\\x";  // the element is \x…; inside a quoted element a backslash is written twice
    for (unsigned char c : v[i]) {
      s.push_back(hex_digits[c >> 4]);
      s.push_back(hex_digits[c & 15]);
    }
    s.push_back('"');
  }
  s.push_back('}');
  storage_.push_back(std::move(s));
  null_.push_back(false);
  return *this;
}

const char* const* params::values() const {
  pointers_.resize(storage_.size());
  for (std::size_t i = 0; i < storage_.size(); ++i) pointers_[i] = null_[i] ? nullptr : storage_[i].c_str();
  return pointers_.data();
}

namespace {

void on_notice(void* arg, const PGresult* r) {
  auto* notices = static_cast<std::vector<std::string>*>(arg);
  if (notices->size() < 64) notices->emplace_back(PQresultErrorMessage(r));
}

}  // namespace

connection::connection(std::string conninfo) : conninfo_(std::move(conninfo)) {}

connection::~connection() { close(); }

void connection::close() noexcept {
  if (c_ != nullptr) PQfinish(c_);
  c_ = nullptr;
  prepared_.clear();  // a new connection has none
}

bool connection::connected() const noexcept { return c_ != nullptr && PQstatus(c_) == CONNECTION_OK; }

bool connection::connect(std::string& error) {
  close();
  c_ = PQconnectdb(conninfo_.c_str());
  if (c_ == nullptr || PQstatus(c_) != CONNECTION_OK) {
    error = c_ != nullptr ? PQerrorMessage(c_) : "out of memory";
    while (!error.empty() && (error.back() == '\n' || error.back() == ' ')) error.pop_back();
    close();
    return false;
  }
  PQsetNoticeReceiver(c_, on_notice, &notices_);
  // A standby answers reads but refuses writes: a writer must not settle on it.
  result ro(PQexec(c_, "SELECT pg_is_in_recovery()"));
  if (!ro.ok()) {
    error = ro.error();
    close();
    return false;
  }
  if (ro.text(0, 0) == "t") {
    error = "the server is a standby in recovery (read-only)";
    close();
    return false;
  }
  // Prepared statements live as long as the connection, and the tables start empty: a
  // generic plan made then (a sequential scan of an empty table) would be kept while the
  // table grows. Custom plans are made with the values and the current statistics; parsing
  // is still saved.
  result pc(PQexec(c_, "SET plan_cache_mode = force_custom_plan"));
  if (!pc.ok()) {
    error = pc.error();
    close();
    return false;
  }
  return true;
}

result connection::exec(const char* sql) {
  if (c_ == nullptr) return result(nullptr, "not connected");
  return result(PQexec(c_, sql), c_ != nullptr ? PQerrorMessage(c_) : "");
}

result connection::exec(const char* sql, const params& p) {
  if (c_ == nullptr) return result(nullptr, "not connected");
  return result(PQexecParams(c_, sql, p.size(), nullptr, p.values(), nullptr, nullptr, 0), PQerrorMessage(c_));
}

std::vector<std::string> connection::take_notices() { return std::exchange(notices_, {}); }

std::size_t pipeline::add(const char* sql, params p) {
  queued q{sql, std::move(p), {}, false};
  if (auto it = c_.prepared_.find(sql); it != c_.prepared_.end()) {
    q.name = it->second;
  } else {
    q.name = "lapor_" + std::to_string(c_.prepared_.size() + 1);
    q.prepare_first = true;
    c_.prepared_.emplace(sql, q.name);
    // Two statements of one pipeline with the same text: the first prepares it.
  }
  queued_.push_back(std::move(q));
  return queued_.size() - 1;
}

std::vector<result> pipeline::run() {
  std::vector<result> out;
  out.reserve(queued_.size());
  ::pg_conn* c = c_.c_;
  auto lost = [&](const char* why) {
    const std::string text = std::string(why) + (c_.c_ != nullptr ? std::string(": ") + PQerrorMessage(c_.c_) : "");
    c_.close();  // out of step with the server (and its prepared statements): start afresh
    while (out.size() < queued_.size()) out.emplace_back(nullptr, text);
    queued_.clear();
    return std::move(out);
  };
  if (c == nullptr) return lost("not connected");
  if (PQenterPipelineMode(c) != 1) return lost("cannot enter pipeline mode");
  for (auto& q : queued_) {
    if (q.prepare_first && PQsendPrepare(c, q.name.c_str(), q.sql, 0, nullptr) != 1) return lost("sending a statement failed");
    if (PQsendQueryPrepared(c, q.name.c_str(), q.p.size(), q.p.values(), nullptr, nullptr, 0) != 1)
      return lost("sending a statement failed");
  }
  if (PQpipelineSync(c) != 1) return lost("sending the pipeline failed");
  // Each statement's result is followed by a NULL; the sync's own result ends the batch.
  auto next = [&]() -> ::pg_result* {
    ::pg_result* r = PQgetResult(c);
    if (r != nullptr)
      while (::pg_result* extra = PQgetResult(c)) PQclear(extra);  // up to the NULL
    return r;
  };
  for (std::size_t i = 0; i < queued_.size(); ++i) {
    if (queued_[i].prepare_first) {
      ::pg_result* parsed = next();
      if (parsed == nullptr) return lost("connection lost in the pipeline");
      result pr(parsed, PQerrorMessage(c));
      if (!pr.ok()) c_.prepared_.erase(queued_[i].sql);  // failed or skipped: prepare it again next time
    }
    ::pg_result* r = next();
    if (r == nullptr) return lost("connection lost in the pipeline");
    out.emplace_back(r, PQerrorMessage(c));
  }
  ::pg_result* sync = PQgetResult(c);
  const bool synced = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  if (sync != nullptr) PQclear(sync);
  queued_.clear();
  if (!synced || PQexitPipelineMode(c) != 1) c_.close();  // out of step with the server: start afresh
  return out;
}

std::int64_t key_hash(std::string_view s) noexcept {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return static_cast<std::int64_t>(h);
}

bool connection_lost(const result& r) noexcept {
  if (r.ok()) return false;
  const auto& s = r.sqlstate();
  // No SQLSTATE: libpq's own failure (socket closed). 08: connection exception; 57P: admin
  // shutdown / crash shutdown / cannot connect now; 53: insufficient resources.
  return s.empty() || s.rfind("08", 0) == 0 || s.rfind("57P", 0) == 0 || s.rfind("53", 0) == 0;
}

}  // namespace lapor::store::pg
