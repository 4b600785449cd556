// Sketches, identity keys and linking, the index's decision rules and its group staging.
#include <doctest/doctest.h>

#include <array>
#include <string>

#include "gateway/dedup/event.h"
#include "gateway/dedup/index.h"
#include "gateway/dedup/sketch.h"

using namespace lapor::dedup;

namespace {

constexpr std::int64_t day_ms = 86'400'000;
constexpr std::int64_t t0 = 1'795'000'000'000;

match_sketch sketch_of(std::string_view text, std::initializer_list<const char*> identities) {
  match_sketch s = make_sketch(normalize_for_matching(text));
  for (const char* id : identities) s.identities.push_back(stable_hash64(id));
  return s;
}

// A sketch with the event the taxonomy reads, placed in `village` as the region resolver would.
match_sketch with_event(std::string_view text, const char* identity, const char* village) {
  match_sketch s = sketch_of(text, {identity});
  s.what = event_taxonomy::embedded().read(text);
  s.what.place = place_code::parse(village);
  return s;
}

const char* const web_text =
    "Jalan Ahmad Yani di Desa Baamang Hulu, Kabupaten Kotawaringin Timur rusak parah dan berlubang besar. "
    "Sudah 3 bulan tidak diperbaiki, banyak pengendara motor jatuh saat hujan. Mohon segera diperbaiki.";
const char* const sms_text = "LAPOR jln ahmad yani baamang hulu rusakkk parah berlubang sdh 3 bln gak diperbaiki!!";
const char* const tweet_text =
    "@lapor1708 Jalan Ahmad Yani Baamang Hulu rusak parah berlubang, 3 bulan tidak diperbaiki #JalanRusak #Kotim";

}  // namespace

TEST_CASE("sketch: bottom-k overlap is exact for short texts and tolerates a 10x longer one") {
  const auto a = sketch_of(sms_text, {});
  const auto b = sketch_of(web_text, {});
  CHECK(text_score(a, a) == doctest::Approx(1.0));
  CHECK(text_score(a, b) > 0.6);
  const auto other = sketch_of("Air PDAM di desa Soren tidak mengalir sudah dua minggu, tagihan tetap datang", {});
  CHECK(text_score(a, other) < 0.2);
  // A long text: 200 distinct words, of which the short one's 10 are a part.
  std::string longer, shorter;
  for (int i = 0; i < 200; ++i) longer += "kata" + std::to_string(i) + "x ";
  for (int i = 0; i < 200; i += 20) shorter += "kata" + std::to_string(i) + "x ";
  const auto l = sketch_of(longer, {}), s = sketch_of(shorter, {});
  CHECK(l.words.size() == sketch_k);
  CHECK(sample_overlap(s.words, l.words) > 0.6);  // estimated from the common sample range
  CHECK(sample_overlap({}, l.words) == 0.0);
  CHECK(sample_overlap({1, 2}, {1, 2}) == doctest::Approx(2.0 / 3.0));  // tiny sets never certain
}

TEST_CASE("sketch: the SimHash is each bit's majority vote of the distinct words, also past 255 words") {
  for (const std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{254}, std::size_t{255}, std::size_t{256},
                              std::size_t{600}}) {
    match_text t;
    for (std::size_t i = 0; i < n; ++i) t.tokens.push_back("kata" + std::to_string(i));
    t.tokens.push_back("kata0");  // a repeat votes once
    const auto s = make_sketch(t);
    std::array<std::size_t, 64> ones{};
    for (std::size_t i = 0; i < n; ++i) {
      const auto h = stable_hash64("kata" + std::to_string(i));
      for (std::size_t b = 0; b < 64; ++b) ones[b] += h >> b & 1;
    }
    std::uint64_t expected = 0;
    for (std::size_t b = 0; b < 64; ++b)
      if (2 * ones[b] > n) expected |= std::uint64_t{1} << b;
    CAPTURE(n);
    CHECK(s.simhash == expected);
    CHECK(s.distinct_words == n);
  }
}

