// The Indonesian normaliser for duplicate matching: pure functions, table-driven.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "gateway/dedup/text.h"

using namespace lapor::dedup;

namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

std::string tokens(std::string_view text) { return joined(normalize_for_matching(text).tokens); }
std::string facets(std::string_view text) { return joined(normalize_for_matching(text).facets); }

}  // namespace

TEST_CASE("normaliser: case, punctuation, repeated letters, abbreviations and stop words") {
  struct row {
    const char* in;
    const char* out;
  };
  const row rows[] = {
      {"Jalan RUSAKKK parahhh!!!", "jalan rusak parah"},
      {"jln rsk, sdh 3bln gak diperbaiki", "jalan rusak 3 bulan tidak perbaiki"},
      {"yg tdk dgn krn utk", "tidak"},                       // stop words go, the negation stays
      {"blm ada perbaikan dr pemda", "belum perbaiki pemerintah daerah"},
      {"Kab. Kotim kec. Baamang ds. Baamang Hulu", "kabupaten kotim kecamatan baamang desa baamang hulu"},
      {"anak2 sekolah, jalan-jalan rusak2", "anak sekolah jalan rusak"},  // reduplication folded
      {"tiga bulan", "3 bulan"},
      {"km 05", "kilometer 5"},
      {"Rp1.500.000 dan Rp5.000, 1,5 juta", "rp 1500000 rp 5000 1 5000000"},  // thousands separators
      // Numbers as words or with multipliers come out as the digits would.
      {"km lima puluh dua", "kilometer 52"},
      {"tgl empat belas", "tanggal 14"},
      {"dua ratus lima puluh ribu, 250rb, Rp250.000", "250000 rp 250000"},  // repeats fold
      {"tiga dua", "3 2"},                                   // two numbers, not 32
      {"puluhan warga", "puluhan warga"},
      {"Pelayanan  Puskesmas\tlambat\n", "pelayanan puskesmas lambat"},
      {"Jalanannya rusak", "jalan rusak"},                  // -nya particle, slang 'jalanan'
      {"Sekolah é ÉKTP", "sekolah ektp"},                   // accents stripped, single letters dropped
  };
  for (const auto& r : rows) {
    CAPTURE(r.in);
    CHECK(tokens(r.in) == r.out);
  }
}

TEST_CASE("normaliser: mentions, hashtags, links, e-mails, phone numbers and keyword prefixes") {
  // Only consecutive repeats fold; the sketch compares sets.
  CHECK(tokens("@lapor1708 @pemkabkotim jalan rusak #JalanRusak #kotim") == "jalan rusak jalan rusak kotim");
  CHECK(tokens("lampu mati https://t.co/AbC123 www.example.com/x bit.ly/abc") == "lampu mati");
  // A whole phone number goes; one split by dashes leaves short numbers.
  CHECK(tokens("hub budi@example.com atau 0812-3456-7890 / 081234567890") == "hub 812 3456 7890");
  CHECK(tokens("INFO jadwal pelayanan ktp") == "jadwal pelayanan ktp");
  CHECK(tokens("ASPIRASI tambah lampu jalan") == "tambah lampu jalan");
  CHECK(tokens("jalan aspirasi rusak") == "jalan aspirasi rusak");  // only a leading keyword is one
  CHECK(tokens("@lapor1708 INFO jam buka") == "jam buka");   // a mention before the keyword
}

