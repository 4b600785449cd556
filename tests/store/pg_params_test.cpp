// The PostgreSQL backend's parameter encoding (store/pg_connection.h): what goes into the
// array literals of the multi-row statements must come back as the same values, whatever the
// text holds. Checked against the array literal grammar (quotes, backslashes, NULL, bytea's
// hex form); the round trip through a real server is the cluster tests' (label cluster).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "store/pg_connection.h"

using lapor::store::pg::key_hash;
using lapor::store::pg::params;

TEST_CASE("pg params: scalars, NULL and empty-as-NULL") {
  params p;
  p.add(std::int64_t{-42}).add(std::string_view("a'b")).add_null().add_or_null("").add_or_null("x").add_bool(true);
  REQUIRE(p.size() == 6);
  const char* const* v = p.values();
  CHECK(std::string(v[0]) == "-42");
  CHECK(std::string(v[1]) == "a'b");  // parameters are never spliced into SQL: no quoting
  CHECK(v[2] == nullptr);
  CHECK(v[3] == nullptr);
  CHECK(std::string(v[4]) == "x");
  CHECK(std::string(v[5]) == "true");
}

TEST_CASE("pg params: text arrays quote every element and escape quotes and backslashes") {
  params p;
  p.add_array(std::vector<std::string>{"plain", "with \"quote\"", "back\\slash", "", "{braces}, comma", "NULL"});
  p.add_array(std::vector<std::string>{"a", ""}, true);
  const char* const* v = p.values();
  CHECK(std::string(v[0]) == R"({"plain","with \"quote\"","back\\slash","","{braces}, comma","NULL"})");
  // null_if_empty: an empty element is the SQL NULL, and the text "NULL" stays a quoted string.
  CHECK(std::string(v[1]) == R"({"a",NULL})");
}

TEST_CASE("pg params: integer arrays and bytea") {
  params p;
  p.add_array(std::vector<std::int64_t>{1, -2, 9223372036854775807LL});
  p.add_array(std::vector<std::int64_t>{});
  p.add_bytea(std::string("\x00\xff\x10", 3));
  p.add_bytea_array({std::string("\x01\x02", 2), std::string()});
  const char* const* v = p.values();
  CHECK(std::string(v[0]) == "{1,-2,9223372036854775807}");
  CHECK(std::string(v[1]) == "{}");
  CHECK(std::string(v[2]) == "\\x00ff10");
  // Inside a quoted array element a backslash is written twice: the element reads \x0102.
  CHECK(std::string(v[3]) == R"({"\\x0102","\\x"})");
}

TEST_CASE("pg key_hash: FNV-1a 64, the same on every node") {
  // Reference values of FNV-1a 64 (offset basis 14695981039346656037, prime 1099511628211).
  CHECK(static_cast<std::uint64_t>(key_hash("")) == 14695981039346656037ULL);
  CHECK(static_cast<std::uint64_t>(key_hash("a")) == 0xaf63dc4c8601ec8cULL);
  CHECK(key_hash("tel:+6281234567890") != key_hash("tel:+6281234567891"));
}
