// The event a complaint describes (gateway/dedup/event.h): problems, cues, places, and how two
// events compare.
#include <doctest/doctest.h>

#include <string>

#include "gateway/dedup/event.h"

using namespace lapor::dedup;

TEST_CASE("event taxonomy: problems from words, phrases, pairs in a clause and affixes; cues") {
  const auto& t = event_taxonomy::embedded();
  const auto names = [&](std::string_view text) { return t.problem_names(t.read(text).problems); };
  CHECK(names("Air PDAM tidak mengalir 3 hari") == "water");
  CHECK(names("Lampu jalan mati di depan masjid") .find("street_light") != std::string::npos);
  CHECK(names("jalan di desa kami rusak parah") == "road");               // a pair within one clause
  CHECK(names("jln rusak parah") == "road");                              // SMS shorthand read as words
  CHECK(names("jalan mulus, tetapi sampah menumpuk") == "garbage");       // different clauses: no pair
  CHECK(names("selokan tersumbat, rumah tergenang") == "flood");          // affixes: ter-
  CHECK(names("pelayanan ramah dan cepat").empty());
  CHECK((t.read("sudah saya laporkan kemarin, belum ada tanggapan").cues & cue_followup) != 0);
  CHECK((t.read("banjir lagi untuk kedua kalinya").cues & cue_new_incident) != 0);
  CHECK((t.read("sudah diperbaiki tapi sekarang bocor").cues & cue_changed) != 0);
  CHECK((t.read("KTP sdh jadi, mksh. Tp pas ambil diminta uang 20rb").cues & cue_changed) != 0);  // set G's g0135
  CHECK((t.read("Tiang sdh diganti, tp tegangan naik turun").cues & cue_changed) != 0);
  CHECK((t.read("air di rumah mertua saya mati").cues & cue_other_household) != 0);
  CHECK(t.read("Senin dan Kamis pemadaman").weekdays == 0b1001);
}

TEST_CASE("event taxonomy: 'hari ini' and 'kemarin' date the incident by the day it was sent") {
  const auto& t = event_taxonomy::embedded();
  CHECK(t.read("Hari ini pengambilan kartu ujian di SMPN 4 dipungut 50rb").relative_days == relative_today);
  CHECK(t.read("anak sy kmrn digigit anjing").relative_days == relative_yesterday);  // SMS form
  // Not the incident's day: a span up to now, a report's day, or a weekday named with it.
  CHECK(t.read("sampai hari ini belum diperbaiki").relative_days == 0);
  CHECK(t.read("sudah 3 hari ini air mati").relative_days == 0);
  CHECK(t.read("laporan kemarin belum ada tanggapan").relative_days == 0);
  const event friday = t.read("Jumat kmrn pengambilan rapor dipungut 50rb");
  CHECK(friday.relative_days == 0);
  CHECK(friday.weekdays == 1u << 4);
  // Sent on a Tuesday (1): "hari ini" is Tuesday, "kemarin" Monday; Sunday has no bit.
  event today = t.read("Hari ini dipungut 50rb"), yesterday = t.read("kemarin dipungut 50rb");
  with_sent_day(today, 1);
  with_sent_day(yesterday, 2);  // sent on Wednesday
  CHECK((today.weekdays & weekday_bits) == 1u << 1);
  CHECK((yesterday.weekdays & weekday_bits) == 1u << 1);
  CHECK((today.weekdays & only_relative_days) != 0);
  CHECK(compare(friday, today).day_conflict);  // a named Friday, a Tuesday: two days
  CHECK_FALSE(compare(today, yesterday).day_conflict);        // the same Tuesday
  // Both only relative: no conflict, whatever the days (a copy sent a day later says "kemarin").
  event copy = t.read("kemarin dipungut 50rb");
  with_sent_day(copy, 4);
  CHECK_FALSE(compare(yesterday, copy).day_conflict);
  event sunday = t.read("hari ini dipungut");
  with_sent_day(sunday, 6);
  CHECK(sunday.weekdays == (only_relative_days | 1u << 6));
  // Minggu is Sunday only where it cannot be "week".
  CHECK(t.read("malam Minggu kemarin antre 8 jam").weekdays == (1u << 6 | 1u << 5));  // Saturday night
  CHECK(t.read("malam Jumat kemarin antre").weekdays == (1u << 4 | 1u << 3));
  CHECK_FALSE(compare(t.read("malam Jumat ada begal"), t.read("Kamis malam ada begal")).day_conflict);
  CHECK(t.read("hari minggu pasar tutup").weekdays == 1u << 6);
  CHECK(t.read("minggu lalu pasar tutup").weekdays == 0);
  CHECK(compare(t.read("malam Jumat kemarin antre 6 jam"), t.read("malam Minggu kemarin antre 8 jam")).day_conflict);
  // Another victim is another incident.
  CHECK((t.read("Ini korban kedua setelah anak saya minggu lalu").cues & cue_new_incident) != 0);
}

