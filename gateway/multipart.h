// multipart/form-data (RFC 7578 over RFC 2046) as a sans-I/O push parser: feed it the body
// in chunks of any size, it calls a visitor for each part's header, data and end. It never
// holds more than one chunk plus a delimiter's length of body, so a file part can be hashed
// and written to disk while it is parsed.
//
// What it reads (CRLF line ends; the preamble before the first delimiter is ignored):
//
//   --XyZ\r\n
//   Content-Disposition: form-data; name="title"\r\n
//   \r\n
//   Jalan rusak\r\n
//   --XyZ\r\n
//   Content-Disposition: form-data; name="photos"; filename="foto.jpg"\r\n
//   Content-Type: image/jpeg\r\n
//   \r\n
//   <bytes>\r\n
//   --XyZ--\r\n
//
// Errors are values: a malformed delimiter, part header or a body that ends before the
// closing delimiter is a `multipart_error` naming what is wrong. Not thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace lapor::gateway {

// The boundary parameter of a multipart/form-data Content-Type, or nullopt when the type is
// not multipart/form-data or the boundary is missing, empty, longer than 70 or unquoted junk.
[[nodiscard]] std::optional<std::string> multipart_boundary(std::string_view content_type);

struct multipart_part {
  std::string name;                     // the form field name (Content-Disposition name=)
  std::optional<std::string> filename;  // present for file inputs (may be "" when none chosen)
  std::string content_type;             // as declared; "text/plain" when absent
};

// Receives the parse events. Returning false from any call stops the parse with
// `multipart_error::kind::aborted` (e.g. a file too large); the visitor keeps its own reason.
class multipart_visitor {
 public:
  virtual bool on_part_begin(const multipart_part& part) = 0;
  virtual bool on_part_data(std::string_view bytes) = 0;
  virtual bool on_part_end() = 0;

 protected:
  ~multipart_visitor() = default;
};

struct multipart_error {
  enum class kind { malformed, too_many_parts, header_too_large, truncated, aborted };
  kind what = kind::malformed;
  std::string message;  // English, for problem details and logs
};

struct multipart_limits {
  std::size_t max_parts = 64;
  std::size_t max_part_header_bytes = 8 * 1024;
};

class multipart_parser {
 public:
  explicit multipart_parser(std::string boundary, multipart_limits limits = {});

  // Consumes `chunk`; nullopt while fine. After an error every later call returns it again.
  [[nodiscard]] std::optional<multipart_error> feed(std::string_view chunk, multipart_visitor& v);
  // The body has ended: an error unless the closing delimiter was seen.
  [[nodiscard]] std::optional<multipart_error> finish();
  [[nodiscard]] bool done() const noexcept { return state_ == state::epilogue; }

 private:
  enum class state { preamble, after_delimiter, headers, body, epilogue, failed };
  std::optional<multipart_error> fail(multipart_error::kind k, std::string msg);
  std::optional<multipart_error> parse_headers(std::string_view block, multipart_part& out);

  std::string dash_boundary_;   // "--" boundary
  std::string delimiter_;       // "\r\n--" boundary
  multipart_limits limits_;
  state state_ = state::preamble;
  bool at_start_ = true;        // nothing of the body consumed yet: "--boundary" may open it
  std::string pending_;         // unconsumed bytes carried to the next feed
  std::size_t parts_ = 0;
  std::optional<multipart_error> error_;
};

}  // namespace lapor::gateway