TEST_CASE("normaliser: facets name kabupaten, kecamatan, desa, street, school, date, km, RT/RW") {
  CHECK(facets("Jl. Ahmad Yani km 5 Kab. Kotawaringin Timur") == "j:ahmad m:5 k:kotawaringin");
  CHECK(facets("listrik padam tgl 12 November di desa Soren") == "t:12 d:soren");
  CHECK(facets("banjir 3 Desember RT 04 RW 11") == "t:3 r:4 w:11");
  CHECK(facets("SD Negeri Romangloe atap bocor") == "s:romangloe");
  CHECK(facets("jalan rusak di desa kami") == "");  // descriptions, not names
  CHECK(facets("antre smp dini hari") == "");        // "smp" = "sampai" unless a school follows
  CHECK(facets("perangkat desa, sedangkan warga") == "");
  // Regional words for "di" (Javanese ning/neng/nang, Balinese ring) are stop words: "dalan
  // kampung ning Patehan" is the village road at Patehan, not a village named "ning".
  CHECK(facets("Dalan kampung ning Patehan bolong2") == "");
  CHECK(tokens("Dalan kampung ning Patehan bolong2") == "dalan kampung patehan lubang");
  CHECK(facets("lampu mati ring desa Sibang") == "d:sibang");
  // A state or a common word after "jalan", "desa", "kota", "lingkungan" names nothing.
  CHECK(facets("saluran di bawah jalan tertutup timbunan proyek") == "");
  CHECK(facets("kantor desa tutup saat jam kerja") == "");
  CHECK(facets("got mampet, hujan dikit jalanan jadi kolam") == "");
  CHECK(facets("Dinas Lingkungan Hidup belum datang") == "");
  CHECK(facets("jalan tagenang di Uwuran") == "");
  // Landmarks by kind, each word of the name; the spot along the way; what is wrong is no name.
  CHECK(facets("Sampah menumpuk di Pantai Kuta dekat Pos 2") == "B:kuta o:pos F:pos2");
  CHECK(facets("depan Pasar Sentral Remu banjir") == "o:pasar P:sentral P:remu");
  CHECK(facets("Jalan ambles di km 52") == "m:52");
  CHECK(facets("Parkir sepeda motor di RSUD Raja Ahmad Tabib dipungut lima ribu rupiah") == "H:raja H:ahmad H:tabib");
  CHECK(facets("parkir di rsud raja ahmad tabib") == "H:raja");  // lowercase: the first word only
  CHECK(facets("rs aloei saboe") == "H:aloei");
  // The document a registry complaint is about; a numbered facility.
  CHECK(facets("KTP-el belum dicetak") == "D:ktp");
  CHECK(facets("Kartu Keluarga salah nama ibu") == "D:kk");
  CHECK(facets("akta kematian ayah dan KIA anak belum terbit") == "D:akta_mati D:kia");
  CHECK(facets("Posyandu Melati 3 tidak aktif") == "Q:posyandu H:melati F:posyandu3");
  // A posyandu named like a landmark: Posyandu Anggrek and Posyandu Dahlia are two.
  CHECK(facets("Posyandu Anggrek Desa Labung tdk ada PMT") == "Q:posyandu H:anggrek d:labung");
  // A numbered hamlet, in digits or Roman numerals (not collapsed like "parahhh"): Dusun I and
  // Dusun III are two hamlets.
  CHECK(facets("jembatan di Dusun I Desa Benai") == "l:1 d:benai");
  CHECK(facets("jembatan di Dusun III Desa Benai") == "l:3 d:benai");
  CHECK(facets("RT II RW IV") == "r:2 w:4");
  CHECK(tokens("pak Budi iii") == "budi");  // elsewhere a run of i's is still emphasis
  CHECK(facets("posyandu di desa kami tutup 3 bulan") == "Q:posyandu");  // the number is not the posyandu's
  // The kind of village health post; "puskesmas pembantu" is a pustu.
  CHECK(facets("pustu sudah tutup") == "Q:pustu");
  CHECK(facets("Puskesmas pembantu sudah tutup") == "Q:pustu");
  CHECK(facets("puskesmas sudah tutup, pustu juga") == "Q:puskesmas Q:pustu");
  CHECK(facets("bidan poskesdes tidak ada, ke puskesmas") == "Q:poskesdes Q:puskesmas");
  const auto t = normalize_for_matching("Jalan Ahmad Yani di Desa Baamang Hulu rusak");
  CHECK(joined(t.places) == "jalan ahmad yani desa baamang hulu");
  // A vessel after "KM" (kapal motor), its whole name one value, in mixed-case text only.
  CHECK(facets("Tidak ada pelampung di KM Sinar Peling rute Salakan") == "K:sinar_peling");
  CHECK(facets("Kapal Pelni KM Sinabung jadwal tanggal 14 diundur") == "K:sinabung t:14");  // not the operator
  CHECK(facets("Jadwal KM Sabuk Nusantara 48 dibatalkan lagi") == "K:sabuk_nusantara_48");
  CHECK(facets("Penumpang KM Sinabung KM Lambelu terlantar") == "K:sinabung K:lambelu");
  CHECK(facets("jalan rusak di km 7 arah Kupang") == "m:7");
  CHECK(facets("JALAN RUSAK DI KM SEPULUH").find('K') == std::string::npos);  // no case to tell names by
}

