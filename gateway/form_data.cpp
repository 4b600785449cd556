#include "gateway/form_data.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "gateway/image_type.h"
#include "gateway/multipart.h"
#include "gateway/text.h"

namespace lapor::gateway {

const std::string* form_data::field(std::string_view name) const {
  for (const auto& [k, v] : fields)
    if (k == name) return &v;
  return nullptr;
}

std::string human_size(std::size_t bytes) {
  // One decimal, cut rather than rounded: a limit is never shown larger than it is (a photo
  // of "1,9 MB" by the phone's count must not be refused under a limit shown as "2 MB").
  const auto with_unit = [](std::size_t n, std::size_t unit, const char* name) {
    const std::size_t whole = n / unit, tenth = n % unit * 10 / unit;
    return std::to_string(whole) + (tenth ? "," + std::to_string(tenth) : std::string()) + " " + name;
  };
  if (bytes >= 1024 * 1024) return with_unit(bytes, 1024 * 1024, "MB");
  if (bytes >= 1024) return with_unit(bytes, 1024, "KB");
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
    structure_ = image_structure{};
    // A part is a file when it has a filename, is named as a file field, or declares a type
    // that is not text: a photo sent without filename= must not become an ignored text field.
    if (!part_.filename && (is_file_field(part_.name) || !is_text_type(part_.content_type) ||
                            (!limits_.text_fields.empty() && !is_text_field(part_.name))))
      part_.filename = "";
    // Every client this serves sends UTF-8 names (browsers, the apps, curl); other bytes are a
    // different charset or garbage, and a name made up for them would not be the citizen's.
    if (part_.filename && !is_valid_utf8(*part_.filename)) {
      refuse(part_.name, "nama berkas bukan teks UTF-8; ganti nama fotonya lalu kirim lagi (file name is not valid UTF-8)");
      return true;
    }
    if (is_multipart_type(part_.content_type)) {
      refuse(part_.name, "kirim setiap foto sebagai bagian tersendiri (nested multipart/mixed is not supported)");
      return true;
    }
    // Empty file inputs are recognised at the end (no bytes).
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
    structure_.feed(bytes);
    if (upload_->head().size() >= image_sniff_bytes && !sniff_image_type(upload_->head(), false)) {
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
    if (!upload_) {
      // A file input left empty sends filename="" and no bytes: nothing was chosen. A named
      // file with no bytes was chosen and would be lost: refuse it rather than drop it.
      if (!part_.filename->empty())
        refuse(part_.name, "berkas \"" + *part_.filename + "\" kosong (0 byte); pilih fotonya lagi (empty file)");
      return true;
    }
    auto mime = sniff_image_type(upload_->head(), upload_->head().size() == upload_->size());
    if (!mime || !structure_.sound()) {
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
  bool is_text_field(std::string_view name) const {
    for (const auto& f : limits_.text_fields)
      if (f == name) return true;
    return false;
  }
  bool is_file_field(std::string_view name) const {
    for (const auto& f : limits_.file_fields)
      if (f == name) return true;
    return false;
  }
  static std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  }
  static bool is_text_type(std::string_view ct) {
    const auto l = lower(ct);
    return l.empty() || l.starts_with("text/") || l.starts_with("application/json");
  }
  static bool is_multipart_type(std::string_view ct) { return lower(ct).starts_with("multipart/"); }
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
  image_structure structure_;  // the whole upload's, as it streams
};

}  // namespace

namespace {

// Runs the parser over the chunks `next` yields (an empty chunk ends the body; `next` sets
// `io_failed` when the body cannot be read).
template <class NextChunk>
std::optional<form_data_error> parse_chunks(NextChunk&& next, const std::string& boundary, attachment_store& files,
                                            const form_data_limits& limits, form_data& out) {
  multipart_limits ml;
  ml.max_parts = limits.max_parts;
  multipart_parser parser(boundary, ml);
  collector c(files, limits, out);
  bool io_failed = false;
  for (;;) {
    std::string_view chunk = next(io_failed);
    if (io_failed) return form_data_error{form_data_error::kind::storage, "cannot read the spooled request body"};
    if (chunk.empty()) break;
    if (auto e = parser.feed(chunk, c)) {
      if (c.storage_error) return c.storage_error;
      return form_data_error{form_data_error::kind::malformed, "malformed multipart body: " + e->message};
    }
  }
  if (auto e = parser.finish())
    return form_data_error{form_data_error::kind::malformed, "malformed multipart body: " + e->message};
  return std::nullopt;
}

constexpr std::size_t chunk_bytes = 64 * 1024;

}  // namespace

std::optional<form_data_error> read_form_data(std::string_view body, const std::string& boundary, attachment_store& files,
                                              const form_data_limits& limits, form_data& out) {
  std::size_t at = 0;
  return parse_chunks(
      [&](bool&) {
        auto chunk = body.substr(std::min(at, body.size()), chunk_bytes);
        at += chunk.size();
        return chunk;
      },
      boundary, files, limits, out);
}

std::optional<form_data_error> read_form_data_file(const std::string& path, const std::string& boundary,
                                                   attachment_store& files, const form_data_limits& limits,
                                                   form_data& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return form_data_error{form_data_error::kind::storage, "cannot open the spooled request body"};
  std::string buffer(chunk_bytes, '\0');
  auto result = parse_chunks(
      [&](bool& failed) -> std::string_view {
        for (;;) {
          auto n = ::read(fd, buffer.data(), buffer.size());
          if (n < 0 && errno == EINTR) continue;
          if (n < 0) {
            failed = true;
            return {};
          }
          return {buffer.data(), static_cast<std::size_t>(n)};
        }
      },
      boundary, files, limits, out);
  ::close(fd);
  return result;
}

}  // namespace lapor::gateway
