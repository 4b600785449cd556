#include "bench/smpp_load/complaint_texts.h"

#include <array>
#include <cstdio>
#include <string_view>

#include "channels/sms/text_encoding.h"

namespace lapor::bench {

namespace {

// {s} street, {h} house number, {r} RT/RW, {p} place, {c} city, {n} a small count.
constexpr std::array<std::string_view, 12> templates = {
    "Aspal di {s} No. {h} rusak parah, banyak lubang, sudah {n} bulan tidak diperbaiki. RT {r}, {p}, {c}.",
    "Lampu PJU di {s} No. {h} mati sejak {n} hari, rawan begal malam hari. RT {r}, {p}, {c}.",
    "Sampah menumpuk di TPS dekat {s} No. {h}, bau dan belum diangkut {n} hari. RT {r}, {p}, {c}.",
    "Air PDAM mati {n} hari tanpa pemberitahuan di {s} No. {h}, RT {r}, {p}, {c}. Mohon dicek.",
    "Banjir setinggi {n}0 cm di {s} No. {h}, drainase tersumbat. RT {r}, {p}, {c}.",
    "Pungli di kantor {p}, {c}: diminta Rp {n}0.000 untuk surat pengantar. {s} No. {h}, RT {r}.",
    "Bansos PKH belum cair {n} bulan, warga {s} No. {h}, RT {r}, {p}, {c}. Mohon ditindaklanjuti.",
    "Puskesmas {p} {c} tutup jam 11 siang, pasien terlantar. Pelapor warga {s} No. {h}, RT {r}.",
    "Pembuatan KTP-el di Disdukcapil {c} sudah {n} bulan belum jadi. Alamat {s} No. {h}, RT {r}, {p}.",
    "Jembatan dekat {s} No. {h} ambruk, anak sekolah memutar {n} km. RT {r}, {p}, {c}.",
    "ASPIRASI mohon dibangun taman bermain anak di {s} No. {h}, RT {r}, {p}, {c}. Sudah {n} tahun diusulkan.",
    "INFO jadwal vaksinasi dan posyandu untuk warga {s} No. {h}, RT {r}, {p}, {c} bulan ke-{n}?",
};
constexpr std::array<std::string_view, 10> streets = {
    "Jl. Ahmad Yani", "Jl. Sudirman",   "Jl. Diponegoro", "Jl. Gajah Mada", "Jl. Imam Bonjol",
    "Jl. Tjilik Riwut", "Jl. Pattimura", "Jl. RTA Milono", "Jl. Kartini",   "Jl. Hasanuddin",
};
constexpr std::array<std::string_view, 10> places = {
    "Kel. Menteng", "Desa Sukamaju", "Kel. Panarung", "Desa Tumbang Nusa", "Kel. Cempaka Putih",
    "Desa Sidorejo", "Kel. Langkai", "Desa Mekarsari", "Kel. Bukit Tunggal", "Desa Karanganyar",
};
constexpr std::array<std::string_view, 10> cities = {
    "Palangka Raya", "Bandung", "Surabaya", "Makassar", "Medan", "Semarang", "Kupang", "Pontianak",
    "Ambon",         "Mataram",
};

// Pools of the varied style; every entry is plain GSM 03.38.
constexpr std::array<std::string_view, 16> openings = {
    "Lapor,", "Mohon perhatian,", "Pak, tolong", "Bu, mohon", "Selamat pagi,", "Assalamualaikum,",
    "Permisi,", "Tolong dibantu,", "Saya mau lapor,", "Kami warga mengeluh,", "Mohon tindak lanjut,",
    "Sore pak,", "Maaf mengganggu,", "Keluhan:", "Aduan warga:", "Tolong segera,",
};
constexpr std::array<std::string_view, 32> problems = {
    "jalan berlubang", "lampu jalan padam", "sampah tidak diangkut", "air PDAM keruh", "got mampet",
    "pohon tumbang menutup jalan", "kabel listrik menjuntai", "parkir liar di trotoar", "pungutan liar sekolah",
    "antrian BPJS berjam jam", "guru jarang masuk kelas", "obat puskesmas habis", "tanggul jebol",
    "asap pabrik menyesakkan", "bising knalpot balap liar", "pedagang menutup trotoar", "angkot ngetem sembarangan",
    "jembatan kayu lapuk", "sinyal hilang total", "harga pupuk mahal", "beras bansos berkutu", "ambulans telat datang",
    "izin usaha dipersulit", "sertifikat tanah tidak selesai", "gaji honorer belum dibayar", "rumah sakit menolak pasien",
    "banjir rob masuk rumah", "limbah dibuang ke sungai", "anjing liar menggigit anak", "lampu merah rusak",
    "drainase tidak pernah dikeruk", "tiang listrik miring",
};
constexpr std::array<std::string_view, 24> details = {
    "dekat masjid", "depan sekolah", "di belakang pasar", "samping kantor desa", "di gang sempit",
    "arah terminal", "dekat jembatan", "seberang puskesmas", "ujung kampung", "di perumahan baru",
    "dekat rel kereta", "pinggir sungai", "di tikungan tajam", "depan kantor camat", "dekat lapangan bola",
    "di jalur sekolah", "dekat pos ronda", "di kompleks ruko", "belakang gereja", "sebelah SPBU",
    "dekat pemakaman", "di jalan desa", "arah bandara", "dekat pelabuhan",
};
constexpr std::array<std::string_view, 16> requests = {
    "Mohon segera diperbaiki.", "Tolong ditindak.", "Warga resah.", "Sudah sering lapor tapi diam saja.",
    "Anak anak jadi korban.", "Mohon dicek petugas.", "Terima kasih.", "Kami menunggu jawaban.",
    "Bagaimana solusinya?", "Jangan cuma janji.", "Mohon diumumkan jadwalnya.", "Sangat membahayakan.",
    "Ekonomi warga terganggu.", "Mohon diawasi.", "Segera turun ke lapangan.", "Sudah viral di grup RT.",
};

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::string varied_text(std::uint64_t index) {
  std::uint64_t r = splitmix64(index);
  auto pick = [&](auto& pool) -> std::string_view {
    auto v = pool[r % pool.size()];
    r /= pool.size();
    return v;
  };
  const auto opening = pick(openings), problem = pick(problems), detail = pick(details), second = pick(problems);
  const auto street = pick(streets), city = pick(cities);
  const auto days = 2 + r % 28;
  const bool weeks = (r / 28) % 3 == 0;
  const bool two_problems = (r / 84) % 2 == 1 && second != problem;
  std::string s;
  s.append(opening).append(" ").append(problem).append(" ").append(detail);
  std::string tail = " sejak " + std::to_string(days) + (weeks ? " minggu, " : " hari, ") + std::string(street) + " " +
                     std::to_string(index % 997 + 1) + " " + std::string(city) + ". " +
                     std::string(requests[(index / 997 + r / 168) % requests.size()]);
  if (two_problems && s.size() + 5 + second.size() + tail.size() <= 160) s.append(" dan ").append(second);
  return s + tail;
}

void replace_all(std::string& s, std::string_view key, std::string_view value) {
  for (auto at = s.find(key); at != std::string::npos; at = s.find(key, at + value.size()))
    s.replace(at, key.size(), value);
}

}  // namespace

std::string complaint_text(std::uint64_t index, text_style style) {
  if (style == text_style::varied) return varied_text(index);
  // Mixed radix: template 12, house 250, RT 20, RW 15, street 10, place 10, city 10.
  std::uint64_t i = index;
  auto digit = [&](std::uint64_t radix) {
    auto d = i % radix;
    i /= radix;
    return d;
  };
  const auto t = digit(templates.size());
  const auto house = 1 + digit(250);
  const auto rt = 1 + digit(20);
  const auto rw = 1 + digit(15);
  const auto street = digit(streets.size());
  const auto place = digit(places.size());
  const auto city = digit(cities.size());
  const auto n = 2 + (index * 7) % 9;

  std::string s(templates[t]);
  char rtrw[16];
  std::snprintf(rtrw, sizeof rtrw, "%02u/%02u", static_cast<unsigned>(rt), static_cast<unsigned>(rw));
  replace_all(s, "{s}", streets[street]);
  replace_all(s, "{h}", std::to_string(house));
  replace_all(s, "{r}", rtrw);
  replace_all(s, "{p}", places[place]);
  replace_all(s, "{c}", cities[city]);
  replace_all(s, "{n}", std::to_string(n));
  return s;
}

sms::bytes complaint_septets(std::uint64_t index, text_style style) {
  // Every template is plain GSM (no extension characters) and at most ~150 characters with
  // the longest substitutions; a longer text is cut rather than split (one MO per message).
  auto septets = sms::encode_gsm7(complaint_text(index, style));
  if (!septets) return {};
  if (septets->size() > 160) septets->resize(160);
  return std::move(*septets);
}

std::string source_number(std::uint64_t base, std::uint64_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "6281%09llu", static_cast<unsigned long long>((base + index) % 1000000000ull));
  return buf;
}

}  // namespace lapor::bench