TEST_CASE("sketch: facets agree, differ only loosely, or conflict; places agree by kind") {
  const auto sk = [](std::string_view text) { return make_sketch(normalize_for_matching(text)); };
  // An abbreviated name is no conflict ("Kel Gn Samarinda", "Jln poros Smd-Bontang").
  CHECK_FALSE(sketch_facets_conflict(sk("Kel. Gunung Samarinda"), sk("Kel Gn Samarinda")));
  CHECK_FALSE(sketch_facets_loosely_differ(sk("Kel. Gunung Samarinda"), sk("Kel Gn Samarinda")));
  // One name longer than the other is a doubt, not a conflict: perhaps another neighbourhood.
  CHECK_FALSE(sketch_facets_conflict(sk("Lingkungan Karang Baru"), sk("Lingkungan Karang Baru Timur")));
  CHECK(sketch_facets_loosely_differ(sk("Lingkungan Karang Baru"), sk("Lingkungan Karang Baru Timur")));
  // Numbers are never loose: km 40 and km 44 are two posts.
  CHECK(sketch_facets_conflict(sk("longsor km 40"), sk("longsor km 44")));
  // Canonical values never abbreviate one another: KTP and KK (a shared first letter, two
  // documents), ibu and istri, anak and adik (two relatives), two posyandu.
  CHECK(sketch_facets_conflict(sk("KTP-el belum dicetak di Disdukcapil Majene"),
                               sk("Kartu Keluarga salah nama di Disdukcapil Majene")));
  CHECK(sketch_facets_conflict(sk("ibu saya ditolak puskesmas"), sk("istri saya ditolak puskesmas")));
  CHECK(sketch_facets_conflict(sk("anak saya jatuh di lubang"), sk("adik saya jatuh di lubang")));
  CHECK(sketch_facets_conflict(sk("Posyandu Melati 1 tutup"), sk("Posyandu Melati 3 tutup")));
  CHECK(sketch_facets_conflict(sk("Pustu Desa Mensiau tutup"), sk("Poskesdes Desa Mensiau tutup, bidan pindah")));
  CHECK(sketch_facets_conflict(sk("Polindes tutup"), sk("Posyandu tutup")));  // one first letter, two posts
  // A school named, then numbered: SDN Kadomas 1 and 2 differ at least as a longer name does
  // (a doubt: never merged), as "SDN Kadomas" against "SDN Kadomas 1" may be the same school;
  // a numbered pole conflicts.
  CHECK(sketch_facets_loosely_differ(sk("toilet siswa di SDN Kadomas 1 rusak"), sk("toilet siswa di SDN Kadomas 2 rusak")));
  CHECK_FALSE(sketch_facets_conflict(sk("toilet di SDN Kadomas 1 rusak"), sk("SDN Kadomas 1 toiletnya rusak")));
  CHECK_FALSE(sketch_facets_loosely_differ(sk("toilet di SDN Kadomas 1 rusak"), sk("SDN Kadomas 1 toiletnya rusak")));
  CHECK(sketch_facets_conflict(sk("PJU tiang no 112 mati"), sk("PJU tiang no 240 mati")));
  CHECK_FALSE(sketch_facets_conflict(sk("Puskesmas pembantu Desa Mensiau tutup"), sk("Pustu Desa Mensiau tutup")));
  CHECK_FALSE(sketch_facets_conflict(sk("ektp belum jadi"), sk("KTP-el belum jadi")));
  CHECK(sketch_facets_conflict(sk("Sampah di Pantai Kuta"), sk("Sampah di Pantai Legian")));
  CHECK_FALSE(sketch_facets_conflict(sk("Sampah di Pantai Kuta"), sk("Sampah di Pasar Legian")));  // other kinds
  // A spot along the street that differs is a doubt, not a conflict.
  CHECK(sketch_spots_differ(sk("lampu mati depan masjid"), sk("lampu mati depan SMAN 5")));
  CHECK_FALSE(sketch_spots_differ(sk("pipa bocor depan minimarket"), sk("pipa bocor dpn minimarket")));
  CHECK_FALSE(sketch_facets_conflict(sk("lampu mati depan masjid"), sk("lampu mati depan SMAN 5")));
  // A later report naming another km post besides the earlier one's is (also) about another.
  CHECK(sketch_adds_number(sk("Jalinsum km 27 ambles"), sk("ada amblesan lain di km 37, setelah yang di km 27")));
  CHECK_FALSE(sketch_adds_number(sk("Jalinsum km 27 ambles"), sk("Jalinsum km 27 ambles, tgl 3")));
  // A street alone is weaker evidence than a village, a school or a km post.
  CHECK(sketch_places_agree(sk("Jalan Sultan Thaha tergenang"), sk("Jalan Sultan Thaha, Kota Jambi")) ==
        place_agreement::street);
  CHECK(sketch_places_agree(sk("Jalan Sultan Thaha km 3"), sk("Jalan Sultan Thaha km 3")) == place_agreement::place);
  CHECK(sketch_places_agree(sk("banjir"), sk("banjir")) == place_agreement::none);
}

TEST_CASE("sketch: serialisation round-trips and refuses other versions") {
  auto s = sketch_of(web_text, {"tel:+6281234567890", "mailto:budi@gmail.com"});
  const std::string bytes = serialize_sketch(s);
  auto back = parse_sketch(bytes);
  REQUIRE(back);
  CHECK(back->words == s.words);
  CHECK(back->skeletons == s.skeletons);
  CHECK(back->facets == s.facets);
  CHECK(back->places == s.places);
  CHECK(back->identities == s.identities);
  CHECK(back->simhash == s.simhash);
  CHECK(back->distinct_words == s.distinct_words);
  CHECK(back->loose_facets == s.loose_facets);
  CHECK(back->what.main == s.what.main);
  s.what.objects = 0b110;
  CHECK(parse_sketch(serialize_sketch(s))->what.objects == 0b110);
  add_verbatim_words(s, web_text, lexicon::embedded());
  REQUIRE_FALSE(s.verbatim.empty());
  CHECK(parse_sketch(serialize_sketch(s))->verbatim == s.verbatim);
  set_region_name(s, "Karang Anyar Pantai");
  REQUIRE(s.region_name.size() == 3);
  CHECK(parse_sketch(serialize_sketch(s))->region_name == s.region_name);
  CHECK_FALSE(parse_sketch(serialize_sketch(s))->confidential);
  s.confidential = true;
  CHECK(parse_sketch(serialize_sketch(s))->confidential);
  s.tweet = 0x1234567890abcdefULL;
  s.conversation = 42;
  CHECK(parse_sketch(serialize_sketch(s))->tweet == 0x1234567890abcdefULL);
  CHECK(parse_sketch(serialize_sketch(s))->conversation == 0);  // not stored
  // A version-5 row (before the region's name) still loads, naming none.
  std::string v5 = serialize_sketch(s);
  v5.resize(v5.size() - 8 - 1 - 1 - 4 * s.region_name.size());  // the thread, the flags, the name
  v5[0] = 5;
  REQUIRE(parse_sketch(v5));
  CHECK(parse_sketch(v5)->region_name.empty());
  CHECK(parse_sketch(v5)->verbatim == s.verbatim);
  s.region_name.clear();
  // A version-4 row (before the words as written) still loads, keeping none.
  std::string v4 = serialize_sketch(s);
  v4.resize(v4.size() - 8 - 1 - 1 - 1 - 4 * s.verbatim.size());
  v4[0] = 4;
  REQUIRE(parse_sketch(v4));
  CHECK(parse_sketch(v4)->verbatim.empty());
  s.verbatim.clear();
  // A version-3 row (before the objects) still loads, naming none.
  std::string v3 = serialize_sketch(s);
  v3.resize(v3.size() - 8 - 1 - 1 - 1 - 8);
  v3[0] = 3;
  REQUIRE(parse_sketch(v3));
  CHECK(parse_sketch(v3)->what.objects == 0);
  // A version-2 row (before the main problems and the loose facets) still loads: its problems
  // count as its main ones, and without loose facets every difference of facts is a conflict.
  s.what.problems = 5, s.what.main = 4;
  std::string v2 = serialize_sketch(s);
  v2.resize(v2.size() - 8 - 1 - 1 - 1 - 8 - 8 - 1 - 4 * s.loose_facets.size());
  v2[0] = 2;
  auto old = parse_sketch(v2);
  REQUIRE(old);
  CHECK(old->what.main == 5);
  CHECK(old->loose_facets.empty());
  std::string other = bytes;
  other[0] = 9;
  CHECK_FALSE(parse_sketch(other));
  CHECK_FALSE(parse_sketch(bytes.substr(0, bytes.size() - 1)));
  CHECK_FALSE(parse_sketch(bytes + "x"));
}