TEST_CASE("event taxonomy: SMS forms without vowels, main problems, households and other places") {
  const auto& t = event_taxonomy::embedded();
  const auto names = [&](std::string_view text) { return t.problem_names(t.read(text).problems); };
  // A vowel-dropped SMS form is read as the listed word whose skeleton it is…
  CHECK(names("pmbgian brs bnsos gk rata").find("social_aid") != std::string::npos);
  CHECK(names("antrn ambil ktp pjg bgt").find("queue") != std::string::npos);
  // …but not a word as long as the listed one ("antar" is not "antre").
  CHECK(names("antar jemput anak").empty());
  // The main problem: what the text names most, not what it mentions on the way.
  const auto e = t.read("Jalan rusak berlubang, aspal amblas, antrean truk mengular");
  CHECK(t.problem_names(e.main) == "road");
  CHECK((e.problems & ~e.main) != 0);
  // Another household is a relative's house or another premises, not a relative named.
  CHECK((t.read("listrik rmh ortu sy padam").cues & cue_other_household) != 0);
  CHECK((t.read("air PDAM di warung saya tidak mengalir").cues & cue_other_household) != 0);
  CHECK((t.read("saya orang tua siswa kelas 4").cues & cue_other_household) == 0);
  // A comparison with another place, and "selain …" adding another matter.
  CHECK((t.read("di SDI Oebobo murid duduk di lantai, sama seperti di SDI Oepura").cues & cue_elsewhere) != 0);
  CHECK((t.read("Psr Panorama jg sama, sampah numpuk").cues & cue_elsewhere) != 0);
  CHECK((t.read("selain PKH belum cair, pendamping minta uang").cues & cue_changed) != 0);
  CHECK((t.read("lanjut laporan listrik kemarin").cues & cue_followup) != 0);
  // "lagi" after a reporting verb is a reminder; after the problem, a new occurrence.
  CHECK(t.read("Maaf mengingatkan lagi, murid masih duduk di lantai").cues == cue_followup);
  CHECK((t.read("Lapor lg soal kantor desa yang tutup").cues & cue_new_incident) == 0);
  CHECK((t.read("lampu jalan mati lagi").cues & cue_new_incident) != 0);
  CHECK((t.read("mengingatkan lagi: sekarang banjir lagi").cues & cue_new_incident) != 0);
}

TEST_CASE("event taxonomy: objects, the things a problem is about; two reports naming none in common differ") {
  const auto& t = event_taxonomy::embedded();
  const auto pole = t.read("Tiang listrik PLN di depan rumah kami miring ke arah atap rumah");
  const auto cable = t.read("Kabel sambungan listrik PLN menjuntai rendah di jalan desa");
  const auto both = t.read("tiang PLN miring, kabelnya hampir putus");
  const auto none = t.read("listrik PLN di desa kami bermasalah");
  CHECK(pole.objects != 0);
  CHECK(compare(pole, cable).objects_differ);
  CHECK_FALSE(compare(pole, both).objects_differ);   // one in common
  CHECK_FALSE(compare(cable, both).objects_differ);  // "kabelnya": read under its stem
  CHECK_FALSE(compare(none, cable).objects_differ);  // one names none: nothing to compare
  CHECK(t.read("mohon diperbaiki segera").objects == 0);
  CHECK(compare(t.read("Lift di halte TransJakarta Cawang rusak"),
                t.read("Mesin tap kartu di halte TransJakarta Cawang sering error")).objects_differ);
  // Ambonese "seng" (not) is no roof: "air seng kaluar" names no object.
  CHECK(t.read("air seng kaluar su tiga hari").objects == 0);
  std::string error;
  auto ok = event_taxonomy::parse("problem building: bocor\nobject roof: atap\nobject door: pintu gerbang\n", error);
  REQUIRE(ok);
  CHECK(ok->read("atap bocor").objects == 1);
  CHECK(ok->read("gerbang roboh").objects == 2);
  CHECK(ok->read("atap bocor").problems == 1);
  CHECK_FALSE(event_taxonomy::parse("object : atap\n", error));
  CHECK(error.find("object needs a name") != std::string::npos);
}

