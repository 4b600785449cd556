#include "channels/web/form_page.h"

#include <cctype>
#include <chrono>
#include <cstdio>

#include "gateway/form_data.h"

namespace lapor::web {

namespace g = lapor::gateway;

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

namespace {

constexpr const char* months[] = {"Januari", "Februari", "Maret",     "April",   "Mei",      "Juni",
                                  "Juli",    "Agustus",  "September", "Oktober", "November", "Desember"};

constexpr std::string_view style = R"css(
*{box-sizing:border-box}
html{font-size:100%;-webkit-text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;line-height:1.5;color:#0b0c0c;background:#f3f2f1}
header{background:#b1001d;color:#fff;padding:.75rem 1rem}
header a{color:#fff;text-decoration:none;font-weight:700;font-size:1.25rem}
header p{margin:0;font-size:.9rem}
main{max-width:40rem;margin:0 auto;padding:1rem;background:#fff;min-height:60vh}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.2rem}
label,legend{display:block;font-weight:700;margin-bottom:.25rem}
.field{margin-bottom:1.4rem}
.field-error{color:#b1001d;font-weight:700;margin:.25rem 0}
.field.invalid{border-left:5px solid #b1001d;padding-left:.75rem}
.hint{color:#505a5f;margin:0 0 .35rem;font-size:.95rem}
input[type=text],input[type=tel],input[type=email],input[type=search],textarea{width:100%;font:inherit;padding:.55rem;border:2px solid #0b0c0c;border-radius:0;min-height:2.75rem}
textarea{min-height:9rem;resize:vertical}
input[type=file]{font:inherit;width:100%;padding:.6rem;border:2px dashed #505a5f;background:#f8f8f8}
fieldset{border:0;padding:0;margin:0 0 1.4rem}
.choice{display:flex;align-items:flex-start;gap:.6rem;margin:.4rem 0}
.choice input{width:1.5rem;height:1.5rem;margin:.1rem 0 0;flex:none}
.choice label{font-weight:400;margin:0}
.choice .hint{margin:0}
:focus{outline:3px solid #ffdd00;outline-offset:0}
button,.button{display:inline-block;font:inherit;font-weight:700;background:#00703c;color:#fff;border:0;padding:.7rem 1.2rem;min-height:2.75rem;cursor:pointer;text-decoration:none}
.error-summary{border:4px solid #b1001d;padding:1rem;margin-bottom:1.5rem}
.error-summary h2{margin-top:0}
.error-summary a{color:#b1001d;font-weight:700}
.tracking-id{font-size:clamp(1.2rem,7vw,2rem);font-weight:700;letter-spacing:.03em;background:#f3f2f1;border:3px solid #0b0c0c;padding:.75rem;text-align:center;overflow-wrap:anywhere;font-family:ui-monospace,"DejaVu Sans Mono",monospace}
.panel{border:3px solid #00703c;padding:1rem;margin-bottom:1.5rem}
dl{display:grid;grid-template-columns:minmax(8rem,auto) 1fr;gap:.4rem 1rem}
dt{font-weight:700}dd{margin:0}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
footer{max-width:40rem;margin:0 auto;padding:1rem;font-size:.9rem;color:#505a5f}
a{color:#1d70b8}
)css";

std::string layout(std::string_view title, std::string_view content) {
  std::string o;
  o.reserve(content.size() + style.size() + 1024);
  o += "<!DOCTYPE html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  o += html_escape(title);
  o += " — LAPOR!</title>\n<style>";
  o += style;
  o += "</style>\n</head>\n<body>\n<a class=\"visually-hidden\" href=\"#isi\">Langsung ke isi</a>\n"
       "<header><a href=\"/\">LAPOR!</a><p>Layanan Aspirasi dan Pengaduan Online Rakyat — SP4N-LAPOR!</p></header>\n"
       "<main id=\"isi\">\n";
  o += content;
  o += "</main>\n<footer>Identitas dan isi laporan tidak pernah ditampilkan di halaman publik. "
       "Anda juga dapat melapor lewat SMS ke 1708.</footer>\n</body>\n</html>\n";
  return o;
}

const field_error* error_for(const std::vector<field_error>& errors, std::string_view field) {
  for (const auto& e : errors)
    if (e.field == field) return &e;
  return nullptr;
}

// One labelled input with optional hint and error; `kind`: text, tel, email or textarea.
void text_field(std::string& o, const std::vector<field_error>& errors, std::string_view name, std::string_view label,
                std::string_view hint, std::string_view kind, std::string_view value, std::string_view extra) {
  const auto* err = error_for(errors, name);
  std::string id = "f-" + std::string(name);
  o += "<div class=\"field";
  if (err) o += " invalid";
  o += "\">\n<label for=\"" + id + "\">" + std::string(label) + "</label>\n";
  std::string described;
  if (!hint.empty()) {
    o += "<p class=\"hint\" id=\"h-" + std::string(name) + "\">" + std::string(hint) + "</p>\n";
    described = "h-" + std::string(name);
  }
  if (err) {
    o += "<p class=\"field-error\" id=\"e-" + std::string(name) + "\"><span class=\"visually-hidden\">Kesalahan: </span>" +
         html_escape(err->message) + "</p>\n";
    described += (described.empty() ? "" : " ") + ("e-" + std::string(name));
  }
  std::string attrs = " id=\"" + id + "\" name=\"" + std::string(name) + "\"";
  if (!described.empty()) attrs += " aria-describedby=\"" + described + "\"";
  if (err) attrs += " aria-invalid=\"true\"";
  attrs += " ";
  attrs += extra;
  if (kind == "textarea") {
    o += "<textarea" + attrs + " rows=\"8\">" + html_escape(value) + "</textarea>\n";
  } else {
    o += "<input type=\"" + std::string(kind) + "\"" + attrs + " value=\"" + html_escape(value) + "\">\n";
  }
  o += "</div>\n";
}

std::string field_label(std::string_view f) {
  if (f == "title") return "Judul";
  if (f == "body") return "Isi laporan";
  if (f == "kind") return "Jenis laporan";
  if (f == "name") return "Nama";
  if (f == "phone") return "Nomor HP";
  if (f == "email") return "Email";
  if (f == "location") return "Lokasi";
  if (f == "photos") return "Foto";
  return "Formulir";
}

// "Isi laporan wajib diisi." already says which field it is about.
bool starts_with_label(std::string_view message, std::string_view label) {
  if (message.size() < label.size()) return false;
  for (std::size_t i = 0; i < label.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(message[i])) != std::tolower(static_cast<unsigned char>(label[i])))
      return false;
  return true;
}

}  // namespace

std::string indonesian_date(std::string_view d) {
  int y = 0;
  unsigned m = 0, day = 0;
  if (d.size() != 10 || std::sscanf(std::string(d).c_str(), "%4d-%2u-%2u", &y, &m, &day) != 3 || m < 1 || m > 12)
    return std::string(d);
  return std::to_string(day) + " " + months[m - 1] + " " + std::to_string(y);
}

std::string jakarta_time(std::int64_t ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(ms) + hours(7)};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{floor<minutes>(t - day)};
  char hm[16];
  std::snprintf(hm, sizeof hm, "%02d.%02d", static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()));
  return std::to_string(static_cast<unsigned>(ymd.day())) + " " + months[static_cast<unsigned>(ymd.month()) - 1] + " " +
         std::to_string(static_cast<int>(ymd.year())) + " pukul " + hm + " WIB";
}

std::string form_page(const form_values& v, const std::vector<field_error>& errors, const page_limits& limits,
                      bool photos_dropped) {
  std::string o;
  o.reserve(8192);
  o += "<h1>Sampaikan laporan Anda</h1>\n";
  if (!errors.empty()) {
    o += "<div class=\"error-summary\" role=\"alert\" aria-labelledby=\"error-summary-title\" tabindex=\"-1\">\n"
         "<h2 id=\"error-summary-title\">Ada yang perlu diperbaiki</h2>\n<ul>\n";
    for (const auto& e : errors) {
      o += "<li>";
      if (e.field.empty()) o += html_escape(e.message);
      else if (starts_with_label(e.message, field_label(e.field)))
        o += "<a href=\"#f-" + e.field + "\">" + html_escape(e.message) + "</a>";  // already names the field
      else o += "<a href=\"#f-" + e.field + "\">" + field_label(e.field) + ": " + html_escape(e.message) + "</a>";
      o += "</li>\n";
    }
    o += "</ul>\n</div>\n";
  }
  o += "<p>Laporan Anda diteruskan ke instansi yang berwenang. Kolom bertanda <strong>(wajib)</strong> harus diisi; "
       "yang lain boleh dikosongkan.</p>\n";
  o += "<form method=\"post\" action=\"/lapor\" enctype=\"multipart/form-data\" accept-charset=\"UTF-8\" novalidate>\n";
  o += "<input type=\"hidden\" name=\"nonce\" value=\"" + html_escape(v.nonce) + "\">\n";

  // Kind: three radios in a fieldset.
  {
    const auto* err = error_for(errors, "kind");
    o += "<fieldset class=\"field";
    if (err) o += " invalid";
    o += "\" id=\"f-kind\"";
    if (err) o += " aria-describedby=\"e-kind\"";
    o += ">\n<legend>Jenis laporan</legend>\n";
    if (err) o += "<p class=\"field-error\" id=\"e-kind\">" + html_escape(err->message) + "</p>\n";
    struct kind_choice {
      const char* value;
      const char* label;
      const char* hint;
    };
    static constexpr kind_choice kinds[] = {
        {"complaint", "Pengaduan", "Ada masalah pada layanan publik yang perlu ditindaklanjuti."},
        {"aspiration", "Aspirasi", "Usulan atau saran untuk perbaikan layanan publik."},
        {"information_request", "Permintaan informasi", "Anda ingin mendapatkan informasi dari instansi pemerintah."},
    };
    for (const auto& k : kinds) {
      std::string id = std::string("kind-") + k.value;
      o += "<div class=\"choice\"><input type=\"radio\" name=\"kind\" id=\"" + id + "\" value=\"" + k.value + "\"";
      o += " aria-describedby=\"h-" + id + "\"";
      if (v.kind == k.value) o += " checked";
      o += "><div><label for=\"" + id + "\">" + k.label + "</label><p class=\"hint\" id=\"h-" + id + "\">" + k.hint +
           "</p></div></div>\n";
    }
    o += "</fieldset>\n";
  }
  text_field(o, errors, "title", "Judul laporan", "Ringkas, misalnya: Jalan rusak di Jl. Ahmad Yani.", "text", v.title,
             "maxlength=\"200\" autocomplete=\"off\"");
  text_field(o, errors, "body", "Isi laporan (wajib)",
             "Ceritakan apa yang terjadi, kapan, dan di mana. Jangan tuliskan data pribadi orang lain.", "textarea", v.body,
             "aria-required=\"true\"");
  text_field(o, errors, "location", "Lokasi kejadian", "Alamat, kelurahan/desa, kecamatan, kota/kabupaten.", "text",
             v.location, "maxlength=\"500\" autocomplete=\"off\"");

  // Photos.
  {
    const auto* err = error_for(errors, "photos");
    o += "<div class=\"field";
    if (err) o += " invalid";
    o += "\">\n<label for=\"f-photos\">Foto pendukung</label>\n<p class=\"hint\" id=\"h-photos\">Paling banyak " +
         std::to_string(limits.max_photos) + " foto JPEG, PNG, WebP atau HEIC, masing-masing paling besar " +
         g::human_size(limits.max_photo_bytes) + ".</p>\n";
    std::string described = "h-photos";
    if (err) {
      o += "<p class=\"field-error\" id=\"e-photos\"><span class=\"visually-hidden\">Kesalahan: </span>" +
           html_escape(err->message) + "</p>\n";
      described += " e-photos";
    } else if (photos_dropped) {
      o += "<p class=\"field-error\" id=\"e-photos\">Demi keamanan, foto yang tadi Anda pilih perlu dipilih ulang.</p>\n";
      described += " e-photos";
    }
    o += "<input type=\"file\" id=\"f-photos\" name=\"photos\" multiple "
         "accept=\"image/jpeg,image/png,image/webp,image/heic,image/heif,.jpg,.jpeg,.png,.webp,.heic\" aria-describedby=\"" +
         described + "\"";
    if (err) o += " aria-invalid=\"true\"";
    o += ">\n</div>\n";
  }

  o += "<h2>Data pelapor</h2>\n<p class=\"hint\">Boleh dikosongkan. Nomor HP atau email membantu petugas menghubungi Anda.</p>\n";
  text_field(o, errors, "name", "Nama", "", "text", v.name, "maxlength=\"200\" autocomplete=\"name\"");
  text_field(o, errors, "phone", "Nomor HP", "Contoh: 0812 3456 7890", "tel", v.phone,
             "maxlength=\"32\" autocomplete=\"tel\" inputmode=\"tel\"");
  text_field(o, errors, "email", "Email", "", "email", v.email, "maxlength=\"254\" autocomplete=\"email\" inputmode=\"email\"");

  o += "<fieldset class=\"field\">\n<legend>Kerahasiaan</legend>\n";
  o += "<div class=\"choice\"><input type=\"checkbox\" id=\"f-anonymous\" name=\"anonymous\" value=\"1\" "
       "aria-describedby=\"h-anonymous\"";
  if (v.anonymous) o += " checked";
  o += "><div><label for=\"f-anonymous\">Anonim</label><p class=\"hint\" id=\"h-anonymous\">Identitas Anda tidak akan "
       "diketahui oleh pihak yang Anda laporkan maupun oleh publik.</p></div></div>\n";
  o += "<div class=\"choice\"><input type=\"checkbox\" id=\"f-confidential\" name=\"confidential\" value=\"1\" "
       "aria-describedby=\"h-confidential\"";
  if (v.confidential) o += " checked";
  o += "><div><label for=\"f-confidential\">Rahasia</label><p class=\"hint\" id=\"h-confidential\">Isi laporan Anda tidak "
       "akan ditampilkan kepada publik.</p></div></div>\n</fieldset>\n";

  o += "<button type=\"submit\">Kirim laporan</button>\n</form>\n";
  o += "<p>Sudah punya nomor pelacakan? <a href=\"/status\">Cek status laporan</a>.</p>\n";
  return layout(errors.empty() ? "Sampaikan laporan" : "Kesalahan: Sampaikan laporan", o);
}

std::string success_page(std::string_view tracking_id, bool already_received, std::size_t photos) {
  const auto id = html_escape(tracking_id);
  std::string o;
  o += "<div class=\"panel\" role=\"status\">\n<h1>";
  o += already_received ? "Laporan ini sudah kami terima sebelumnya" : "Laporan Anda sudah kami terima";
  o += "</h1>\n<p>Nomor pelacakan Anda:</p>\n<p class=\"tracking-id\" id=\"tracking-id\">" + id + "</p>\n</div>\n";
  o += "<p>Simpan atau catat nomor ini. Dengan nomor ini Anda dapat memantau laporan Anda, juga lewat SMS ke 1708 "
       "dengan mengetik <strong>STATUS " + id + "</strong>.</p>\n";
  if (photos > 0) o += "<p>" + std::to_string(photos) + " foto ikut tersimpan bersama laporan.</p>\n";
  o += "<p><a class=\"button\" href=\"/status/" + id + "\">Lihat status laporan</a></p>\n";
  o += "<p><a href=\"/\">Kirim laporan lain</a></p>\n";
  return layout("Laporan diterima", o);
}

std::string status_page(const g::complaint_status& s) {
  const auto id = html_escape(s.tracking_id);
  std::string state;
  switch (s.current) {
    case g::complaint_status::state::received: state = "Diterima, sedang diteruskan ke instansi yang berwenang"; break;
    case g::complaint_status::state::forwarded: state = "Sudah diteruskan ke instansi yang berwenang"; break;
    case g::complaint_status::state::duplicate:
      state = "Sama dengan laporan <a href=\"/status/" + html_escape(s.duplicate_of) + "\">" + html_escape(s.duplicate_of) +
              "</a> yang sudah diterima sebelumnya";
      break;
  }
  std::string kind = s.kind == "aspiration" ? "Aspirasi"
                     : s.kind == "information_request" ? "Permintaan informasi"
                     : s.kind == "complaint" ? "Pengaduan" : "";
  std::string o;
  o += "<h1>Status laporan</h1>\n<p class=\"tracking-id\" id=\"tracking-id\">" + id + "</p>\n<dl>\n";
  o += "<dt>Status</dt><dd id=\"status\" data-status=\"" + std::string(g::to_string(s.current)) + "\">" + state + "</dd>\n";
  if (!kind.empty()) o += "<dt>Jenis</dt><dd>" + kind + "</dd>\n";
  o += "<dt>Diterima</dt><dd>" + jakarta_time(s.received_at_ms) + "</dd>\n";
  if (s.forwarded_at_ms) o += "<dt>Diteruskan</dt><dd>" + jakarta_time(s.forwarded_at_ms) + "</dd>\n";
  if (!s.verify_by.empty()) o += "<dt>Batas verifikasi</dt><dd>" + html_escape(indonesian_date(s.verify_by)) + "</dd>\n";
  if (s.respond_within_working_days > 0)
    o += "<dt>Tindak lanjut</dt><dd>paling lambat " + std::to_string(s.respond_within_working_days) +
         " hari kerja setelah diverifikasi</dd>\n";
  o += "</dl>\n<p>Isi laporan dan identitas pelapor tidak ditampilkan di halaman ini.</p>\n"
       "<p><a href=\"/\">Kirim laporan baru</a></p>\n";
  return layout("Status " + std::string(s.tracking_id), o);
}

std::string status_lookup_page(std::string_view typed, std::string_view message) {
  std::string o = "<h1>Cek status laporan</h1>\n";
  if (!message.empty())
    o += "<div class=\"error-summary\" role=\"alert\"><p>" + html_escape(message) + "</p></div>\n";
  o += "<form method=\"get\" action=\"/status\">\n<div class=\"field\">\n<label for=\"f-id\">Nomor pelacakan</label>\n"
       "<p class=\"hint\" id=\"h-id\">Contoh: LPR-7K3D-9QX2-M. Huruf besar/kecil dan tanda hubung tidak berpengaruh.</p>\n"
       "<input type=\"text\" id=\"f-id\" name=\"id\" aria-describedby=\"h-id\" autocomplete=\"off\" autocapitalize=\"characters\" "
       "spellcheck=\"false\" value=\"" +
       html_escape(typed) + "\">\n</div>\n<button type=\"submit\">Cek status</button>\n</form>\n";
  return layout("Cek status laporan", o);
}

std::string message_page(std::string_view title, std::string_view message) {
  std::string o = "<h1>" + html_escape(title) + "</h1>\n<p>" + html_escape(message) + "</p>\n<p><a href=\"/\">Kembali ke formulir</a></p>\n";
  return layout(title, o);
}

}  // namespace lapor::web
