#include "gateway/form_data.h"

#include "gateway/image_type.h"
#include "gateway/multipart.h"

namespace lapor::gateway {

const std::string* form_data::field(std::string_view name) const {
  for (const auto& [k, v] : fields)
    if (k == name) return &v;
  return nullptr;
}

std::string human_size(std::size_t bytes) {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) return std::to_string(bytes / (1024 * 1024)) + " MB";
  if (bytes >= 1024 * 1024) return std::to_string(bytes / (1024 * 1024)) + "," + std::to_string(bytes % (1024 * 1024) * 10 / (1024 * 1024)) + " MB";
  if (bytes >= 1024) return std::to_string(bytes / 1024) + " KB";
  return std::to_string(bytes) + " byte";
}

namespace {

class collector final : public multipart_visitor {
 public:
  collector(attachment_store& files, const form_data_limits& limits, form_data& out)
      : files_(files), limits_(limits), out_(out) {}

  std::optional<form_data_error> storage_error;

  bool on_part_begin(const multipart_part& part) override {
    part_ = part;
    skip_ = false;
    text_.clear();
    upload_.reset();
    if (!part.filename) return true;
    // A file part. Empty file inputs are recognised at the end (no bytes).
    return true;
  }

  bool on_part_data(std::string_view bytes) override {
    if (skip_) return true;
    if (!part_.filename) {
      if (text_.size() + bytes.size() > limits_.max_field_bytes) {
        refuse(part_.name, "terlalu panjang, maksimal " + human_size(limits_.max_field_bytes) + " (too long)");
        return true;
      }
      text_.append(bytes);
      return true;
    }
    if (!upload_) {
      if (out_.files.size() >= limits_.max_files) {
        refuse(part_.name, "maksimal " + std::to_string(limits_.max_files) + " foto (too many photos)");
        return true;
      }
      upload_ = files_.begin();
      if (!upload_) return storage("cannot create a temp file for an upload");
    }
    if (upload_->size() + bytes.size() > limits_.max_file_bytes) {
      refuse(part_.name, "foto \"" + part_.filename.value() + "\" lebih besar dari " + human_size(limits_.max_file_bytes) +
                             " (photo too large)");
      upload_.reset();
      return true;
    }
    if (!upload_->write(bytes)) return storage("cannot write an upload to its temp file");
    if (upload_->head().size() >= image_sniff_bytes && !sniff_image_type(upload_->head())) {
      refuse_type();
      upload_.reset();
    }
    return true;
  }

  bool on_part_end() override {
    if (skip_) return true;
    if (!part_.filename) {
      out_.fields.emplace_back(part_.name, std::move(text_));
      text_.clear();
      return true;
    }
    if (!upload_) return true;  // a file input left empty
    auto mime = sniff_image_type(upload_->head());
    if (!mime) {
      refuse_type();
      upload_.reset();
      return true;
    }
    if (!upload_->finish()) return storage("cannot flush an upload to disk");
    out_.files.push_back(form_file{part_.name, *part_.filename, std::string(*mime), std::move(*upload_)});
    upload_.reset();
    return true;
  }

 private:
  void refuse(const std::string& field, std::string message) {
    skip_ = true;
    for (const auto& [f, m] : out_.field_errors)
      if (f == field) return;
    out_.field_errors.emplace_back(field, std::move(message));
  }
  void refuse_type() {
    refuse(part_.name, "berkas \"" + part_.filename.value_or("") +
                           "\" bukan foto JPEG, PNG, WebP atau HEIC (unsupported file type)");
  }
  bool storage(std::string msg) {
    storage_error = form_data_error{form_data_error::kind::storage, std::move(msg)};
    return false;
  }

  attachment_store& files_;
  const form_data_limits& limits_;
  form_data& out_;
  multipart_part part_;
  bool skip_ = false;
  std::string text_;
  std::optional<attachment_store::upload> upload_;
};

}  // namespace

std::optional<form_data_error> read_form_data(std::string_view body, const std::string& boundary, attachment_store& files,
                                              const form_data_limits& limits, form_data& out) {
  multipart_limits ml;
  ml.max_parts = limits.max_parts;
  multipart_parser parser(boundary, ml);
  collector c(files, limits, out);
  constexpr std::size_t chunk = 64 * 1024;
  for (std::size_t at = 0; at < body.size(); at += chunk) {
    if (auto e = parser.feed(body.substr(at, chunk), c)) {
      if (c.storage_error) return c.storage_error;
      return form_data_error{form_data_error::kind::malformed, "malformed multipart body: " + e->message};
    }
  }
  if (auto e = parser.finish())
    return form_data_error{form_data_error::kind::malformed, "malformed multipart body: " + e->message};
  return std::nullopt;
}

}  // namespace lapor::gateway