TEST_CASE("event taxonomy: malformed entries are refused, naming the line") {
  std::string error;
  CHECK_FALSE(event_taxonomy::parse("problem water: pdam\nproblem : x\n", error));
  CHECK(error.find("line 2") != std::string::npos);
  CHECK_FALSE(event_taxonomy::parse("colour: merah\n", error));
  CHECK_FALSE(event_taxonomy::parse("problem road: Jalan\n", error));  // not lowercase
  CHECK_FALSE(event_taxonomy::parse("problem road: +rusak\n", error));
  std::string many;
  for (int i = 0; i < 65; ++i) many += "problem p" + std::to_string(i) + ": w" + std::to_string(i) + "\n";
  CHECK_FALSE(event_taxonomy::parse(many, error));
  auto ok = event_taxonomy::parse("# x\nproblem road: jalan+rusak lubang\nfollowup: sudah_lapor\n", error);
  REQUIRE(ok);
  CHECK(ok->read("jalan itu rusak").problems == 1);
  CHECK(ok->read("ada lubang").problems == 1);
  CHECK(ok->read("sudah lapor").cues == cue_followup);
  CHECK_FALSE(event_taxonomy::parse("fallback power: padam\nproblem power: listrik\n", error));  // listed after
  CHECK(error.find("fallback of a problem not listed") != std::string::npos);
}

TEST_CASE("event taxonomy: plain words are no vowel-dropped form; a reduplication's 2 parts no phrase") {
  const auto& t = event_taxonomy::embedded();
  const auto names = [&](std::string_view text) { return t.problem_names(t.read(text).problems); };
  CHECK(names("gang sempit di belakang pasar").empty());  // an alley, not "genang"
  CHECK(names("antrean mengular sampai jalan") == "queue");  // not "ular", a snake
  CHECK(names("anjing2 liar di pasar Ranai") == "animal");    // "anjing_liar" across the 2
  CHECK(names("anjing 2 ekor liar").empty());                 // a count written apart is a word
  std::string error;
  auto plain = event_taxonomy::parse("problem flood: genang\nplain: gang\n", error);
  REQUIRE(plain);
  CHECK(plain->read("gng").problems == 1);  // the SMS form still reads
  CHECK(plain->read("gang").problems == 0);
}

TEST_CASE("event taxonomy: a request for information, another's premises from slots of alternatives") {
  const auto& t = event_taxonomy::embedded();
  CHECK((t.read("Kami mohon informasi jadwal imunisasi anak di Puskesmas Kanggime").cues & cue_information) != 0);
  // A complaint asking to be told the schedule is still a complaint.
  CHECK((t.read("Mohon Dinas Perhubungan memberi informasi jadwal yang jelas").cues & cue_information) == 0);
  CHECK(compare(t.read("Puskesmas kehabisan obat malaria"), t.read("Permintaan informasi jadwal vaksinasi")).kind_differs);
  CHECK((t.read("kebun mertua di sebelah kebun saya terbakar").cues & cue_other_household) != 0);
  CHECK((t.read("rumah tetangga sa belum dapat bantuan").cues & cue_other_household) != 0);
  CHECK((t.read("rumah tetangga juga kebanjiran").cues & cue_other_household) == 0);  // no owner named
  std::string error;
  auto slots = event_taxonomy::parse("household: rumah|kebun_ibu|bapak\n", error);
  REQUIRE(slots);
  for (const char* text : {"rumah ibu", "rumah bapak", "kebun ibu", "kebun bapak"})
    CHECK(slots->read(text).cues == cue_other_household);
  CHECK_FALSE(event_taxonomy::parse("household: rumah||kebun_ibu\n", error));
  CHECK(error.find("empty alternative") != std::string::npos);
}

