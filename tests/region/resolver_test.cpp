// The region resolver's rules, one row each, on the embedded idn-area-data index. The
// evaluation on text nobody here wrote is region_eval_test.cpp; these rows say what each
// rule is for, in the words citizens use.
#include <doctest/doctest.h>

#include <string>

#include "gateway/region/place_words.h"
#include "gateway/region/resolver.h"

using namespace lapor::region;

namespace {

struct row {
  const char* why;
  const char* location;
  const char* body;
  const char* code;  // "" = nothing certain
  const char* source = "text";
};

std::string code_of(const resolution& r) { return r ? resolver::embedded().table().at(r.unit).code : ""; }

}  // namespace

TEST_CASE("resolver: what citizens write, one rule per row") {
  const row rows[] = {
      {"level words and a street before them", "", "gg mawar rt 3 kel way dadi kec sukarame", "18.71.02.1004"},
      {"short form after a level word, a landmark word before", "", "jln rusak dkt pasar kota sby", "35.78"},
      {"a village name in 65 places alone is nowhere", "", "jalan desa Sukamaju rusak parah", ""},
      {"Kabupaten and Kota of one name: the word decides", "", "banjir di kab bogor", "32.01"},
      {"...and Kota", "", "banjir di Kota Bogor", "32.71"},
      {"...bare, only the province is certain", "", "banjir di Bogor", "32"},
      {"...a district of one of them decides", "", "banjir di Bogor Barat, Bogor", "32.71.04"},
      {"a hashtag", "", "jalan berlubang lagi #KabBekasi", "32.16"},
      {"glued level word", "", "jalan rusak kabmojokerto", "35.16"},
      {"the problem's place wins over the reporter's home", "",
       "saya tinggal di Bekasi tapi kejadiannya di Karawang", "32.15"},
      {"one letter wrong in a long name (field)", "Sidoardjo", "tanggul retak", "35.15", "location"},
      {"a shop named after a city is not there", "", "Toko Bandung Jaya jual gas di atas HET", ""},
      {"a dish named after an island is not there", "", "sate madura di depan rumah basi", ""},
      {"a street named after a city is not there", "", "Jalan Raya Bogor macet total", ""},
      {"ordinary words that are village names", "", "tolong lampu jalan mati sudah tiga bulan", ""},
      {"the field is preferred to the body", "Kota Semarang", "kemarin saya ke Solo, di sini jalan rusak",
       "33.74", "location"},
      {"the body deepens the field when it agrees", "Kota Bogor", "di kelurahan Batutulis jalan longsor",
       "32.71.01.1001", "location"},
      {"a stretch between two districts is their regency", "",
       "jalan antara Adiwerna dan Slawi berlubang besar", "33.28"},
      {"province short form", "", "harga pupuk mahal sekali di jateng", "33"},
      {"regional word for a village (gampong)", "", "gampong Rukoh, Syiah Kuala banjir", "11.71.04.2009"},
      {"nothing at all", "", "pelayanan lambat sekali, mohon ditindaklanjuti", ""},
      {"a fruit named after a city is not there", "", "beli jeruk pontianak di pasar, timbangan dicurangi", ""},
      {"a ferry named after a city is not there", "", "kapal Batam Fast delay 3 jam tanpa kompensasi", ""},
      {"a village the road leads to is not where it is broken", "",
       "#Bitung kec. matuari, pju jalan ke tanjung merah mati", "71.72.05"},
      {"dari X ke Y: the unit holding both ends", "", "jalan dari Sleman ke Bantul rusak parah", "34"},
      {"an end of a stretch whose other end is no unit decides nothing", "",
       "jln dr pelabuhan sadai ke toboali rusak parah #BangkaSelatan", "19.03"},
      {"a short form after a level word keeps the written level", "", "kec bjm timur, jln berlubang", "63.71.02"},
      {"a name the dataset spells with Sei (read as sungai)", "", "banjir lagi di PercutSeiTuan #deliserdang",
       "12.07.26"},
      {"a hero's street names no place (Bonjol is a district); the town after it does", "", "Jln Imam Bonjol Bukittinggi got meluap", "13.75"},
      {"a regency seat that is no unit by that name", "", "Jl. Cendrawasih Timika depan sekolah lampu jalan mati",
       "94.04"},
      {"a river is no place (tukad: Balinese)", "", "kawat PLN gelantungan di tukad badung renon", ""},
      {"a street's extension is no place", "", "banjir sabtu mlm di terusan jakarta, blm ada bantuan", ""},
      {"a field that contradicts itself is only what its places agree on (a market, not Surakarta's district)",
       "Pasar Kliwon, Kudus", "sampah di belakang Pasar Kliwon belum diangkut", "33", "location"},
      {"...and nothing when they share no province (Utan, Sumbawa, against Matraman, Jakarta)", "Utan Kayu, Matraman",
       "trotoar dekat halte Utan Kayu dipakai parkir", ""},
      {"...while a field the body corrects keeps the body's place", "Kota Bekasi",
       "Yang saya laporkan jalan rusak di Kecamatan Cikarang Selatan, Kabupaten Bekasi.", "32.16.19", "text"},
  };
  const auto& r = resolver::embedded();
  for (const auto& x : rows) {
    const std::string why = x.why, body = x.body, want = x.code;
    CAPTURE(why);
    CAPTURE(body);
    const auto got = r.resolve({x.location, "", x.body, std::nullopt, std::nullopt});
    INFO(r.explain({x.location, "", x.body, std::nullopt, std::nullopt}));
    CHECK(code_of(got) == want);
    if (got) CHECK(to_string(got.from) == x.source);
  }
}