TEST_CASE("index: same phone + reworded text within the window -> duplicate of the original") {
  dedup_index idx;
  idx.add(100, 100, t0, sketch_of(web_text, {"tel:+6281234567890"}));
  idx.commit();
  const auto d = idx.lookup(sketch_of(sms_text, {"tel:+6281234567890"}), t0 + 2 * day_ms);
  CHECK(d.what == dedup_decision::kind::duplicate);
  CHECK(d.of == 100);
  CHECK(d.matched == 100);
  CHECK(d.score >= idx.thresholds().duplicate_score);
  CHECK(d.identity == stable_hash64("tel:+6281234567890"));
  // A duplicate of the duplicate links to the first.
  idx.add(101, 100, t0 + 2 * day_ms, sketch_of(sms_text, {"tel:+6281234567890"}));
  idx.commit();
  const auto d2 = idx.lookup(sketch_of(tweet_text, {"tel:+6281234567890"}), t0 + 3 * day_ms);
  CHECK(d2.of == 100);
}

TEST_CASE("index: outside the window, another kabupaten or another date is not a duplicate") {
  dedup_index idx;
  idx.add(1, 1, t0, sketch_of(web_text, {"tel:+6281234567890"}));
  idx.commit();
  CHECK(idx.lookup(sketch_of(sms_text, {"tel:+6281234567890"}), t0 + 8 * day_ms).what == dedup_decision::kind::original);
  const char* other_kab =
      "Jalan Ahmad Yani Kabupaten Seruyan rusak parah dan berlubang besar, sudah 3 bulan tidak diperbaiki";
  CHECK(idx.lookup(sketch_of(other_kab, {"tel:+6281234567890"}), t0 + day_ms).what == dedup_decision::kind::original);

  dedup_index dates;
  dates.add(2, 2, t0, sketch_of("listrik pln desa soren padam tgl 3 november seharian", {"tel:+6281111111111"}));
  dates.commit();
  CHECK(dates.lookup(sketch_of("listrik pln desa soren padam lagi tgl 9 november seharian", {"tel:+6281111111111"}),
                     t0 + 6 * day_ms)
            .what == dedup_decision::kind::original);
  CHECK(dates.lookup(sketch_of("tanggal 3 November listrik di Desa Soren mati seharian", {"tel:+6281111111111"}),
                     t0 + day_ms)
            .what == dedup_decision::kind::duplicate);
}

TEST_CASE("index: different people with near-identical text are related, never duplicates") {
  dedup_index idx;
  idx.add(10, 10, t0, sketch_of(web_text, {"tel:+6281111111111"}));
  idx.commit();
  const auto d = idx.lookup(sketch_of(web_text, {"tel:+6282222222222"}), t0 + day_ms);
  CHECK(d.what == dedup_decision::kind::related);
  CHECK(d.of == 10);
  CHECK(d.identity == 0);
  // Reworded by another person: neither (a shared grievance is not a campaign).
  CHECK(idx.lookup(sketch_of(sms_text, {"tel:+6282222222222"}), t0 + day_ms).what == dedup_decision::kind::original);
  // No identity at all (an anonymous web form without phone or e-mail): never a duplicate.
  CHECK(idx.lookup(sketch_of(web_text, {}), t0 + day_ms).what == dedup_decision::kind::related);
}

TEST_CASE("index: identity links join a Twitter handle, a phone and an e-mail") {
  dedup_index idx;
  idx.add(1, 1, t0, sketch_of(sms_text, {"tel:+6281234567890"}));
  idx.commit();
  const auto tweet = sketch_of(tweet_text, {"twitter:budi_kotim"});
  CHECK(idx.lookup(tweet, t0 + day_ms).what != dedup_decision::kind::duplicate);
  // A report that names both (e.g. a tweet stating its phone) links them …
  CHECK(idx.link(stable_hash64("twitter:budi_kotim"), stable_hash64("tel:+6281234567890")));
  CHECK(idx.linked(stable_hash64("tel:+6281234567890"), stable_hash64("twitter:budi_kotim")));
  CHECK_FALSE(idx.link(stable_hash64("twitter:budi_kotim"), stable_hash64("tel:+6281234567890")));  // already
  // … for every later report, once committed.
  CHECK(idx.lookup(tweet, t0 + day_ms).what != dedup_decision::kind::duplicate);
  idx.commit();
  CHECK(idx.lookup(tweet, t0 + day_ms).what == dedup_decision::kind::duplicate);
  // Transitively: the e-mail linked to the handle reaches the phone's complaints.
  (void)idx.link(stable_hash64("mailto:budi@gmail.com"), stable_hash64("twitter:budi_kotim"));
  idx.commit();
  CHECK(idx.lookup(sketch_of(web_text, {"mailto:budi@gmail.com"}), t0 + day_ms).of == 1);
}