TEST_CASE("event taxonomy: a fallback word names its problem only when the text names no other") {
  std::string error;
  auto t = event_taxonomy::parse("problem power: listrik_mati\nproblem light: lampu_jalan\nfallback power: padam\n", error);
  REQUIRE(t);
  CHECK(t->read("utk laporan padam di Tompotikka").problems == 1);
  CHECK(t->read("utk laporan padam di Tompotikka").main == 1);
  CHECK(t->read("lampu jalan padam semua").problems == 2);  // a street light, not an outage
  CHECK(t->read("lampu jalan padam semua").main == 2);
  CHECK(t->read("tidak ada apa apa").problems == 0);
  // In the embedded taxonomy: "PJU padam" against "lampu jalan mati" adds no problem.
  const auto& e = event_taxonomy::embedded();
  CHECK(e.problem_names(e.read("pju jln cendrawasih padam kurleb satu kilo").problems) == "street_light");
  const event vague = e.read("utk laporan padam di tompotikka");
  CHECK(e.problem_names(vague.problems) == "electricity,street_light");  // either went out
  CHECK((vague.cues & cue_vague_problem) != 0);
  // It agrees with either, adds neither, and conflicts with a road.
  const auto with = [&](const char* earlier) { return compare(e.read(earlier), vague); };
  CHECK(with("Listrik PLN di Tompotikka mati tiap malam").problem_agrees);
  CHECK_FALSE(with("Listrik PLN di Tompotikka mati tiap malam").adds_problem);
  CHECK(with("lampu jalan di Tompotikka mati").problem_agrees);
  CHECK(with("jalan rusak berlubang di Tompotikka").problem_conflict);
}

TEST_CASE("place codes: containment by level; events compare on problem, place, days, households") {
  const auto bogor = place_code::parse("32.71"), batutulis = place_code::parse("32.71.01.1001"),
             jabar = place_code::parse("32"), sby = place_code::parse("35.78");
  CHECK(bogor.level == 2);
  CHECK(batutulis.level == 4);
  CHECK(bogor.contains(batutulis));
  CHECK(jabar.contains(bogor));
  CHECK_FALSE(batutulis.contains(bogor));
  CHECK_FALSE(bogor.contains(sby));
  CHECK_FALSE(place_code::parse("32.7"));
  CHECK_FALSE(place_code::parse("x"));

  event a, b;
  a.problems = 1, b.problems = 2;
  CHECK(compare(a, b).problem_conflict);
  b.problems = 3, b.main = 2;
  auto c = compare(a, b);
  CHECK(c.problem_agrees);
  CHECK(c.adds_problem);  // mainly about problem 2, which the earlier one does not name
  CHECK(c.mentions_other);
  b.main = 3;
  CHECK(compare(a, b).adds_problem);
  b.main = 1;
  CHECK_FALSE(compare(a, b).adds_problem);  // mentions problem 2 on the way
  CHECK(compare(a, b).mentions_other);
  a.place = place_code::parse("32.71.01"), b.place = batutulis;
  c = compare(a, b);
  CHECK(c.place_agrees);
  CHECK(c.place_agrees_closely);
  b.place = sby;
  CHECK(compare(a, b).place_conflict);
  a.weekdays = 1, b.weekdays = 2;
  CHECK(compare(a, b).day_conflict);
  b.cues = cue_other_household;
  CHECK(compare(a, b).household_differs);
  b.cues = cue_elsewhere;
  CHECK(compare(a, b).elsewhere);
  CHECK_FALSE(compare(b, a).elsewhere);  // only the later report comparing counts
  b.cues = 0;
  a.named[0] = bogor, a.named_count = 1;
  b.named[0] = sby, b.named_count = 1;
  CHECK(compare(a, b).named_conflict);
  b.named[1] = batutulis, b.named_count = 2;
  CHECK_FALSE(compare(a, b).named_conflict);
}

TEST_CASE("event taxonomy: a complaint's texts split once read as their lines joined") {
  // The pipeline splits the location, title and body once (region::split_input) for the region
  // resolver and this reader; the event must be the one of "title\nbody\nlocation".
  const auto& t = event_taxonomy::embedded();
  const auto same = [&](std::string_view location, std::string_view title, std::string_view body) {
    lapor::region::input_words words;
    lapor::region::split_input(location, title, body, words);
    const event split = t.read(words);
    const event joined = t.read(std::string(title) + "\n" + std::string(body) + "\n" + std::string(location));
    CHECK(split.problems == joined.problems);
    CHECK(split.main == joined.main);
    CHECK(split.objects == joined.objects);
    CHECK(split.cues == joined.cues);
    CHECK(split.weekdays == joined.weekdays);
    CHECK(split.relative_days == joined.relative_days);
  };
  same("", "", "jln rusak parah sdh 3 bln, lampu jalan mati");
  same("Kel. Sukajadi", "Lampu jalan", "mati sejak hari ini");  // a pair across title and body: none
  same("jalan", "", "rusak");                                   // nor across body and location
  same("sudah saya", "", "laporkan kemarin");                   // no phrase across texts
  same("malam", "Jumat kemarin", "hari ini pemadaman, sudah lapor lagi");
  same("Desa Suka-", "Air -", "-mati, tidak mengalir");
  same("", "", "");
}
