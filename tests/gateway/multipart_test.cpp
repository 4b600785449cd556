#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "tests/support/images.h"
#include "gateway/attachment_store.h"
#include "gateway/digest.h"
#include "gateway/form_data.h"
#include "gateway/image_type.h"
#include "gateway/multipart.h"
#include "gateway/rate_limiter.h"
#include "gateway/text.h"

using namespace lapor::gateway;

namespace {

struct recorder final : multipart_visitor {
  std::vector<multipart_part> parts;
  std::vector<std::string> data;
  int ends = 0;
  bool on_part_begin(const multipart_part& p) override {
    parts.push_back(p);
    data.emplace_back();
    return true;
  }
  bool on_part_data(std::string_view b) override {
    data.back().append(b);
    return true;
  }
  bool on_part_end() override {
    ++ends;
    return true;
  }
};

const std::string sample =
    "preamble to ignore\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"title\"\r\n"
    "\r\n"
    "Jalan rusak\r\n"
    "--XyZ\r\n"
    "content-disposition: form-data; name=\"photos\"; filename=\"C:\\fo%22to.jpg\"\r\n"
    "Content-Type: image/jpeg\r\n"
    "\r\n"
    "\xFF\xD8\xFF\r\n--Xy not yet\r\n\r\n"
    "\r\n--XyZ--\r\nepilogue";

// Feeds `body` in chunks of `n` bytes.
std::optional<multipart_error> parse_in_chunks(const std::string& body, std::size_t n, recorder& r,
                                               multipart_limits limits = {}) {
  multipart_parser p("XyZ", limits);
  for (std::size_t i = 0; i < body.size(); i += n)
    if (auto e = p.feed(std::string_view(body).substr(i, n), r)) return e;
  return p.finish();
}

using lapor::testing::jpeg;

std::string temp_dir() {
  auto d = std::filesystem::temp_directory_path() / ("lapor-mp-" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}

}  // namespace

TEST_CASE("multipart: boundary from Content-Type") {
  CHECK(multipart_boundary("multipart/form-data; boundary=XyZ") == "XyZ");
  CHECK(multipart_boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b'c\"") == "a b'c");
  CHECK(multipart_boundary("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW") ==
        "----WebKitFormBoundary7MA4YWxkTrZu0gW");
  CHECK_FALSE(multipart_boundary("multipart/form-data"));
  CHECK_FALSE(multipart_boundary("multipart/form-data; boundary="));
  CHECK_FALSE(multipart_boundary("multipart/mixed; boundary=x"));
  CHECK_FALSE(multipart_boundary("application/json"));
  CHECK_FALSE(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')));
  CHECK_FALSE(multipart_boundary("multipart/form-data; boundary=\"unterminated"));
  // Two boundaries: which one frames the body is a guess, so neither.
  CHECK_FALSE(multipart_boundary("multipart/form-data; boundary=a; boundary=b"));
  CHECK_FALSE(multipart_boundary("multipart/form-data; boundary=a; BOUNDARY=a"));
}

TEST_CASE("multipart: quoted parameters — an escaped quote, a Windows path, a parameter twice") {
  auto one_part = [](const std::string& disposition) {
    return "--XyZ\r\nContent-Disposition: " + disposition + "\r\n\r\nv\r\n--XyZ--\r\n";
  };
  recorder r;
  REQUIRE_FALSE(parse_in_chunks(one_part(R"(form-data; name="photos"; filename="a\"b.jpg")"), 5, r));
  REQUIRE(r.parts.size() == 1);
  CHECK(r.parts[0].filename == "a\"b.jpg");
  recorder w;
  REQUIRE_FALSE(parse_in_chunks(one_part(R"(form-data; name="photos"; filename="C:\foto\a.jpg")"), 5, w));
  CHECK(w.parts[0].filename == "C:\\foto\\a.jpg");
  // RFC 8187 filename* when no filename= is given.
  recorder x;
  REQUIRE_FALSE(parse_in_chunks(one_part(R"(form-data; name="photo"; filename*=UTF-8''foto%20jalan%C3%A9.png)"), 5, x));
  CHECK(x.parts[0].filename == "foto jalan\xC3\xA9.png");
  recorder both;
  REQUIRE_FALSE(parse_in_chunks(one_part(R"(form-data; name="photo"; filename="a.png"; filename*=UTF-8''b.png)"), 5, both));
  CHECK(both.parts[0].filename == "a.png");
  for (const char* twice : {R"(form-data; name="photos"; filename="a.jpg"; filename="b.jpg")",
                            R"(form-data; name="title"; name="body")", R"(form-data; name="photos"; FILENAME="a.jpg"; filename="a.jpg")"}) {
    CAPTURE(twice);
    recorder t;
    auto e = parse_in_chunks(one_part(twice), 5, t);
    REQUIRE(e);
    CHECK(e->what == multipart_error::kind::malformed);
    CHECK(e->message.find("twice") != std::string::npos);
  }
}

TEST_CASE("multipart: the same events whatever the chunking") {
  for (std::size_t n : {1u, 2u, 3u, 5u, 7u, 13u, 64u, 100000u}) {
    CAPTURE(n);
    recorder r;
    REQUIRE_FALSE(parse_in_chunks(sample, n, r));
    REQUIRE(r.parts.size() == 2);
    CHECK(r.ends == 2);
    CHECK(r.parts[0].name == "title");
    CHECK_FALSE(r.parts[0].filename);
    CHECK(r.parts[0].content_type == "text/plain");
    CHECK(r.data[0] == "Jalan rusak");
    CHECK(r.parts[1].name == "photos");
    CHECK(r.parts[1].filename == "C:\\fo%22to.jpg");
    CHECK(r.parts[1].content_type == "image/jpeg");
    CHECK(r.data[1] == "\xFF\xD8\xFF\r\n--Xy not yet\r\n\r\n");
  }
}

// Found by tests/fuzz/multipart_fuzz (corpus/multipart/regress_header_limit_split_terminator):
// a part header at the size limit whose CRLFCRLF straddles two chunks was refused as too
// large, though the same body in one piece was accepted.
TEST_CASE("multipart: a header at the size limit is accepted whatever the chunking") {
  const std::string header = "Content-Disposition: form-data; name=\"" + std::string(64 - 39, 'n') + "\"";
  REQUIRE(header.size() == 64);
  const std::string body = "--XyZ\r\n" + header + "\r\n\r\nv\r\n--XyZ--";
  for (std::size_t n = 1; n <= body.size(); ++n) {
    CAPTURE(n);
    recorder r;
    REQUIRE_FALSE(parse_in_chunks(body, n, r, {3, 64}));
    CHECK(r.data == std::vector<std::string>{"v"});
  }
  const std::string too_large = "--XyZ\r\n" + header + "x\r\n\r\nv\r\n--XyZ--";
  for (std::size_t n = 1; n <= too_large.size(); ++n) {
    CAPTURE(n);
    recorder r;
    auto e = parse_in_chunks(too_large, n, r, {3, 64});
    REQUIRE(e);
    CHECK(e->what == multipart_error::kind::header_too_large);
  }
}

TEST_CASE("multipart: broken bodies are errors, never crashes") {
  struct bad_case {
    const char* what;
    std::string body;
    multipart_error::kind kind;
  };
  const std::vector<bad_case> cases = {
      {"no delimiter at all", "just some text", multipart_error::kind::truncated},
      {"no closing delimiter", "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue", multipart_error::kind::truncated},
      {"wrong boundary", "--AbC\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--AbC--", multipart_error::kind::truncated},
      {"garbage after delimiter", "--XyZgarbage\r\n", multipart_error::kind::malformed},
      {"no Content-Disposition", "--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--", multipart_error::kind::malformed},
      {"no name", "--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--", multipart_error::kind::malformed},
      {"not form-data", "--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nv\r\n--XyZ--", multipart_error::kind::malformed},
      {"header without colon", "--XyZ\r\nbroken\r\n\r\nv\r\n--XyZ--", multipart_error::kind::malformed},
      {"header too large", "--XyZ\r\nX: " + std::string(9000, 'a') + "\r\n\r\n", multipart_error::kind::header_too_large},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    recorder r;
    auto e = parse_in_chunks(c.body, 3, r);
    REQUIRE(e);
    CHECK(e->what == c.kind);
    CHECK_FALSE(e->message.empty());
  }
  std::string many;
  for (int i = 0; i < 5; ++i) many += "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n";
  many += "--XyZ--";
  recorder r;
  auto e = parse_in_chunks(many, 1000, r, {3, 8192});
  REQUIRE(e);
  CHECK(e->what == multipart_error::kind::too_many_parts);
}

TEST_CASE("image types by structure, not three magic bytes") {
  using lapor::testing::heic;
  using lapor::testing::png;
  using lapor::testing::webp;
  CHECK(sniff_image_type(jpeg(200)) == "image/jpeg");
  CHECK(sniff_image_type(png()) == "image/png");
  CHECK(sniff_image_type(webp()) == "image/webp");
  CHECK(sniff_image_type(heic()) == "image/heic");
  CHECK(sniff_image_type(heic("mif1")) == "image/heif");
  // Magic bytes followed by something else are not photos.
  CHECK_FALSE(sniff_image_type("\xFF\xD8\xFF<html><script>alert(1)</script></html>"));
  CHECK_FALSE(sniff_image_type(std::string("\xFF\xD8\xFF\xE0\x00\x10", 6) + "<html><body>hello</body></html>"));
  CHECK_FALSE(sniff_image_type(std::string("\xFF\xD8\xFF\xE1\x00\x20", 6) + "<html><body>hello</body></html>...."));
  CHECK_FALSE(sniff_image_type(std::string("\xFF\xD8\xFF\xE0", 4)));
  std::string bad_crc = png();
  bad_crc[30] ^= 1;
  CHECK_FALSE(sniff_image_type(bad_crc));
  CHECK_FALSE(sniff_image_type(std::string("\x89PNG\r\n\x1A\n....", 12)));
  std::string no_ihdr = png();
  no_ihdr.replace(12, 4, "IDAT");
  CHECK_FALSE(sniff_image_type(no_ihdr));
  CHECK_FALSE(sniff_image_type(std::string("RIFF\x10\0\0\0WEBPVP8 ", 16)));
  std::string not_vp8 = webp();
  not_vp8.replace(12, 4, "HTML");
  CHECK_FALSE(sniff_image_type(not_vp8));
  CHECK_FALSE(sniff_image_type(std::string("\0\0\0\x18" "ftypheic\0\0\0\0", 16)));  // an ftyp box and nothing else
  CHECK_FALSE(sniff_image_type(std::string("\0\0\0\x18" "ftypisom\0\0\0\0isomavc1\0\0\0\x08free", 32)));  // an MP4 video
  CHECK_FALSE(sniff_image_type("%PDF-1.7\n%...."));
  CHECK_FALSE(sniff_image_type("GIF89a......"));
  CHECK_FALSE(sniff_image_type(""));
  // Only the start of a large photo is known while it streams in: judged as far as it goes.
  CHECK(sniff_image_type(jpeg(200).substr(0, 40), false) == "image/jpeg");
  CHECK_FALSE(sniff_image_type(jpeg(200).substr(0, 40), true));
}

TEST_CASE("image structure: a PNG or HEIF header followed by a page, or a picture with one appended, is no photo") {
  using lapor::testing::heic;
  using lapor::testing::png;
  using lapor::testing::webp;
  const std::string html = "<html><script>alert(1)</script></html>";
  CHECK(image_structure_sound(png()));
  CHECK(image_structure_sound(png(5000)));
  CHECK(image_structure_sound(heic()));
  CHECK(image_structure_sound(webp()));
  CHECK(image_structure_sound(jpeg(200) + "trailing data a camera appends"));  // a motion photo's video, say
  // The outside probe's cases: each passes the sniffer's look at the first bytes.
  const std::string png_head = png().substr(0, 33);  // signature + IHDR with a valid CRC
  CHECK(sniff_image_type(png_head + html, false) == "image/png");
  CHECK_FALSE(image_structure_sound(png_head + html));
  CHECK_FALSE(image_structure_sound(png().substr(0, 40)));  // cut short: no IEND
  CHECK_FALSE(image_structure_sound(png() + html));          // a page after IEND
  std::string bad_crc = png(100);
  bad_crc[50] ^= 1;  // inside IDAT
  CHECK_FALSE(image_structure_sound(bad_crc));
  const std::string ftyp = std::string("\0\0\0\x18" "ftypheic\0\0\0\0mif1heic", 24);
  CHECK_FALSE(image_structure_sound(ftyp + html));
  CHECK_FALSE(image_structure_sound(ftyp + "hello world this is plain text, not a box"));
  CHECK_FALSE(image_structure_sound(ftyp));                          // no meta box
  CHECK_FALSE(image_structure_sound(heic() + html));                 // bytes after the last box
  CHECK(image_structure_sound(heic() + std::string("\0\0\0\0mdat", 8) + html));  // mdat to the end: data
  CHECK_FALSE(image_structure_sound(webp() + html));
  // Fed in pieces (an upload streaming in) as whole.
  image_structure s;
  const std::string p = png(3000);
  for (std::size_t at = 0; at < p.size(); at += 7) s.feed(std::string_view(p).substr(at, 7));
  CHECK(s.sound());
}

TEST_CASE("form data: fields, photos on disk, refusals per field") {
  const auto dir = temp_dir();
  attachment_store store(dir);
  auto part = [](std::string name, std::string value, std::optional<std::string> filename = {}) {
    std::string s = "--B\r\nContent-Disposition: form-data; name=\"" + name + "\"";
    if (filename) s += "; filename=\"" + *filename + "\"\r\nContent-Type: application/octet-stream";
    return s + "\r\n\r\n" + value + "\r\n";
  };
  form_data_limits limits;
  limits.max_files = 2;
  limits.max_file_bytes = 1000;
  limits.max_field_bytes = 50;

  SUBCASE("good photos are hashed and kept; empty file inputs ignored") {
    auto photo = jpeg(900);
    std::string body = part("title", "Judul") + part("photos", photo, "a.jpg") + part("photos", "", "") + "--B--\r\n";
    form_data out;
    REQUIRE_FALSE(read_form_data(body, "B", store, limits, out));
    CHECK(out.field_errors.empty());
    REQUIRE(out.files.size() == 1);
    CHECK(*out.field("title") == "Judul");
    CHECK(out.files[0].mime == "image/jpeg");
    CHECK(out.files[0].data.size() == 900);
    CHECK(out.files[0].data.sha256().size() == 64);
    REQUIRE(store.keep(out.files[0].data));
    std::ifstream in(store.path_of(out.files[0].data.sha256()), std::ios::binary);
    std::string back((std::istreambuf_iterator<char>(in)), {});
    CHECK(back == photo);
  }
  SUBCASE("too large, wrong type, too many, too long: refused beside the field, text kept") {
    std::string body = part("body", std::string(60, 'x')) + part("title", "tetap") + part("photos", jpeg(1001), "big.jpg") +
                       part("docs", "%PDF-1.7 not a photo", "cv.pdf") + part("photos", jpeg(10), "1.jpg") +
                       part("photos", jpeg(10), "2.jpg") + part("photos", jpeg(10), "3.jpg") + "--B--";
    form_data out;
    REQUIRE_FALSE(read_form_data(body, "B", store, limits, out));
    CHECK(*out.field("title") == "tetap");
    CHECK(out.field("body") == nullptr);
    CHECK(out.files.size() == 2);
    REQUIRE(out.field_errors.size() == 3);
    CHECK(out.field_errors[0].first == "body");
    CHECK(out.field_errors[1].first == "photos");
    CHECK(out.field_errors[1].second.find("big.jpg") != std::string::npos);
    CHECK(out.field_errors[2].first == "docs");
    CHECK(out.field_errors[2].second.find("cv.pdf") != std::string::npos);
  }
  SUBCASE("a file name that is not UTF-8 is refused on its field, not stored under a guessed name") {
    std::string body = part("title", "Judul") + part("photos", jpeg(100), "foto\xff\xfe.jpg") + "--B--\r\n";
    form_data out;
    REQUIRE_FALSE(read_form_data(body, "B", store, limits, out));
    CHECK(out.files.empty());
    REQUIRE(out.field_errors.size() == 1);
    CHECK(out.field_errors[0].first == "photos");
    CHECK(out.field_errors[0].second.find("UTF-8") != std::string::npos);
    CHECK(is_valid_utf8(out.field_errors[0].second));
  }
  SUBCASE("with text_fields, every other part is a file: a photo under any name is kept, never dropped") {
    form_data_limits only_report = limits;
    only_report.text_fields = {"title"};
    std::string body = part("title", "Judul") + "--B\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\n" + jpeg(100) +
                       "\r\n" + "--B\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nbukan foto\r\n--B--\r\n";
    form_data out;
    REQUIRE_FALSE(read_form_data(body, "B", store, only_report, out));
    REQUIRE(out.files.size() == 1);
    CHECK(out.files[0].field == "photo");
    REQUIRE(out.field_errors.size() == 1);  // a text part under another name: not a photo, refused
    CHECK(out.field_errors[0].first == "note");
  }
  SUBCASE("a broken body is malformed and leaves no temp file") {
    form_data out;
    auto e = read_form_data(part("photos", jpeg(500), "a.jpg"), "B", store, limits, out);
    REQUIRE(e);
    CHECK(e->what == form_data_error::kind::malformed);
    out.files.clear();
    std::size_t temps = 0;
    for (auto& f : std::filesystem::directory_iterator(std::filesystem::path(dir) / "tmp")) temps += f.is_regular_file();
    CHECK(temps == 0);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("form data from a spooled body file: the same as from memory; SHA-256 of a file") {
  const auto dir = temp_dir();
  attachment_store store(dir);
  // Larger than one 64 KiB read, so parts straddle the chunks.
  const auto photo = jpeg(150 * 1024);
  const std::string body = "--B\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nJudul\r\n"
                           "--B\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"a.jpg\"\r\n\r\n" +
                           photo + "\r\n--B--\r\n";
  const auto spooled = (std::filesystem::path(dir) / "body.part").string();
  {
    std::ofstream out(spooled, std::ios::binary);
    out << body;
  }
  form_data_limits limits;
  limits.max_file_bytes = 200 * 1024;
  form_data from_file, from_memory;
  REQUIRE_FALSE(read_form_data_file(spooled, "B", store, limits, from_file));
  REQUIRE_FALSE(read_form_data(body, "B", store, limits, from_memory));
  CHECK(*from_file.field("title") == "Judul");
  REQUIRE(from_file.files.size() == 1);
  CHECK(from_file.files[0].data.size() == photo.size());
  CHECK(from_file.files[0].data.sha256() == from_memory.files[0].data.sha256());
  CHECK(sha256_of_file(spooled) == std::optional<std::string>(sha256_hex(body)));
  std::ofstream(spooled + ".abc", std::ios::binary) << "abc";
  CHECK(sha256_of_file(spooled + ".abc") == std::optional<std::string>("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  CHECK_FALSE(sha256_of_file(dir + "/missing"));

  SUBCASE("a truncated file is malformed; a missing one a storage error") {
    {
      std::ofstream out(spooled, std::ios::binary | std::ios::trunc);
      out << body.substr(0, body.size() - 20);
    }
    form_data out;
    auto e = read_form_data_file(spooled, "B", store, limits, out);
    REQUIRE(e);
    CHECK(e->what == form_data_error::kind::malformed);
    form_data none;
    auto m = read_form_data_file(dir + "/missing", "B", store, limits, none);
    REQUIRE(m);
    CHECK(m->what == form_data_error::kind::storage);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("rate limiter: burst, refill, Retry-After, off, bounded") {
  using namespace std::chrono;
  rate_limiter rl(3);
  auto t0 = steady_clock::time_point{} + hours(1);
  CHECK(rl.take("1.2.3.4", t0).allowed);
  CHECK(rl.take("1.2.3.4", t0).allowed);
  CHECK(rl.take("1.2.3.4", t0).allowed);
  auto d = rl.take("1.2.3.4", t0);
  CHECK_FALSE(d.allowed);
  CHECK(d.retry_after == seconds(20));
  CHECK(rl.take("5.6.7.8", t0).allowed);  // others are not affected
  CHECK(rl.take("1.2.3.4", t0 + seconds(20)).allowed);
  CHECK_FALSE(rl.take("1.2.3.4", t0 + seconds(21)).allowed);

  rate_limiter off(0);
  for (int i = 0; i < 1000; ++i) REQUIRE(off.take("x", t0).allowed);

  rate_limiter small(2, 4);
  for (int i = 0; i < 10; ++i) (void)small.take("ip" + std::to_string(i), t0 + seconds(i));
  CHECK(small.tracked() <= 4);

  // A refusal for a field to correct gives the token back, never beyond the burst.
  rate_limiter form(2);
  CHECK(form.take("9.9.9.9", t0).allowed);
  CHECK(form.take("9.9.9.9", t0).allowed);
  CHECK_FALSE(form.take("9.9.9.9", t0).allowed);
  form.give_back("9.9.9.9");
  CHECK(form.take("9.9.9.9", t0).allowed);
  for (int i = 0; i < 5; ++i) form.give_back("9.9.9.9");
  CHECK(form.take("9.9.9.9", t0).allowed);
  CHECK(form.take("9.9.9.9", t0).allowed);
  CHECK_FALSE(form.take("9.9.9.9", t0).allowed);
  form.give_back("unknown");  // nothing to give back to
  CHECK(form.tracked() == 1);
  int answered = 0;
  auto refunding = giving_back_on_422([&](http_response) { ++answered; }, form, "9.9.9.9");
  refunding(http_response::text(201, "ok"));
  CHECK_FALSE(form.take("9.9.9.9", t0).allowed);
  refunding(http_response::text(422, "fix the phone"));
  CHECK(form.take("9.9.9.9", t0).allowed);
  CHECK(answered == 2);
}

TEST_CASE("form data: sizes in messages — one decimal, never shown larger than they are") {
  CHECK(human_size(1000) == "1000 byte");
  CHECK(human_size(1024) == "1 KB");
  CHECK(human_size(1536) == "1,5 KB");
  CHECK(human_size(1023 * 1024 + 1023) == "1023,9 KB");
  CHECK(human_size(10 * 1024 * 1024) == "10 MB");
  CHECK(human_size(3 * 512 * 1024) == "1,5 MB");
  CHECK(human_size(2 * 1024 * 1024 - 1) == "1,9 MB");
}