TEST_CASE("index: staged entries are visible at once and vanish on rollback") {
  dedup_index idx;
  idx.add(1, 1, t0, sketch_of(web_text, {"tel:+6281234567890"}));
  // Not committed yet: a later row of the same group must see it.
  CHECK(idx.lookup(sketch_of(sms_text, {"tel:+6281234567890"}), t0).what == dedup_decision::kind::duplicate);
  idx.rollback();
  CHECK(idx.size() == 0);
  CHECK(idx.lookup(sketch_of(sms_text, {"tel:+6281234567890"}), t0).what == dedup_decision::kind::original);
  idx.add(2, 2, t0, sketch_of(web_text, {"tel:+6281234567890"}));
  idx.commit();
  idx.add(3, 3, t0, sketch_of("air pdam mati di desa soren dua minggu", {"tel:+6281234567890"}));
  idx.rollback_last();
  idx.commit();
  CHECK(idx.size() == 1);
  // An operator's unmerge makes a duplicate an original of its own.
  idx.add(4, 2, t0 + 1, sketch_of(sms_text, {"tel:+6281234567890"}));
  idx.commit();
  CHECK(idx.set_original(4, 4));
  CHECK_FALSE(idx.set_original(99, 99));
}

TEST_CASE("index: expiry drops entries older than the window, and a sweep trims the lists") {
  dedup_thresholds t;
  t.window_ms = day_ms;
  dedup_index idx(t);
  for (int i = 0; i < 3000; ++i)
    idx.add(i, i, t0 + i * 60'000, sketch_of("lampu jalan mati di desa nomor " + std::to_string(i), {"tel:+6281234567890"}));
  idx.commit();
  idx.expire(t0 + 3000 * 60'000);
  CHECK(idx.size() == 1440);  // the last 24 hours of minutes
  const auto before = idx.memory_bytes();
  idx.expire(t0 + 3000 * 60'000 + 2 * day_ms);
  CHECK(idx.size() == 0);
  CHECK(idx.memory_bytes() < before);
}


TEST_CASE("index: a later report naming another problem beside the shared one is a hint unless it is twice as long") {
  // One PDAM unit, one house: the water tastes salty; then an officer asks a fee for a new meter.
  const char* salty = "Air PDAM unit Cikeusik yang masuk ke rumah kami di Desa Cikeusik terasa asin sejak seminggu";
  const char* fee =
      "Petugas PDAM unit Cikeusik datang ke rumah kami di Desa Cikeusik, air PDAM kami diperiksa, lalu minta pungli ganti meter air";
  const auto placed = [](std::string_view text) { return with_event(text, "tel:+6281444444444", "36.01.04.2007"); };
  const auto earlier = placed(salty), later = placed(fee);
  REQUIRE((later.what.problems & ~earlier.what.problems) != 0);  // the fee is a problem the first does not name
  REQUIRE(later.distinct_words <= 2 * earlier.distinct_words);
  REQUIRE_FALSE(compare(earlier.what, later.what).adds_problem);  // water stays its main problem
  dedup_index idx;
  idx.add(31, 31, t0, earlier);
  idx.commit();
  const auto d = idx.lookup(later, t0 + day_ms);
  CHECK(d.what == dedup_decision::kind::possible);
  REQUIRE(d.doubt != nullptr);
  CHECK(std::string(d.doubt) == "adds_problem");
  // A long letter after a short SMS tells more, other problems among it: still detail.
  dedup_thresholds lenient;
  lenient.detail_length_ratio = 0.5;  // as if the later one were more than twice as long
  dedup_index loose(lenient);
  loose.add(31, 31, t0, earlier);
  loose.commit();
  const auto l = loose.lookup(later, t0 + day_ms);
  CHECK((l.doubt == nullptr || std::string(l.doubt) != "adds_problem"));
}

TEST_CASE("index: a part of the day, a date or a document is no place: the short report without one still merges") {
  // The web text names the village; the SMS only says when the tap was checked ("pagi").
  const char* web = "Air PDAM di Desa Sukamaju, Kecamatan Cibeber tidak mengalir sudah tiga hari, bak mandi kering";
  const char* sms = "air pdam tdk ngalir sdh 3 hr, td pagi cek bak msh kering";
  const auto earlier = with_event(web, "tel:+6281666666666", "36.01.04.2007");
  match_sketch later = sketch_of(sms, {"tel:+6281666666666"});
  later.what = event_taxonomy::embedded().read(sms);  // the resolver finds no region in it
  REQUIRE_FALSE(later.facets.empty());                // "pagi": a part of the day, a facet
  dedup_index idx;
  idx.add(41, 41, t0, earlier);
  idx.commit();
  const auto d = idx.lookup(later, t0 + day_ms);
  CHECK(d.what == dedup_decision::kind::duplicate);
  CHECK(d.of == 41);
  // A spot along the way is a place: against a village on the other side, not established.
  const char* spot = "air pdam tdk ngalir sdh 3 hr di depan masjid, bak msh kering";
  match_sketch there = sketch_of(spot, {"tel:+6281666666666"});
  there.what = event_taxonomy::embedded().read(spot);
  const auto s = idx.lookup(there, t0 + day_ms);
  CHECK(s.what != dedup_decision::kind::duplicate);
}

TEST_CASE("index: the same problem in the same village is at least a hint, however differently told") {
  // A Javanese SMS and a formal web text about one road share no word; the region resolver
  // puts both in Kelurahan Patehan. Not sure enough to merge, but the verifier must see it.
  const auto placed = [](std::string_view text, const char* village) {
    return with_event(text, "tel:+6281333333333", village);
  };
  const char* javanese = "Dalan ning Patehan bolong2 kabeh, wis sesasi ra didandani";
  const char* formal = "Permukaan aspal di gang permukiman Kelurahan Patehan mengelupas dan membentuk kubangan";
  dedup_index idx;
  idx.add(7, 7, t0, placed(formal, "34.71.09.1001"));
  idx.commit();
  const auto d = idx.lookup(placed(javanese, "34.71.09.1001"), t0 + day_ms);
  REQUIRE(d.score < idx.thresholds().possible_score);
  CHECK(d.what == dedup_decision::kind::possible);
  CHECK(d.of == 7);
  // The same words about the same problem in a neighbouring village stay apart.
  const auto elsewhere = idx.lookup(placed(javanese, "34.71.09.1002"), t0 + day_ms);
  CHECK(elsewhere.what == dedup_decision::kind::original);
}

TEST_CASE("index: two problems of one kind at one school, about different things, are a hint, never a merge") {
  // Blind set F's f0110: the gate and the roof of one primary school, the same closing words.
  const auto placed = [](std::string_view text) { return with_event(text, "tel:+6281555555555", "12.14.06.2007"); };
  const char* gate = "Pintu gerbang besi SD negeri di Hilitobara Teluk Dalam roboh, engselnya patah. bahaya utk anak2. mohon diperbaiki";
  const char* roof = "Atap seng SD negeri di Hilitobara Teluk Dalam bocor di 3 kelas, anak2 basah kalau hujan. mohon diperbaiki";
  const char* ceiling = "plafon kelas SD negeri di Hilitobara Teluk Dalam ambrol krn bocor, anak2 kehujanan. mohon diperbaiki";
  REQUIRE((event_taxonomy::embedded().read(gate).problems & event_taxonomy::embedded().read(roof).problems) != 0);  // one problem kind: building
  dedup_index idx;
  idx.add(8, 8, t0, placed(gate));
  idx.commit();
  const auto d = idx.lookup(placed(roof), t0 + day_ms);
  CHECK(d.what == dedup_decision::kind::possible);
  CHECK(d.of == 8);
  REQUIRE(d.doubt != nullptr);
  CHECK(std::string(d.doubt) == "object");
  CHECK(d.events.objects_differ);
  // The roof and its ceiling are one object: the second roof report is no object doubt.
  dedup_index idx2;
  idx2.add(9, 9, t0, placed(roof));
  idx2.commit();
  const auto same = idx2.lookup(placed(ceiling), t0 + day_ms);
  CHECK_FALSE(same.events.objects_differ);
  CHECK((same.doubt == nullptr || std::string(same.doubt) != "object"));
}

TEST_CASE("index: two vessels of one route, told in the same words, are never merged") {
  // Blind set F's f0158: the same complaint about life jackets on two ships of one operator.
  const auto placed = [](std::string_view text) { return with_event(text, "tel:+6281666666666", "72.07.04.1015"); };
  const char* peling = "Pada pelayaran KM Sinar Peling dari Salakan, jumlah pelampung di kapal jauh lebih sedikit dari jumlah penumpang. Mohon KSOP memeriksa.";
  const char* bangkep = "Pada pelayaran KM Sinar Bangkep dari Salakan, jumlah pelampung di kapal jauh lebih sedikit dari jumlah penumpang. Mohon KSOP memeriksa.";
  dedup_index idx;
  idx.add(11, 11, t0, placed(peling));
  idx.commit();
  const auto d = idx.lookup(placed(bangkep), t0 + day_ms);
  REQUIRE(d.score >= idx.thresholds().duplicate_score);  // the words alone would merge them
  CHECK(d.what != dedup_decision::kind::duplicate);
  // The same ship again is a duplicate.
  CHECK(idx.lookup(placed(peling), t0 + day_ms).what == dedup_decision::kind::duplicate);
}

TEST_CASE("index: two nearly identical texts with one word swapped are a hint, never a merge") {
  // Blind set G's g0087 / g0117 / g0143 kind: the same words about another hamlet, pump nozzle or child.
  CHECK(sketch_swaps_word(sketch_of("Lampu jln di Hiang Tinggi mati 5 tiang, gelap", {}),
                          sketch_of("Lampu jln di Hiang Karya mati 5 tiang, gelap", {})));
  CHECK(sketch_swaps_word(sketch_of("Nozzle 2 SPBU Tilamuta takarannya kurang, 10 liter cm 9", {}),
                          sketch_of("Nozzle 4 SPBU Tilamuta takarannya kurang, 10 liter cm 9", {})));
  // A typo or an SMS abbreviation keeps the skeleton; a word only added is no swap.
  CHECK_FALSE(sketch_swaps_word(sketch_of("Lampu jln di Hiang Tinggi mati 5 tiang, gelap", {}),
                                sketch_of("Lampu jln di Hiang Tinggi mati 5 tiang, glp", {})));
  CHECK_FALSE(sketch_swaps_word(sketch_of("Lampu jln di Hiang Tinggi mati 5 tiang", {}),
                                sketch_of("Lampu jln di Hiang Tinggi mati 5 tiang, gelap", {})));
  dedup_index idx;
  idx.add(12, 12, t0, sketch_of("Lampu jln di Hiang Tinggi mati 5 tiang, gelap", {"tel:+6281777777777"}));
  idx.commit();
  const auto d = idx.lookup(sketch_of("Lampu jln di Hiang Karya mati 5 tiang, gelap", {"tel:+6281777777777"}), t0 + day_ms);
  REQUIRE(d.score >= idx.thresholds().swap_score);
  CHECK(d.what == dedup_decision::kind::possible);
  REQUIRE(d.doubt != nullptr);
  CHECK(std::string(d.doubt) == "swap");
  // The same text again, or with a typo, is no swap.
  for (const char* again : {"Lampu jln di Hiang Tinggi mati 5 tiang, gelap", "Lampu jln di Hiang Tinggi mati 5 tiang, glp"}) {
    const auto same = idx.lookup(sketch_of(again, {"tel:+6281777777777"}), t0 + day_ms);
    CHECK((same.doubt == nullptr || std::string(same.doubt) != "swap"));
  }
}

namespace {

match_sketch as_written(std::string_view text, const char* identity = "tel:+6281666666666") {
  match_sketch s = sketch_of(text, {identity});
  add_verbatim_words(s, text, lexicon::embedded());
  return s;
}

}  // namespace

TEST_CASE("index: a copy with a name, number or letter changed is a hint, never a merge") {
  // Blind set G's g_tune kinds the sketches could not see: the changed word is a stop word
  // ("Baru" / "Lama"), a letter ("trayek B" / "D") or a Roman numeral ("Tomon I" / "II").
  const std::array<std::pair<const char*, const char*>, 4> copies = {{
      {"Jln Talang Rimbo Baru curup berlubang, tlg ditambal", "Jln Talang Rimbo Lama curup berlubang, tlg ditambal"},
      {"Dengan hormat, sopir angkot trayek B di Poso Kota menarik ongkos Rp10.000 untuk pelajar.",
       "Dengan hormat, sopir angkot trayek D di Poso Kota menarik ongkos Rp10.000 untuk pelajar."},
      {"Listrik Tomon I padam dr kmrn, tlg PLN", "Listrik Tomon II padam dr td pagi, tlg PLN"},
      {"Dana KIP anak pertama saya di SMP Raha belum cair sejak tahun lalu.",
       "Dana KIP anak kedua saya di SMP Raha belum cair sejak tahun lalu."},
  }};
  for (const auto& [a, b] : copies) {
    INFO(std::string(b));
    CHECK(sketch_substitutes_word(as_written(a), as_written(b)));
  }
  // Not copies with a word changed: the same text again; words only added (detail); a retyped
  // text whose changed words are typos or SMS forms ("trsumbat", "bnjir"); numbers as words
  // ("2x" / "dua kali"); a dialect rewrite whose changed words name nothing.
  const std::array<std::pair<const char*, const char*>, 7> same = {{
      {"Air PDAM di Perumnas Bumi Asri mati sudah 3 hari, mohon dibantu", "Air PDAM di Perumnas Bumi Asri mati sudah 4 hari, mohon dibantu"},
      {"Jln Talang Rimbo Baru curup berlubang, tlg ditambal", "Jln Talang Rimbo Baru curup berlubang, tlg ditambal"},
      {"Jln Talang Rimbo Baru curup berlubang", "Jln Talang Rimbo Baru curup berlubang, sudah 2 minggu, tlg ditambal"},
      {"@lapor1708 drainase di jl sudirman dumai tersumbat, banjir tiap hujan #Dumai",
       "@lapor1708 drainase jln. sudirman dumai trsumbat, bnjir tiap ujan"},
      {"KK sy salah tulis tgl lahir, sdh 2x minta koreksi di dukcapil Palopo",
       "KK saya salah tulis tanggal lahir, sudah dua kali minta koreksi di Dukcapil Palopo"},
      {"Jalan ke Desa Tanjung Aur Seluma rusak nian, idak bisa lewat kalu ujan",
       "Jalan ke Desa Tanjung Aur, Seluma rusak berat, tidak bisa dilalui saat hujan."},
      {"Lampu jalan di Jl. Sam Ratulangi Sorong mati sejak hari Senin @lapor1708",
       "@lapor1708 Lampu jalan di Jl. Sam Ratulangi Sorong mati sejak hari Senin"},
  }};
  for (const auto& [a, b] : same) {
    INFO(std::string(b));
    CHECK_FALSE(sketch_substitutes_word(as_written(a), as_written(b)));
  }
  // A sketch without the words as written (version 4) never raises the doubt.
  CHECK_FALSE(sketch_substitutes_word(sketch_of(copies[0].first, {}), as_written(copies[0].second)));

  dedup_index idx;
  idx.add(21, 21, t0, as_written(copies[0].first));
  idx.commit();
  const auto d = idx.lookup(as_written(copies[0].second), t0 + day_ms);
  CHECK(d.what == dedup_decision::kind::possible);
  REQUIRE(d.doubt != nullptr);
  CHECK(std::string(d.doubt) == "swap");
  CHECK(idx.lookup(as_written(copies[0].first), t0 + day_ms).what == dedup_decision::kind::duplicate);
}

TEST_CASE("index: a document and whose it is named on one side only is a doubt, never a merge") {
  // The reporter's own KTP and the mother's: one office, one wording, two applications.
  const char* own = "KTP el sy sdh 3 bln blm jadi di Dukcapil Maros, alasan blangko habis. kel Pallantikang";
  const char* mother = "KTP el ibu sy sdh 3 bln blm jadi di Dukcapil Maros, alasan blangko habis. kel Pallantikang";
  CHECK(sketch_names_document_holder_once(sketch_of(own, {}), sketch_of(mother, {})));
  CHECK_FALSE(sketch_names_document_holder_once(sketch_of(mother, {}), sketch_of(mother, {})));
  // Without a document, naming a relative on one side is no doubt ("anak saya" in a reminder).
  CHECK_FALSE(sketch_names_document_holder_once(sketch_of("banjir di gang kami", {}),
                                                sketch_of("banjir di gang kami, anak saya tidak bisa sekolah", {})));
  dedup_index idx;
  idx.add(5, 5, t0, sketch_of(own, {"tel:+6281444444444"}));
  idx.commit();
  const auto d = idx.lookup(sketch_of(mother, {"tel:+6281444444444"}), t0 + day_ms);
  CHECK(d.what == dedup_decision::kind::possible);
  CHECK(std::string(d.doubt) == "holder");
}

TEST_CASE("index: sure of two different complaints of one reporter is a hint naming both, never a guess") {
  // The outside probe: the road at SD Negeri 3 and at SMP Negeri 3 of one village, then
  // "Jalan rusak berlubang di Baamang", merged with certainty into one of the two.
  const auto placed = [](std::string_view text) { return with_event(text, "tel:+6281777777777", "62.02.05.1001"); };
  const auto sd = placed("Jalan rusak berlubang di depan SD Negeri 3 Baamang, mohon diperbaiki");
  const auto smp = placed("Jalan rusak berlubang di depan SMP Negeri 3 Baamang, mohon diperbaiki");
  const auto later = placed("Jalan rusak berlubang di Baamang, mohon diperbaiki");
  dedup_index one;
  one.add(51, 51, t0, sd);
  one.commit();
  REQUIRE(one.lookup(later, t0 + day_ms).what == dedup_decision::kind::duplicate);  // alone: sure
  dedup_index both;
  both.add(51, 51, t0, sd);
  both.add(52, 52, t0 + 1000, smp);
  both.commit();
  const auto d = both.lookup(later, t0 + day_ms);
  CHECK(d.what == dedup_decision::kind::possible);
  REQUIRE(d.doubt != nullptr);
  CHECK(std::string(d.doubt) == "ambiguous");
  REQUIRE(d.possible.size() == 2);
  CHECK(((d.possible[0].of == 51 && d.possible[1].of == 52) || (d.possible[0].of == 52 && d.possible[1].of == 51)));
}

TEST_CASE("index: the same words about a relative on one side only are two people's complaints") {
  const auto placed = [](std::string_view text) { return with_event(text, "tel:+6281888888888", "91.20.01.2003"); };
  dedup_index idx;
  idx.add(61, 61, t0, placed("Kartu BPJS PBI saya di kampung Kasonaweja nonaktif, tidak bisa berobat"));
  idx.commit();
  const auto d = idx.lookup(placed("Kartu BPJS PBI istri saya di kampung Kasonaweja nonaktif, tidak bisa berobat"), t0 + day_ms);
  CHECK(d.what != dedup_decision::kind::duplicate);
  const auto again = idx.lookup(placed("Kartu BPJS PBI saya di kampung Kasonaweja nonaktif, tidak bisa berobat"), t0 + day_ms);
  CHECK(again.what == dedup_decision::kind::duplicate);
}

TEST_CASE("sketch: a region's name found in the other report's words, as written or as a typo of a long word") {
  const auto naming = [](std::string_view text) {
    match_sketch s = sketch_of(text, {});
    add_verbatim_words(s, text, lexicon::embedded());
    return s;
  };
  const auto placed_in = [](std::string_view name) {
    match_sketch s;
    set_region_name(s, name);
    return s;
  };
  CHECK(sketch_names_region_of(naming("Token PLN 200rb gak masuk2, Karang Anyar Pantai"), placed_in("Karang Anyar Pantai")));
  // Every word of the name: "Karang Anyar" is another kelurahan.
  CHECK_FALSE(sketch_names_region_of(naming("Token PLN gak masuk, Karang Anyar"), placed_in("Karang Anyar Pantai")));
  // A typo of a long word keeps its consonants; a short word must be written as it is
  // ("kurang" has the consonants of "karang").
  CHECK(sketch_names_region_of(naming("sumpang binange msh padam tiap malam"), placed_in("Sumpang Binangae")));
  CHECK_FALSE(sketch_names_region_of(naming("listrik kurang stabil tiap malam"), placed_in("Karang")));
  // A name of short words only is no evidence; neither is a text too long to keep as written.
  CHECK(placed_in("Air").region_name.empty());
  CHECK_FALSE(sketch_names_region_of(naming("air mati di rumah"), placed_in("Air")));
  std::string longer;
  for (int i = 0; i < 60; ++i) longer += "kata" + std::to_string(i) + " ";
  CHECK_FALSE(sketch_names_region_of(naming(longer + "Karang Anyar Pantai"), placed_in("Karang Anyar Pantai")));
}

TEST_CASE("index: a short SMS naming the village another report was placed in shares its place") {
  // The SMS names no problem the taxonomy knows ("token … gak masuk"): its text must agree
  // from unknown_problem_score and its place be established, which the village's name does.
  const char* web =
      "Token PLN gagal masuk di rumah saya di Kelurahan Karang Anyar Pantai, Tarakan Barat. Meteran listrik "
      "menolak kode token 200rb yang baru dibeli.";
  const auto placed = [&](const char* village) {
    match_sketch s = with_event(web, "tel:+6281344444444", "65.71.01.1003");
    set_region_name(s, village);
    return s;
  };
  const auto sms = [](std::string_view text) {
    match_sketch s = with_event(text, "tel:+6281344444444", "");
    add_verbatim_words(s, text, lexicon::embedded());
    return s;
  };
  const char* named = "Token PLN 200rb gak masuk2, Karang Anyar Pantai";
  const char* other = "Token PLN 200rb gak masuk2, Karang Rejo";
  REQUIRE(sms(named).what.problems == 0);
  {
    dedup_index idx;
    idx.add(9, 9, t0, placed("Karang Anyar Pantai"));
    idx.commit();
    const auto d = idx.lookup(sms(named), t0 + day_ms);
    REQUIRE(d.score >= idx.thresholds().unknown_problem_score);
    CHECK(d.what == dedup_decision::kind::duplicate);
    // Another village named: not established; a hint.
    CHECK(idx.lookup(sms(other), t0 + day_ms).what == dedup_decision::kind::possible);
  }
  {
    // A row of version 5 kept no region name: the same SMS is a hint, as before.
    dedup_index idx;
    idx.add(9, 9, t0, placed(""));
    idx.commit();
    CHECK(idx.lookup(sms(named), t0 + day_ms).what == dedup_decision::kind::possible);
  }
}

TEST_CASE("index: an Anonim or Rahasia original takes a merge only from an identity the channel proves") {
  const char* phone = "tel:+6281299990002";
  const auto report = [&](bool confidential, bool proven) {
    match_sketch s = sketch_of(web_text, {phone});
    s.confidential = confidential;
    if (proven) s.proven = 1;  // identities[0], the phone
    return s;
  };
  dedup_index idx;
  idx.add(20, 20, t0, report(true, false));  // an Anonim app report stating the phone
  idx.commit();
  // Someone typing that phone into a tweet or an app: its own complaint, a hint for the verifier.
  const auto stated = idx.lookup(report(false, false), t0 + day_ms);
  CHECK(stated.what == dedup_decision::kind::possible);
  CHECK(std::string(stated.doubt) == "unproven");
  // The same phone as an SMS's sender (the operator's network proves it): merged.
  CHECK(idx.lookup(report(false, true), t0 + day_ms).what == dedup_decision::kind::duplicate);
  // A duplicate of the confidential original, itself not confidential, tells the original's ID
  // too: the same rule.
  idx.add(21, 20, t0 + 1, report(false, true));
  idx.commit();
  CHECK(idx.lookup(report(false, false), t0 + day_ms).what == dedup_decision::kind::possible);
  // An ordinary original takes a merge from a stated identity, as before.
  dedup_index plain;
  plain.add(30, 30, t0, report(false, false));
  plain.commit();
  CHECK(plain.lookup(report(false, false), t0 + day_ms).what == dedup_decision::kind::duplicate);
  // Rolled back or expired, the mark goes with the entry.
  dedup_index staged;
  staged.add(40, 40, t0, report(true, false));
  staged.rollback();
  staged.add(41, 41, t0, report(false, false));
  staged.commit();
  CHECK(staged.lookup(report(false, false), t0 + day_ms).what == dedup_decision::kind::duplicate);
}

TEST_CASE("sketch: a name extended by one word (Baru, Utara, II) in otherwise the same words is another place") {
  const auto written = [](std::string_view text) {
    match_sketch s = sketch_of(text, {});
    add_verbatim_words(s, text, lexicon::embedded());
    return s;
  };
  const auto a = written("sampah numpuk di pinggir kali Jatibening, Pondokgede, udah seminggu");
  CHECK(sketch_extends_name(a, written("sampah numpuk di pinggir kali Jatibening Baru, Pondokgede, udah seminggu")));
  CHECK(sketch_extends_name(written("Dermaga Bailo Baru Ampana rusak"), written("Dermaga Bailo Ampana rusak")));
  // Words added that extend no name, or a text rewritten: detail, not another place.
  CHECK_FALSE(sketch_extends_name(a, written("sampah numpuk di pinggir kali Jatibening, Pondokgede, udah seminggu lebih")));
  CHECK_FALSE(sketch_extends_name(a, a));
  CHECK_FALSE(sketch_extends_name(written("Baru sampah numpuk"), written("sampah numpuk")));  // not after a word
}

TEST_CASE("index: a reply in the conversation of the reporter's complaint is about it, whatever its words") {
  const auto tweet = [](std::string_view text, std::uint64_t id, std::uint64_t conversation) {
    match_sketch s = sketch_of(text, {"twitter:warga_sampit"});
    s.what = event_taxonomy::embedded().read(text);
    s.tweet = id;
    s.conversation = conversation;
    add_verbatim_words(s, text, lexicon::embedded());
    return s;
  };
  dedup_index idx;
  idx.add(50, 50, t0, tweet("@lapor1708 lampu jalan di Jl. Tjilik Riwut km 5 Sampit mati semua sejak Senin", 777, 0));
  idx.commit();
  const char* reminder = "Sudah seminggu belum ada tanggapan, masih gelap";
  // In the conversation the complaint began: a duplicate (a follow-up). In another one, or
  // none, the same words: not sure.
  CHECK(idx.lookup(tweet(reminder, 778, 777), t0 + day_ms).what == dedup_decision::kind::duplicate);
  CHECK(idx.lookup(tweet(reminder, 778, 999), t0 + day_ms).what != dedup_decision::kind::duplicate);
  CHECK(idx.lookup(tweet(reminder, 778, 0), t0 + day_ms).what != dedup_decision::kind::duplicate);
  // A conflict still decides: another problem in the thread is another complaint.
  CHECK(idx.lookup(tweet("Satu lagi, jalan di depan rumah rusak berlubang parah", 779, 777), t0 + day_ms).what !=
        dedup_decision::kind::duplicate);
}

TEST_CASE("index: a short reminder naming a tracking ID is about that complaint of the reporter, else a hint") {
  dedup_index idx;
  idx.add(60, 60, t0, sketch_of(web_text, {"tel:+6281255550060"}));
  idx.add(61, 61, t0 + 1000, sketch_of("Air PDAM di desa Soren tidak mengalir sudah dua minggu", {"tel:+6281255550060"}));
  idx.commit();
  match_sketch reminder = sketch_of("LPR-3KQ7-W8ND-2 kapan?", {"tel:+6281255550060"});
  reminder.tracking_reminder = true;
  reminder.cites = {60};  // the ID decodes to the first complaint
  const auto d = idx.lookup(reminder, t0 + day_ms);
  CHECK(d.what == dedup_decision::kind::duplicate);
  CHECK(d.of == 60);
  CHECK(d.followup);
  // An ID that is none of the reporter's (mistyped): a hint to their newest complaint.
  reminder.cites = {999};
  const auto hint = idx.lookup(reminder, t0 + day_ms);
  CHECK(hint.what == dedup_decision::kind::possible);
  CHECK(hint.of == 61);
  CHECK(std::string(hint.doubt) == "reminder");
  // Another reporter naming the ID: nothing (not theirs).
  reminder.identities = {stable_hash64("tel:+6281299999999")};
  reminder.cites = {60};
  CHECK(idx.lookup(reminder, t0 + day_ms).what == dedup_decision::kind::original);
}
