// A multipart/form-data body read into text fields and photo files, shared by the web form
// and the mobile API. The body is parsed incrementally (gateway/multipart.h) in small chunks;
// each file part goes straight to a temp file of the attachment store while it is hashed,
// and is checked as it arrives: at most `max_files` files, each at most `max_file_bytes`, and
// each a photo by its structure (gateway/image_type.h). A file input left empty (no file
// chosen: filename "" and no bytes) is ignored; nothing else with bytes is: a part is a file
// when it has a filename, is named in `file_fields`, or declares a non-text Content-Type, and
// a named file with no bytes or a nested multipart/mixed part is a refusal on its field.
//
// Problems with one field (a photo too large, of the wrong type, a text field too long) do
// not stop the parse: they are collected per field so a form can be shown again with the
// citizen's text kept. A broken body (bad boundary, truncated) stops it.
//
// Blocking file I/O: call from a worker thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/attachment_store.h"

namespace lapor::gateway {

struct form_file {
  std::string field;          // the part's name, e.g. "photos"
  std::string filename;       // as sent by the client (may be empty)
  std::string mime;           // sniffed from the content
  attachment_store::upload data;  // finished: hashed and flushed, not yet kept
};

struct form_data {
  std::vector<std::pair<std::string, std::string>> fields;  // text parts, in order
  std::vector<form_file> files;
  // (field, message) for every field that was refused; the first per field only.
  std::vector<std::pair<std::string, std::string>> field_errors;

  [[nodiscard]] const std::string* field(std::string_view name) const;
};

struct form_data_limits {
  std::size_t max_files = 5;
  std::size_t max_file_bytes = 6 * 1024 * 1024;
  std::size_t max_field_bytes = 128 * 1024;  // per text part
  std::size_t max_parts = 64;
  std::vector<std::string> file_fields;  // parts that are files even without filename= (web: "photos")
  // When not empty, the only parts that are text: every other part is a file, with or without
  // filename= or a Content-Type (the mobile API: only `report` is text, so a photo under any
  // other part name is stored or refused, never dropped as an unknown field).
  std::vector<std::string> text_fields;
};

struct form_data_error {
  enum class kind {
    malformed,  // the multipart body is broken: HTTP 400
    storage,    // a temp file could not be written: HTTP 503
  };
  kind what = kind::malformed;
  std::string message;
};

// Parses `body` (the boundary from multipart_boundary()), fed to the parser in 64 KiB chunks. On success `out` holds the fields,
// the files (in temp files) and the per-field refusals.
[[nodiscard]] std::optional<form_data_error> read_form_data(std::string_view body, const std::string& boundary,
                                                            attachment_store& files, const form_data_limits& limits,
                                                            form_data& out);

// The same for a body the listener spooled to a file (http_request::spooled), read in 64 KiB
// chunks so it never sits whole in memory. A read error is a `storage` error.
[[nodiscard]] std::optional<form_data_error> read_form_data_file(const std::string& path, const std::string& boundary,
                                                                 attachment_store& files, const form_data_limits& limits,
                                                                 form_data& out);

// "6 MB" style size for messages.
[[nodiscard]] std::string human_size(std::size_t bytes);

}  // namespace lapor::gateway