TEST_CASE("resolver: latitude and longitude alone resolve nothing (no boundary data)") {
  const auto got = resolver::embedded().resolve({"", "", "jalan rusak", -6.2, 106.8});
  CHECK_FALSE(got);
}

TEST_CASE("region table: the embedded index is the whole country, codes nest") {
  const auto& t = region_table::embedded();
  CHECK(t.dataset().starts_with("idn-area-data "));
  std::size_t counts[5] = {};
  for (const auto& u : t.units()) ++counts[static_cast<int>(u.lvl)];
  CHECK(counts[1] == 38);
  CHECK(counts[2] == 514);
  CHECK(counts[3] == 7285);
  CHECK(counts[4] == 83762);
  const auto bogor = t.find("32.71");
  REQUIRE(bogor != no_unit);
  CHECK(t.at(bogor).name == "Kota Bogor");
  CHECK(t.at(bogor).city);
  CHECK(t.at(t.at(bogor).parent).code == "32");
  const auto v = t.find("32.71.01.1001");
  REQUIRE(v != no_unit);
  CHECK(t.contains(bogor, v));
  CHECK(t.common_ancestor(v, t.find("32.01")) == t.find("32"));
  CHECK(t.common_ancestor(v, t.find("35.78")) == no_unit);
  CHECK(t.find("99.99") == no_unit);
}

TEST_CASE("region table: malformed index lines are refused, naming the line") {
  std::string error;
  CHECK_FALSE(region_table::parse("P 11 Aceh\nR 0x Kabupaten X\n", error));
  CHECK(error.find("line 2") != std::string::npos);
  CHECK_FALSE(region_table::parse("R 01 Kabupaten Tanpa Provinsi\n", error));
  CHECK(error.find("parent") != std::string::npos);
  CHECK_FALSE(region_table::parse("P 12 B\nP 11 A\n", error));
  CHECK_FALSE(region_table::parse("", error));
  auto ok = region_table::parse("# idn-area-data 9.9.9 (x)\nP 11 Aceh\nR 01 Kota Mini\n", error);
  REQUIRE(ok);
  CHECK(ok->dataset() == "idn-area-data 9.9.9");
  auto moved = std::move(*ok);  // names view the table's own text, which moves with it
  CHECK(moved.at(1).name == "Kota Mini");
  CHECK(moved.at(1).code == "11.01");
}

TEST_CASE("lexicon: unknown roles and malformed aliases are refused") {
  std::string error;
  CHECK_FALSE(lexicon::parse("colour: merah\n", error));
  CHECK(error.find("line 1") != std::string::npos);
  CHECK_FALSE(lexicon::parse("alias: a b = c\n", error));
  CHECK_FALSE(lexicon::parse("alias: jkt\n", error));
  auto lx = lexicon::parse("# x\nvillage: desa\nalias: sby = kota surabaya\n", error);
  REQUIRE(lx);
  CHECK(lx->roles("desa") == role_village);
  REQUIRE(lx->alias("sby"));
  CHECK(lx->alias("sby")->size() == 2);
}

TEST_CASE("place words: folding, apostrophes, camel case, digits, clauses, dashes") {
  std::string buf;
  std::vector<word> ws;
  buf.reserve(256);
  split_words("#KotaBekasi, Ba'u RT03 Curup - Kepahiang Lang-Lang Sérang", buf, ws);
  std::vector<std::string> texts;
  for (const auto& w : ws) texts.emplace_back(w.text);
  CHECK(texts == std::vector<std::string>{"kota", "bekasi", "bau", "rt", "03", "curup", "kepahiang", "lang", "lang",
                                          "serang"});
  CHECK(ws[0].hashtag);
  CHECK(ws[1].hashtag);
  CHECK_FALSE(ws[2].hashtag);
  CHECK(ws[2].clause == 1);  // after the comma
  CHECK(ws[6].dash_before);  // "Curup - Kepahiang"
  CHECK_FALSE(ws[8].dash_before);  // "Lang-Lang" is one name
  CHECK(ws[9].capital);
  for (const auto& w : ws) CHECK_FALSE(w.mention);
  for (std::size_t i = 0; i < ws.size(); ++i) CHECK(ws[i].glued == (i == 4));  // "03" of RT03
  ws.clear();
  split_words("patah2 rt 2", buf, ws);
  REQUIRE(ws.size() == 4);
  CHECK(ws[1].glued);
  CHECK_FALSE(ws[3].glued);
  // An @handle's words, through digits and underscores, are marked; the words after it are not.
  ws.clear();
  buf.clear();
  split_words("@lapor1708 @Pemko_Medan jalan rusak, @x.", buf, ws);
  texts.clear();
  for (const auto& w : ws) texts.emplace_back(w.text);
  CHECK(texts == std::vector<std::string>{"lapor", "1708", "pemko", "medan", "jalan", "rusak", "x"});
  for (std::size_t i = 0; i < ws.size(); ++i) CHECK(ws[i].mention == (i < 4 || i == 6));
}

TEST_CASE("name keys: prefixes, slashes and number words") {
  CHECK(name_keys("Kota Administrasi Jakarta Selatan", level::regency) == std::vector<std::string>{"jakartaselatan"});
  CHECK(name_keys("Kabupaten Kepulauan Tanimbar", level::regency) ==
        std::vector<std::string>{"kepulauantanimbar", "tanimbar"});
  CHECK(name_keys("Daerah Istimewa Yogyakarta", level::province) == std::vector<std::string>{"yogyakarta"});
  CHECK(name_keys("Lima-belas Ulu", level::village) == std::vector<std::string>{"15ulu", "limabelasulu"});
  CHECK(name_keys("Pulo Lon / Pulo Dayah", level::village) ==
        std::vector<std::string>{"pulodayah", "pulolon", "pulolonpulodayah"});
}
