#include "channels/web/form_input.h"

#include <optional>
#include <string>

#include "gateway/data_lines.h"
#include "gateway/text.h"

namespace lapor::web {

namespace g = lapor::gateway;

namespace {

// A checkbox's value: a browser sends one only when it is ticked ("on" unless the page says
// otherwise), a hand-made client may send 0/1. What is neither is not guessed at (a tick read
// as "no" would publish an Anonim report's identity): nullopt, an error for the form.
std::optional<bool> checkbox(std::string_view raw) {
  std::string v;
  for (char c : lapor::data::trim(raw)) v.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  for (std::string_view t : {"1", "on", "true", "yes", "ya", "y"})
    if (v == t) return true;
  for (std::string_view f : {"0", "off", "false", "no", "tidak", "n", ""})
    if (v == f) return false;
  return std::nullopt;
}

}  // namespace

void read_form_fields(const std::vector<std::pair<std::string, std::string>>& pairs, form_values& out,
                      std::vector<field_error>& errors) {
  std::vector<std::string_view> seen;
  bool anonymous_seen = false, confidential_seen = false;
  for (const auto& [k, raw] : pairs) {
    if (k == "anonymous" || k == "confidential") {
      // Given twice (a hidden "0" before the box, as some pages do): ticked if either is.
      auto& flag = k == "anonymous" ? out.anonymous : out.confidential;
      auto& was = k == "anonymous" ? anonymous_seen : confidential_seen;
      const auto v = checkbox(raw);
      if (!v) errors.push_back({k, "Nilai kotak centang ini tidak dikenal; centang atau kosongkan lagi."});
      flag = (was && flag) || v.value_or(false);
      was = true;
      continue;
    }
    if (k == "photos") {
      errors.push_back({k, "Foto harus dikirim sebagai berkas (formulir multipart/form-data), bukan sebagai teks."});
      continue;
    }
    std::string* target = nullptr;
    if (k == "title") target = &out.title;
    else if (k == "body") target = &out.body;
    else if (k == "kind") target = &out.kind;
    else if (k == "name") target = &out.name;
    else if (k == "phone") target = &out.phone;
    else if (k == "email") target = &out.email;
    else if (k == "location") target = &out.location;
    else if (k == "nonce") target = &out.nonce;
    if (!target) continue;
    bool first = true;
    for (auto s : seen)
      if (s == k) first = false;
    if (!first) {
      // Which one did the citizen mean? Neither is dropped silently (first wins would store
      // one text and acknowledge both): the form comes back.
      errors.push_back({k, "Kolom ini terkirim dua kali; isi sekali saja lalu kirim lagi."});
      continue;
    }
    seen.push_back(k);
    if (!g::is_valid_utf8(raw)) {
      errors.push_back({k, "Teks ini berisi karakter yang tidak sah (bukan UTF-8). Periksa dan ketik ulang."});
      *target = scrub_utf8(raw);
    } else {
      *target = raw;
    }
  }
  if (!g::parse_complaint_kind(out.kind)) {
    errors.push_back({"kind", "Pilih jenis laporan: pengaduan, aspirasi, atau permintaan informasi."});
    out.kind = "complaint";
  }
}

g::submission to_submission(const form_values& v) {
  g::submission s;
  s.channel = g::channel_kind::web;
  s.title = v.title;
  s.body = v.body;
  s.kind = g::parse_complaint_kind(v.kind).value_or(g::complaint_kind::complaint);
  auto opt = [](const std::string& x) { return x.empty() ? std::nullopt : std::optional<std::string>(x); };
  s.who.name = opt(v.name);
  s.who.phone = opt(v.phone);
  s.who.email = opt(v.email);
  s.where.text = v.location;
  s.anonymous = v.anonymous;
  s.confidential = v.confidential;
  return s;
}

void add_rejection(const g::submit_result& rejection, std::vector<field_error>& errors) {
  errors.push_back({form_field_of(rejection.field), without_gloss(rejection.message)});
  for (const auto& [field, message] : rejection.more_errors) errors.push_back({form_field_of(field), without_gloss(message)});
}

std::string form_field_of(std::string_view f) {
  if (f == "title" || f == "body" || f == "kind") return std::string(f);
  if (f == "reporter.name") return "name";
  if (f == "reporter.phone") return "phone";
  if (f == "reporter.email") return "email";
  if (f.starts_with("location")) return "location";
  if (f.starts_with("attachments")) return "photos";
  return "";
}

std::string without_gloss(std::string_view m) {
  if (m.ends_with(")")) {
    auto open = m.rfind(" (");
    if (open != std::string_view::npos && open > 0) m = m.substr(0, open);
  }
  std::string out(m);
  if (!out.empty() && out.back() != '.') out.push_back('.');
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

}  // namespace lapor::web
