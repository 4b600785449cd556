// Appends JSON to a string as it goes, for the documents written for every submission (the
// canonical complaint, its status metadata): building a boost::json::object first costs an
// allocation per key and a hash table per object, about a tenth of a message's CPU. The
// bytes are the ones Boost.JSON's serializer writes (the same escapes, no spaces; numbers
// other than integers go through it), so a document reads the same whichever wrote it.
// The caller writes keys in order and keeps objects balanced; a key must not repeat.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>

namespace lapor::gateway {

// What every JSON answer and document is written with: boost::json::serialize's bytes but for
// doubles, which it writes as "8.13E-1" (the README promises plain numbers).
[[nodiscard]] std::string serialize_json(const boost::json::value& v);

class json_out {
 public:
  explicit json_out(std::string& out) : out_(out) {}

  json_out& begin_object() { return open('{'); }
  json_out& end_object() { return close('}'); }
  json_out& begin_array() { return open('['); }
  json_out& end_array() { return close(']'); }

  // "key": — the value follows with one of the calls below.
  json_out& key(std::string_view k) {
    quoted(k, comma_due(), ':');
    after_key_ = true;
    return *this;
  }
  json_out& string(std::string_view v) {
    quoted(v, comma_due(), '\0');
    return *this;
  }
  json_out& string_or_null(const std::optional<std::string>& v) { return v ? string(*v) : null(); }
  json_out& string_or_null_if_empty(std::string_view v) { return v.empty() ? null() : string(v); }
  json_out& null() { return raw("null"); }
  json_out& boolean(bool v) { return raw(v ? "true" : "false"); }
  json_out& integer(std::int64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return raw(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
  }
  // The shortest text that reads back as the same double, plain where that is shortest
  // ("-2.2", "0.813", "1"); null when not finite.
  json_out& number(double v);
  // Any Boost.JSON value, written as Boost's serializer would but for doubles (number()).
  json_out& value(const boost::json::value& v);
  // Already serialised JSON, spliced as one value.
  json_out& raw(std::string_view json) {
    if (comma_due()) out_.push_back(',');
    out_.append(json);
    return *this;
  }

 private:
  json_out& open(char c) {
    if (comma_due()) out_.push_back(',');
    out_.push_back(c);
    first_ = true;
    return *this;
  }
  json_out& close(char c) {
    out_.push_back(c);
    first_ = false;
    return *this;
  }
  // A comma before every value but the first of its object or array, and none after a key:
  // whether this value needs one. Written with the value, in one append.
  bool comma_due() {
    if (after_key_) {
      after_key_ = false;
      return false;
    }
    const bool due = !first_;
    first_ = false;
    return due;
  }
  // `s` as a JSON string, after a comma when `comma` and before `after` unless it is '\0':
  // written with them in one append (a push_back each, out of line in libstdc++, cost more
  // than the bytes).
  void quoted(std::string_view s, bool comma, char after);
  [[gnu::noinline]] void quoted_escaped(std::string_view s, bool comma, char after);

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace lapor::gateway