TEST_CASE("normaliser: facet conflicts need the same type with no shared value") {
  CHECK(facets_conflict({"k:sampit"}, {"k:seruyan"}));
  CHECK_FALSE(facets_conflict({"k:sampit", "k:kotim"}, {"k:kotim"}));
  CHECK_FALSE(facets_conflict({"k:sampit"}, {"d:soren"}));
  CHECK_FALSE(facets_conflict({}, {"t:3"}));
  CHECK(facets_conflict({"t:3", "d:soren"}, {"d:soren", "t:9"}));
}

TEST_CASE("normaliser: consonant skeletons match vowel-dropping abbreviations") {
  CHECK(consonant_skeleton("jalan") == "jln");
  CHECK(consonant_skeleton("rusak") == "rsk");
  CHECK(consonant_skeleton("diperbaiki") == "dprbk");
  CHECK(consonant_skeleton("prbaiki") == consonant_skeleton("perbaiki"));
  CHECK(consonant_skeleton("hsnddn") == consonant_skeleton("hasanuddin"));
  CHECK(consonant_skeleton("ektp") == "ektp");
  CHECK(consonant_skeleton("2026") == "2026");
}

TEST_CASE("lexicon: the data file parses; bad lines are refused with their number") {
  CHECK(lexicon::embedded().size() > 300);
  REQUIRE(lexicon::embedded().find("yg") != nullptr);
  CHECK(*lexicon::embedded().find("yg") == "yang");
  CHECK(lexicon::embedded().find("yang")->empty());
  CHECK(lexicon::embedded().find("zzzz") == nullptr);
  std::string error;
  auto lex = lexicon::parse("# comment\n\nbgt = banget\nbanget =\n", error);
  REQUIRE(lex);
  CHECK(lex->size() == 2);
  CHECK(joined(normalize_for_matching("rusak bgt", *lex).tokens) == "rusak");
  CHECK_FALSE(lexicon::parse("ok = fine\nno equals sign\n", error));
  CHECK(error == "line 2: expected \"token = words\"");
  CHECK_FALSE(lexicon::parse("Caps = x\n", error));
  CHECK(error.starts_with("line 1:"));
}

TEST_CASE("normaliser: invalid UTF-8 bytes are separators, never a crash") {
  CHECK(tokens("jalan\xff\xfe rusak") == "jalan rusak");
  CHECK(tokens("") == "");
  CHECK(tokens("!!! ??? ...") == "");
}

TEST_CASE("normaliser: an ASCII word reads as the same word with an accent (the quick and the general split)") {
  // Plain ASCII words take a shortcut through the word splitter; a letter with a diacritic
  // sends the word down the general path. Both must give the same tokens, facets and places,
  // capitalisation (which names places in mixed-case text) and surrounding punctuation included.
  const std::pair<const char*, const char*> pairs[] = {
      {"Warga Desa Sukamaju, Kecamatan Ciawi mengeluh. Jalan Raya Bogor rusak!",
       "Warga Désa Sukamajú, Kecamatan Ciawí mengeluh. Jalán Raya Bogór rusak!"},
      {"(PDAM) mati... sudah 3 hari!! Pasar Sentral Remu sepi", "(PDÀM) mati... sudah 3 hari!! Pasar Séntral Remú sepi"},
      {"JALAN RUSAKKK PARAH, DESA KARANG BARU", "JALÁN RUSAKKK PARAH, DÉSA KARANG BARU"},
      {"\"Lampu\" jalan; mati: 'gelap' [sekali]", "\"Lámpu\" jalan; mati: 'gélap' [sekalí]"},
  };
  for (const auto& [plain, accented] : pairs) {
    CAPTURE(plain);
    const auto a = normalize_for_matching(plain);
    const auto b = normalize_for_matching(accented);
    CHECK(joined(a.tokens) == joined(b.tokens));
    CHECK(joined(a.facets) == joined(b.facets));
    CHECK(joined(a.places) == joined(b.places));
  }
  CHECK(tokens("... !! ,") == "");
}
