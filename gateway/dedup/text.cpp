#include "gateway/dedup/text.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <utility>

namespace lapor::dedup {

namespace {

// data/dedup-lexicon-id.txt, embedded by CMake as a raw string literal.
const char* const embedded_lexicon_text =
#include "embedded_lexicon.inc"
    ;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// What normalize_for_matching asks of each byte of a text, from one table: whether it separates
// words, and whether it may make a word a link or an address (. : / @).
constexpr std::uint8_t space_byte = 1, link_byte = 2;
constexpr auto byte_kinds = [] {
  std::array<std::uint8_t, 256> t{};
  for (const char c : {' ', '\t', '\n', '\r', '\f', '\v'}) t[static_cast<unsigned char>(c)] = space_byte;
  for (const char c : {'.', ':', '/', '@'}) t[static_cast<unsigned char>(c)] = link_byte;
  return t;
}();
std::uint8_t byte_kind(char c) { return byte_kinds[static_cast<unsigned char>(c)]; }
bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// "http://…", "https://…", "www.…", "bit.ly/x", "t.co/x": links carry no complaint text.
bool is_link(std::string_view w) {
  if (w.find("://") != std::string_view::npos) return true;
  if (w.size() > 4 && (w.substr(0, 4) == "www." || w.substr(0, 4) == "WWW.")) return true;
  const auto dot = w.find('.');
  const auto slash = w.find('/');
  return dot != std::string_view::npos && slash != std::string_view::npos && dot < slash && dot > 0 &&
         dot + 1 < w.size() && !is_digit(w[dot + 1]);
}

bool is_email(std::string_view w) {
  const auto at = w.find('@');
  return at != std::string_view::npos && at > 0 && w.find('.', at) != std::string_view::npos;
}

// One maximal run of letters or of digits inside a raw word.
struct run {
  std::string text;  // lowercase
  bool digits = false;
  bool capital = false;  // began with an uppercase letter
};

// Splits a raw word into letter and digit runs, lowercasing, stripping accents (utf8proc
// case folding + compatibility decomposition), treating everything else as a separator.
// `camel`: an uppercase letter after a lowercase one starts a new run (hashtags).
void split_runs(std::string_view word, bool camel, std::vector<run>& out) {
  // Most words are ASCII letters, perhaps between punctuation ("Jalan", "rusak,", "(PDAM)"):
  // one run, which the general path below would build letter by letter.
  if (!camel) {
    std::size_t b = 0, e = word.size();
    const auto ascii_sep = [](unsigned char c) {
      return c < 0x80 && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9');
    };
    while (b < e && ascii_sep(static_cast<unsigned char>(word[b]))) ++b;
    while (e > b && ascii_sep(static_cast<unsigned char>(word[e - 1]))) --e;
    if (b == e) return;  // punctuation only: no run
    // Lowercased and checked in one pass; a word that is not letters only is read below.
    run& r = out.emplace_back();
    r.capital = word[b] >= 'A' && word[b] <= 'Z';
    r.text.assign(word.data() + b, e - b);
    bool letters = true;
    for (char& c : r.text) {
      const bool upper = c >= 'A' && c <= 'Z';
      letters &= upper || (c >= 'a' && c <= 'z');
      if (upper) c = static_cast<char>(c - 'A' + 'a');
    }
    if (letters) return;
    out.pop_back();
  }
  run cur;
  bool prev_lower = false;
  auto flush = [&] {
    if (!cur.text.empty()) out.push_back(std::move(cur));
    cur = run{};
  };
  auto add = [&](char c, bool digit) {
    if (!cur.text.empty() && cur.digits != digit) {
      const bool cap = cur.capital && digit == false && cur.text.empty();
      flush();
      cur.capital = cap;
    }
    cur.digits = digit;
    cur.text.push_back(c);
  };
  std::size_t i = 0;
  while (i < word.size()) {
    const auto c = static_cast<unsigned char>(word[i]);
    if (c < 0x80) {
      ++i;
      if (c >= 'A' && c <= 'Z') {
        if (camel && prev_lower) flush();
        if (cur.text.empty() || cur.digits) cur.capital = true;
        add(static_cast<char>(c - 'A' + 'a'), false);
        prev_lower = false;
      } else if (c >= 'a' && c <= 'z') {
        add(static_cast<char>(c), false);
        prev_lower = true;
      } else if (c >= '0' && c <= '9') {
        add(static_cast<char>(c), true);
        prev_lower = false;
      } else if ((c == '.' || c == ',') && cur.digits && !cur.text.empty() && i + 2 < word.size() &&
                 is_digit(word[i]) && is_digit(word[i + 1]) && is_digit(word[i + 2]) &&
                 (i + 3 == word.size() || !is_digit(word[i + 3]))) {
        // A thousands separator ("1.500.000", "Rp5.000"): the number goes on.
      } else {
        flush();
        prev_lower = false;
      }
      continue;
    }
    utf8proc_int32_t cp = 0;
    const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(word.data() + i),
                                    static_cast<utf8proc_ssize_t>(word.size() - i), &cp);
    if (n <= 0) {  // invalid byte: a separator
      ++i;
      flush();
      prev_lower = false;
      continue;
    }
    i += static_cast<std::size_t>(n);
    std::array<utf8proc_int32_t, 8> parts{};
    int last_boundclass = 0;
    const auto m = utf8proc_decompose_char(
        cp, parts.data(), static_cast<utf8proc_ssize_t>(parts.size()),
        static_cast<utf8proc_option_t>(UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE),
        &last_boundclass);
    if (m <= 0 || m > static_cast<utf8proc_ssize_t>(parts.size())) {
      flush();
      continue;
    }
    for (utf8proc_ssize_t k = 0; k < m; ++k) {
      const utf8proc_int32_t d = parts[static_cast<std::size_t>(k)];
      const auto cat = utf8proc_category(d);
      if (d >= '0' && d <= '9') {
        add(static_cast<char>(d), true);
      } else if (d >= 'a' && d <= 'z') {
        add(static_cast<char>(d), false);
      } else if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) {
        std::array<utf8proc_uint8_t, 4> buf{};
        const auto len = utf8proc_encode_char(d, buf.data());
        if (!cur.text.empty() && cur.digits) flush();
        cur.digits = false;
        cur.text.append(reinterpret_cast<const char*>(buf.data()), static_cast<std::size_t>(len));
      } else if (cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC) {
        // combining marks left after stripping: ignore
      } else {
        flush();
      }
    }
    prev_lower = true;
  }
  flush();
}

// "rusakkk" -> "rusak", "parahh" -> "parah": letters repeated for emphasis.
std::string collapse_repeats(const std::string& w) {
  bool doubled = false;  // most words have no letter twice in a row: nothing to collapse
  for (std::size_t i = 1; i < w.size() && !doubled; ++i) doubled = w[i] == w[i - 1];
  if (!doubled) return w;
  std::string out;
  out.reserve(w.size());
  for (std::size_t i = 0; i < w.size();) {
    std::size_t j = i;
    while (j < w.size() && w[j] == w[i]) ++j;
    const std::size_t n = j - i;
    const bool at_end = j == w.size();
    // Runs of 3+ are emphasis; a doubled last letter too ("parahh"), except in short words.
    const std::size_t keep = n >= 3 ? 1 : (n == 2 && at_end && w.size() > 4 && static_cast<unsigned char>(w[i]) < 0x80) ? 1 : n;
    out.append(keep, w[i]);
    i = j;
  }
  return out;
}

// 1..20 for a Roman numeral written i … xx (lowercase), else 0.
int roman_numeral(std::string_view w) noexcept {
  static constexpr std::string_view numerals[] = {"i",  "ii",  "iii",  "iv", "v",  "vi",  "vii",  "viii", "ix", "x",
                                                  "xi", "xii", "xiii", "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx"};
  for (std::size_t i = 0; i < std::size(numerals); ++i)
    if (w == numerals[i]) return static_cast<int>(i) + 1;
  return 0;
}

std::string strip_zeros(const std::string& d) {
  std::size_t i = 0;
  while (i + 1 < d.size() && d[i] == '0') ++i;
  return d.substr(i);
}

// What a word is to the facet reader, from one table lookup per word (instead of a chain of
// comparisons per question).
struct word_class {
  char marker = 0;        // a place marker's facet type (marker_type)
  char landmark = 0;      // a landmark's kind (landmark_kind); 'h' for "sakit" (after "rumah")
  bool month = false;
  bool generic = false;   // describes rather than names a place (after "jalan", "desa", …)
  bool generic_landmark = false;  // says what sort of landmark, not which ("Pasar Induk")
  bool name_suffix = false;       // a usual second word of place names ("Timur", "Baru")
  bool street_prefix = false;     // comes before a street's name ("Jl. Raya Bogor")
  bool school_qualifier = false;  // between "SD" and the school's name ("SD Negeri Inpres …")
  bool spot = false;              // "depan", "dekat": the spot along the way follows
  bool facility = false;          // a numbered facility ("posyandu", "gedung"): facility_facet
  std::string_view kin;           // who a victim is ("istri", "mama" -> ibu): victim_facet
  std::string_view day_part;      // "pagi", "mlm" -> malam: time_of_day_facet
  std::string_view document;      // "ektp" -> ktp: document_facet
  std::string_view health_post;   // which kind of village health post: health_post_facet
  std::uint8_t marks = 0;         // the few words the facet readers ask about by name (mark_*)
};

// word_class::marks: one bit test instead of a string comparison per word and question.
constexpr std::uint8_t mark_pronoun = 1;   // saya, sy, aku, kami, gue, gw: "anak saya"
constexpr std::uint8_t mark_rumah = 2;     // "rumah sakit"
constexpr std::uint8_t mark_school_kind = 4;  // negeri, swasta: "SMP Negeri"
constexpr std::uint8_t mark_semalam = 8;
constexpr std::uint8_t mark_ini = 16;      // "pagi ini"
constexpr std::uint8_t mark_tadi = 32;     // tadi, td: "tadi pagi"
constexpr std::uint8_t mark_document_head = 64;  // kartu, akta, akte: "kartu keluarga"
constexpr std::uint8_t mark_pembantu = 128;  // "puskesmas pembantu": a pustu

const word_class& classify(std::string_view w) {
  static const data::word_map<word_class> table = [] {
    data::word_map<word_class> t;
    for (std::string_view m : {"januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus", "september",
                               "oktober", "november", "desember"})
      t[m].month = true;
    // What is wrong with it, or how often, rather than its name ("Jalan ambles", "Kota sering");
    // "Dinas Lingkungan Hidup" is the environment office, not a neighbourhood called Hidup;
    // "jalan tertutup timbunan", "kantor desa tutup", "desa. Tambahan: …", "jalanan jadi kolam",
    // "Poso Kota sampahnya", "balai desa sampek warung" (Javanese: until), "jalan. Yth. …" name
    // no street, village or town.
    for (std::string_view g :
         {"ambles", "amblas", "retak", "mati", "padam", "putus", "bocor", "longsor", "tergenang", "akses", "lain",
          "sering", "selalu", "tinggal", "sepi", "ramai", "hancur", "berdebu", "warga", "sekolah", "setempat", "sebelah",
          "rusak", "berlubang", "lubang", "utama", "nasional", "provinsi", "kabupaten", "kota", "desa", "kampung",
          "menuju", "arah", "depan", "belakang", "dekat", "samping", "tidak", "belum", "jelek", "licin", "gelap",
          "banjir", "macet", "kecil", "besar", "baru", "lama", "umum", "setapak", "kaki", "tol", "kami", "rumah",
          "sekitar", "tersebut", "tempat", "rawan", "sempit", "becek", "parah", "hidup", "tertutup", "tutup",
          "ditutup", "terkunci", "tagenang", "terendam", "tertimbun", "pecah", "penuh", "kotor", "sampah", "jadi",
          "tambahan", "sepanjang", "sampek", "yth"})
      t[g].generic = true;
    for (std::string_view x : {"timur", "barat", "utara", "selatan", "tengah", "hulu", "hilir", "baru", "lama", "raya",
                               "jaya", "kulon", "wetan", "kidul", "lor", "atas", "bawah", "besar", "kecil", "indah",
                               "makmur", "negeri"})
      t[x].name_suffix = true;
    for (std::string_view q : {"negeri", "swasta", "inpres", "yppk", "ypk", "islam", "kristen", "katolik",
                               "muhammadiyah", "it", "plus", "terpadu"})
      t[q].school_qualifier = true;
    for (std::string_view p : {"raya", "poros", "lintas", "lingkar", "jenderal", "jendral", "jend", "kapten", "kolonel",
                               "mayor", "letjen", "mayjen", "brigjen", "kh", "dr", "ir"})
      t[p].street_prefix = true;
    // Landmarks as facet types: P pasar, B pantai, T terminal, A stasiun, E pelabuhan, U bandara,
    // H puskesmas / RSUD / rumah sakit / klinik / posyandu ("Posyandu Anggrek"), M masjid, G gereja, N taman. Names of one
    // kind that share no word are two places.
    for (const auto& [w, k] : std::initializer_list<std::pair<std::string_view, char>>{
             {"pasar", 'P'}, {"pantai", 'B'}, {"terminal", 'T'}, {"stasiun", 'A'}, {"pelabuhan", 'E'},
             {"bandara", 'U'}, {"puskesmas", 'H'}, {"rsud", 'H'}, {"klinik", 'H'}, {"pustu", 'H'},
             {"sakit", 'h'}, {"masjid", 'M'}, {"gereja", 'G'}, {"taman", 'N'}, {"posyandu", 'H'}})
      t[w].landmark = k;
    for (std::string_view g : {"induk", "tradisional", "bus", "kapal", "ikan", "sayur", "malam", "pagi", "daerah",
                               "swasta", "pemerintah", "pembantu", "itu", "ini", "tsb", "kami", "sana", "situ", "sini",
                               "ramai", "modern", "kawasan"})
      t[g].generic_landmark = true;
    for (std::string_view sp : {"depan", "dekat", "samping", "seberang", "belakang", "sebelah"}) t[sp].spot = true;
    for (std::string_view f :
         {"posyandu", "pustu", "polindes", "poskesdes", "paud", "gardu", "menara", "gedung", "lantai", "dermaga", "pos",
          "tiang"})  // "PJU tiang no 112": a numbered pole
      t[f].facility = true;
    for (const auto& [w, k] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
             {"anak", "anak"},         {"putra", "anak"},    {"putri", "anak"},     {"istri", "istri"},
             {"isteri", "istri"},      {"suami", "suami"},   {"ibu", "ibu"},        {"mama", "ibu"},
             {"emak", "ibu"},          {"bapak", "bapak"},   {"ayah", "bapak"},     {"tetangga", "tetangga"},
             {"adik", "adik"},         {"kakak", "kakak"},   {"abang", "kakak"},    {"nenek", "nenek"},
             {"kakek", "kakek"},       {"teman", "teman"},   {"kawan", "teman"},    {"keponakan", "keponakan"},
             {"cucu", "cucu"},         {"mertua", "mertua"}, {"paman", "paman"},    {"bibi", "bibi"}})
      t[w].kin = k;
    for (const auto& [w, k] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
             {"pagi", "pagi"}, {"siang", "siang"}, {"sore", "sore"}, {"malam", "malam"},
             {"mlm", "malam"}, {"subuh", "pagi"},  {"petang", "sore"}})
      t[w].day_part = k;
    for (const auto& [w, k] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
             {"ktp", "ktp"},       {"ektp", "ktp"},    {"ktpel", "ktp"}, {"kk", "kk"},         {"kia", "kia"},
             {"paspor", "paspor"}, {"stnk", "stnk"},   {"bpkb", "bpkb"}, {"npwp", "npwp"},     {"ijazah", "ijazah"},
             {"sertifikat", "sertifikat"}})
      t[w].document = k;
    for (const auto& [w, k] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
             {"posyandu", "posyandu"}, {"pustu", "pustu"}, {"poskesdes", "poskesdes"}, {"polindes", "polindes"},
             {"puskesmas", "puskesmas"}, {"pkm", "puskesmas"}})
      t[w].health_post = k;
    for (std::string_view w : {"saya", "sy", "aku", "kami", "gue", "gw"}) t[w].marks |= mark_pronoun;
    t["rumah"].marks |= mark_rumah;
    t["negeri"].marks |= mark_school_kind;
    t["swasta"].marks |= mark_school_kind;
    t["semalam"].marks |= mark_semalam;
    t["ini"].marks |= mark_ini;
    t["tadi"].marks |= mark_tadi;
    t["td"].marks |= mark_tadi;
    for (std::string_view w : {"kartu", "akta", "akte"}) t[w].marks |= mark_document_head;
    t["pembantu"].marks |= mark_pembantu;
    // Place markers: k kabupaten/kota, c kecamatan, d desa, l below the village (a hamlet, a
    // neighbourhood, a housing estate: "Lingkungan Karang Baru"), j street, s school (named
    // after "negeri" or a name; "smp" is also SMS for "sampai"), S a school named at once
    // ("SDN 12 Dompu", "SDI Oepura"), t date, m km post, r RT, w RW.
    for (const auto& [w, k] : std::initializer_list<std::pair<std::string_view, char>>{
             {"kabupaten", 'k'}, {"kota", 'k'}, {"kecamatan", 'c'}, {"desa", 'd'}, {"kelurahan", 'd'},
             {"kampung", 'd'}, {"dusun", 'l'}, {"lingkungan", 'l'}, {"perumahan", 'l'}, {"perum", 'l'},
             {"komplek", 'l'}, {"kompleks", 'l'}, {"blok", 'l'}, {"lorong", 'l'}, {"jalan", 'j'}, {"gang", 'j'},
             {"sd", 's'}, {"smp", 's'}, {"sma", 's'}, {"smk", 's'}, {"mi", 's'}, {"mts", 's'}, {"sdn", 'S'},
             {"sdi", 'S'}, {"smpn", 'S'}, {"sman", 'S'}, {"smkn", 'S'}, {"mtsn", 'S'}, {"tanggal", 't'},
             {"kilometer", 'm'}, {"rt", 'r'}, {"rw", 'w'}})
      t[w].marker = k;
    return t;
  }();
  static const word_class none;
  const auto it = table.find(w);
  return it == table.end() ? none : it->second;
}


// Turns expanded words (stop words included, for adjacency) into tokens and facets.
class token_sink {
 public:

  // `mixed_case`: the text is written in ordinary mixed case, where names are capitalised.
  explicit token_sink(match_text& out, bool mixed_case) : out_(out), mixed_case_(mixed_case) {}

  // Numbers written with words or multipliers come out as the one number digits would give:
  // "lima puluh dua" -> 52, "empat belas" -> 14, "45rb" and "empat puluh lima ribu" -> 45000.
  // A number is held until the word after it shows it is complete.
  void word(const std::string& w, bool stop, bool digits, bool capital = false) {
    if (digits && w.size() <= 6) {
      const std::uint64_t v = std::stoull(w);
      if (number_.active && v < 10 && !number_.has_unit && number_.after_multiplier) {
        number_.unit = v;
        number_.has_unit = true;
        number_.after_multiplier = false;
        return;
      }
      flush_number();
      number_ = {};
      number_.active = true;
      number_.capital = capital;
      if (v < 10) number_.unit = v, number_.has_unit = true;
      else number_.group = v;
      return;
    }
    if (number_.active && !digits && number_multiplier(w)) return;
    flush_number();
    word_now(w, stop, digits, capital);
  }

  // A separator that breaks adjacency (a dropped link, mention or long number).
  void gap() {
    flush_number();
    if (puskesmas_pending_) {
      puskesmas_pending_ = false;
      add_facet('Q', "puskesmas");
    }
    flush_name();
    flush_vessel();
    vessel_next_ = false;
    facility_.clear();
    landmark_ = 0;
    spot_ = false;
    pending_ = 0;
    naming_ = 0;
    last_day_.clear();
  }

 private:
  struct number_state {
    bool active = false, has_unit = false, after_multiplier = false, capital = false;
    std::uint64_t total = 0, group = 0, unit = 0;
  };

  // Applies "puluh", "belas", "ratus", "ribu"/"rb", "juta"/"jt" to the number being read;
  // false when `w` is not one or does not fit it ("puluhan", "belas" after "dua puluh").
  bool number_multiplier(std::string_view w) {
    auto& n = number_;
    if ((w == "puluh" || w == "ratus") && n.has_unit) {
      n.group += n.unit * (w == "puluh" ? 10 : 100);
      n.unit = 0;
      n.has_unit = false;
      n.after_multiplier = true;
      return true;
    }
    if (w == "belas" && n.has_unit && n.group % 100 == 0) {
      n.group += 10 + n.unit;
      n.unit = 0;
      n.has_unit = false;
      n.after_multiplier = false;
      return true;
    }
    const std::uint64_t big = (w == "ribu" || w == "rb") ? 1000 : (w == "juta" || w == "jt") ? 1000000 : 0;
    if (big != 0 && n.group + n.unit > 0 && n.total == 0) {
      n.total = (n.group + n.unit) * big;
      n.group = n.unit = 0;
      n.has_unit = false;
      n.after_multiplier = true;
      return true;
    }
    return false;
  }

  void flush_number() {
    if (!number_.active) return;
    const auto value = std::to_string(number_.total + number_.group + number_.unit);
    const bool capital = number_.capital;
    number_ = {};
    word_now(value, false, true, capital);
  }

  // Who it happened to (facet V): "anak saya", "istriku", "tetangga sy". One person's "anak
  // saya jatuh di lubang jalan X" and "istri saya jatuh di lubang jalan X" are two incidents;
  // two texts naming a victim, none in common, conflict. Before document_facet(), which moves
  // previous_ on.
  void victim_facet(const std::string& w, const word_class& wc, bool digits) {
    if (digits) return;
    std::string_view kin;
    if (wc.marks & mark_pronoun) kin = previous_.kin;
    else if (w.size() > 4 && w.ends_with("ku")) kin = classify(std::string_view(w).substr(0, w.size() - 2)).kin;  // "anakku"
    if (!kin.empty()) add_facet('V', std::string(kin));
  }

  // The part of today an incident happened in (facet Y): "tadi pagi", "pagi ini", "td mlm",
  // "semalam". "KRL gangguan pagi ini" and "KRL gangguan sore ini" are two incidents. Only
  // today's: a reminder the next day may well say "kemarin pagi" of the same one.
  void time_of_day_facet(const std::string& w, const word_class& wc, bool digits) {
    if (digits) return;
    if (wc.marks & mark_semalam) return add_facet('Y', "malam");
    if (previous_.marks & mark_tadi) {
      if (!wc.day_part.empty()) add_facet('Y', std::string(wc.day_part));
    } else if ((wc.marks & mark_ini) && !previous_.day_part.empty()) {
      add_facet('Y', std::string(previous_.day_part));
    }
  }

  // Which civil-registry document or permit a text is about (facet D): one office issues them
  // all, and "KTP-el belum dicetak" and "Kartu Keluarga salah nama" at the same Disdukcapil
  // are two complaints. Two texts naming documents, none in common, conflict.
  void document_facet(const std::string& w, const word_class& wc, bool digits) {
    const bool after_head = (previous_.marks & mark_document_head) != 0;
    std::string before;
    if (after_head) before = previous_.word;
    previous_ = digits ? previous_word{}
                       : previous_word{(wc.marks & mark_document_head) ? w : std::string(), wc.marks, wc.kin, wc.day_part};
    if (digits) return;
    std::string_view kind = wc.document;  // one word ("ektp"), else two
    if (!kind.empty()) add_facet('D', std::string(kind));
    if (!kind.empty() || !after_head) return;
    if (before == "kartu" && w == "keluarga") kind = "kk";
    else if (before == "kartu" && w == "identitas") kind = "kia";  // Kartu Identitas Anak
    else if ((before == "akta" || before == "akte") && (w == "kelahiran" || w == "lahir")) kind = "akta_lahir";
    else if ((before == "akta" || before == "akte") && (w == "kematian" || w == "mati")) kind = "akta_mati";
    else if ((before == "akta" || before == "akte") && (w == "nikah" || w == "perkawinan")) kind = "akta_nikah";
    else if ((before == "akta" || before == "akte") && (w == "cerai" || w == "perceraian")) kind = "akta_cerai";
    if (!kind.empty()) add_facet('D', std::string(kind));
  }

  // Which kind of health post (facet Q): a village has a puskesmas pembantu (pustu), a
  // poskesdes, a polindes and posyandu, each its own staff and its own complaints; "Pustu Desa
  // Mensiau tutup" and "Poskesdes Desa Mensiau tutup" are two. Texts naming kinds, none in
  // common, conflict. "Puskesmas pembantu" is a pustu.
  void health_post_facet(const word_class& wc, bool digits) {
    if (puskesmas_pending_) {  // the word after "puskesmas" says which
      puskesmas_pending_ = false;
      if (wc.marks & mark_pembantu) return add_facet('Q', "pustu");
      add_facet('Q', "puskesmas");
    }
    if (digits || wc.health_post.empty()) return;
    if (wc.health_post == "puskesmas") puskesmas_pending_ = true;
    else add_facet('Q', std::string(wc.health_post));
  }

  // A numbered facility ("Posyandu Melati 1", "Gedung B lantai 3", "menara 2"): the facility
  // word and the first number within two words after it (facet F). "Posyandu Melati 1" and
  // "Posyandu Melati 3" are two posyandu, as SDN 3 and SDN 5 are two schools.
  void facility_facet(const std::string& w, const word_class& wc, bool stop, bool digits, char marker) {
    if (!facility_.empty()) {
      if (digits) {
        add_facet('F', facility_ + w);
        facility_.clear();
      } else if (stop || marker != 0 || --facility_left_ <= 0) {
        facility_.clear();
      }
    }
    if (!digits && wc.facility) {
      facility_ = w;
      facility_left_ = 2;  // the number is one of the next two words
    }
  }

  // A vessel's name (facet K): "KM Sinar Peling", "KM Sabuk Nusantara 48" (kapal motor, read
  // as "kilometer"), only in mixed-case text, where names are capitalised (in an SMS "km" is
  // a kilometre or "kamu"). Not after "kapal" alone: "kapal Pelni" names the operator. The
  // whole name is one value, as a village's is: the ships of one operator share a word
  // ("Sinar Peling", "Sinar Bangkep"), and two of them on one route are two complaints.
  void vessel_facet(const std::string& w, bool stop, bool digits, bool capital) {
    const bool after_marker = vessel_next_;
    vessel_next_ = !digits && w == "kilometer";
    if (vessel_next_) {  // "KM Sinabung dan KM Lambelu": the next name begins
      flush_vessel();
      return;
    }
    if (!vessel_.empty()) {
      if (!stop && vessel_words_ < 4 && (capital || (digits && w.size() <= 3))) {
        vessel_ += '_';
        vessel_ += w;
        if (++vessel_words_ < 4 && !digits) return;
      }
      flush_vessel();
      return;
    }
    if (after_marker && mixed_case_ && capital && !stop && !digits && w.size() >= 2) {
      vessel_ = "K:" + w;
      vessel_words_ = 1;
    }
  }

  // word() for a word that is not part of a number.
  void word_now(const std::string& w, bool stop, bool digits, bool capital = false) {
    static const word_class none;
    const word_class& wc = digits ? none : classify(w);
    const char marker = wc.marker;
    // A landmark's name ("Pasar Sentral Remu", "Pantai Kuta", "RSUD Raja Ahmad Tabib"): each
    // of its words a value of the landmark's kind, so that "Pasar Remu" shares one with it and
    // "Pantai Legian" none with "Pantai Kuta".
    const char kind = wc.landmark == 'h' ? (after_rumah_ ? 'H' : 0) : wc.landmark;
    after_rumah_ = (wc.marks & mark_rumah) != 0;
    if (landmark_ != 0) {
      const bool more = landmark_words_ == 0 || (mixed_case_ ? capital : wc.name_suffix);
      if (!stop && !digits && w.size() >= 2 && more && marker == 0 && kind == 0 && !wc.generic && !wc.generic_landmark) {
        add_facet(landmark_, w);
        if (++landmark_words_ >= 3) landmark_ = 0;
      } else {
        landmark_ = 0;
      }
    }
    if (kind != 0) {
      landmark_ = kind;
      landmark_words_ = 0;
    }
    vessel_facet(w, stop, digits, capital);
    victim_facet(w, wc, digits);
    time_of_day_facet(w, wc, digits);
    health_post_facet(wc, digits);
    document_facet(w, wc, digits);
    facility_facet(w, wc, stop, digits, marker);
    // The spot along the way: the first content word after "depan", "dekat", "samping" …
    if (spot_ && !stop) {
      spot_ = false;
      if (!digits && w.size() >= 2) add_facet(spot_facet, w);
    }
    if (wc.spot) spot_ = true;
    // "smp" is also SMS for "sampai": a school only when "negeri"/"swasta" follows.
    if (school_ && (wc.marks & mark_school_kind)) {
      add_place(school_word_);
      add_place(w);
      naming_ = 2;
      named_ = 0;
    }
    school_ = marker == 's';
    if (school_) school_word_ = w;
    if (marker == 'k' || marker == 'c' || marker == 'd' || marker == 'j' || marker == 'l') {
      add_place(w);
      naming_ = 3;
      named_ = 0;
    } else if (naming_ > 0 && !(wc.marks & mark_school_kind)) {
      // A place's name: its first word, then more words while they are capitalised (in
      // mixed-case text) or are the usual second words of names ("Lombok Timur", "Raya").
      const bool more = named_ == 0 || (mixed_case_ ? capital : wc.name_suffix);
      if (stop || digits || wc.generic || marker != 0 || !more) naming_ = 0;
      else {
        add_place(w);
        --naming_;
        ++named_;
      }
    }
    if (marker == 't' || marker == 'm' || marker == 'r' || marker == 'w' || wc.month) add_place(w);
    if (pending_ != 0) {
      const char type = pending_;
      pending_ = 0;
      if (digits) {
        if (type == 't' || type == 'm' || type == 'r' || type == 'w') add_facet(type, w);
        if (type == 'S') add_facet('s', w);  // "SDN 12 Dompu"
        if (type == 'l') add_facet('l', w);  // "Dusun 3", "Dusun III", "Blok 5": a numbered hamlet or block
      } else if (type == 'j' && wc.street_prefix) {
        pending_ = 'j';
      } else if ((type == 's' || type == 'S') && wc.school_qualifier) {
        pending_ = 'S';  // "SD Negeri Inpres Romangloe": the name comes after
      } else if ((type == 'k' || type == 'c' || type == 'd' || type == 'j' || type == 'S' || type == 'l') &&
                 !stop && !wc.generic && marker == 0) {
        const char t = type == 'S' ? 's' : type;
        if (t == 'd' || t == 'l' || t == 's') {
          // The whole name, "karang_baru_timur": one word more is another neighbourhood.
          flush_name();
          building_ = std::string(1, t) + ":" + w;
          building_words_ = 1;
        } else {
          add_facet(t, w);
        }
      }
    } else if (!building_.empty()) {
      // A school named, then numbered ("SDN Kadomas 1", "SD Inpres Bontoa 2"): the number is
      // part of its name; SDN Kadomas 1 and 2 are two schools.
      const bool school_number = digits && w.size() <= 3 && building_.starts_with("s:");
      // Only the usual second words of names ("Karang Baru Timur"): a capitalised word after
      // a village is as often its district ("Ds Jetis Kaliwungu").
      const bool more = building_words_ < 3 && !digits && marker == 0 && wc.name_suffix;
      if (school_number) {
        building_ += '_';
        building_ += w;
        flush_name();
      } else if (more) {
        building_ += '_';
        building_ += w;
        ++building_words_;
      } else {
        flush_name();
      }
    }
    if (digits) {
      if (last_day_.empty() && w.size() <= 2 && std::stoi(w) >= 1 && std::stoi(w) <= 31) last_day_ = w;
    } else {
      if (!last_day_.empty() && wc.month) add_facet('t', last_day_);
      if (marker != 0) pending_ = marker;
    }
    if (!digits) last_day_.clear();
    else if (w.size() > 2) last_day_.clear();
    if (stop) return;
    if (!digits && w.size() < 2) return;
    if (!out_.tokens.empty() && out_.tokens.back() == w) return;  // "jalan jalan", "rusak rusak"
    out_.tokens.push_back(w);
  }

 private:
  void add_place(const std::string& w) {
    for (const auto& e : out_.places)
      if (e == w) return;
    out_.places.push_back(w);
  }

  // A whole "type:value" facet, once.
  void push_facet(std::string f) {
    if (std::find(out_.facets.begin(), out_.facets.end(), f) == out_.facets.end()) out_.facets.push_back(std::move(f));
  }

  void flush_vessel() {
    if (!vessel_.empty()) push_facet(std::move(vessel_));
    vessel_.clear();
    vessel_words_ = 0;
  }

  void flush_name() {
    if (building_.empty()) return;
    push_facet(std::move(building_));
    building_.clear();
    building_words_ = 0;
  }

  void add_facet(char type, const std::string& v) {
    std::string f(1, type);
    f += ':';
    f += v;
    push_facet(std::move(f));
  }

  match_text& out_;
  bool mixed_case_ = false;
  bool school_ = false;  // the previous word was sd/smp/sma/…
  std::string school_word_;
  char pending_ = 0;
  std::string building_;  // a d:/l:/s: name facet being read, word by word
  int building_words_ = 0;
  int naming_ = 0;  // words after a place marker still taken as the place's name
  int named_ = 0;   // words taken so far
  std::string last_day_;
  // The word before (nothing after a number): what the facet readers ask of it. Its text only
  // when a two-word document name may follow it ("kartu keluarga", "akta kelahiran").
  struct previous_word {
    std::string word;
    std::uint8_t marks = 0;
    std::string_view kin, day_part;
  };
  previous_word previous_;
  std::string facility_;       // a facility word waiting for its number
  int facility_left_ = 0;
  number_state number_;
  char landmark_ = 0;  // the kind of landmark whose name is being read
  int landmark_words_ = 0;
  bool after_rumah_ = false;
  bool spot_ = false;  // the previous content word was "depan", "dekat", …
  bool puskesmas_pending_ = false;  // "puskesmas" read: a puskesmas, unless "pembantu" follows
  bool vessel_next_ = false;  // "KM" (kapal motor, read as "kilometer") came before
  std::string vessel_;        // a K: vessel name being read
  int vessel_words_ = 0;
};

}  // namespace

std::optional<lexicon> lexicon::parse(std::string_view text, std::string& error) {
  lexicon lex;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      error = "line " + std::to_string(line_no) + ": expected \"token = words\"";
      return std::nullopt;
    }
    const std::string_view key = trim(line.substr(0, eq));
    const std::string_view value = trim(line.substr(eq + 1));
    if (key.empty()) {
      error = "line " + std::to_string(line_no) + ": empty token";
      return std::nullopt;
    }
    for (char c : key)
      if (!is_lower_alnum(c)) {
        error = "line " + std::to_string(line_no) + ": token must be lowercase letters or digits";
        return std::nullopt;
      }
    std::string words;
    std::size_t i = 0;
    while (i < value.size()) {
      while (i < value.size() && is_space(value[i])) ++i;
      std::size_t j = i;
      while (j < value.size() && !is_space(value[j])) ++j;
      if (j > i) {
        for (std::size_t k = i; k < j; ++k)
          if (!is_lower_alnum(value[k])) {
            error = "line " + std::to_string(line_no) + ": replacement must be lowercase words";
            return std::nullopt;
          }
        if (!words.empty()) words += ' ';
        words.append(value.substr(i, j - i));
      }
      i = j;
    }
    lex.map_.insert_or_assign(std::string(key), std::move(words));
  }
  return lex;
}

const lexicon& lexicon::embedded() {
  static const lexicon lex = [] {
    std::string error;
    auto parsed = parse(embedded_lexicon_text, error);
    if (!parsed) throw std::logic_error("embedded data/dedup-lexicon-id.txt: " + error);
    return std::move(*parsed);
  }();
  return lex;
}

const std::string* lexicon::find(std::string_view token) const noexcept {
  auto it = map_.find(token);
  return it == map_.end() ? nullptr : &it->second;
}

match_text normalize_for_matching(std::string_view text, const lexicon& lex) {
  match_text out;
  // About a word per five bytes: the tokens' vector is not regrown word by word.
  out.tokens.reserve(text.size() / 5 + 8);
  std::size_t upper = 0, lower = 0;
  for (const char c : text) {  // branch-free: a test per byte of every text
    upper += c >= 'A' && c <= 'Z';
    lower += c >= 'a' && c <= 'z';
  }
  token_sink sink(out, upper > 0 && lower > 0 && upper * 3 < lower);
  std::vector<run> runs;
  bool first_word = true;

  // "Dusun III", "Lingkungan IV", "RT II": after a unit that is numbered, a Roman numeral is
  // that number (collapsing "iii" as emphasis would make Dusun I and Dusun III one hamlet).
  bool after_numbered_unit = false;
  auto emit_letters = [&](const std::string& raw, bool capital) {
    if (after_numbered_unit) {
      after_numbered_unit = false;
      if (const int n = roman_numeral(raw); n > 0) return sink.word(std::to_string(n), false, true, capital);
    }
    const std::string_view r = raw;
    after_numbered_unit = r == "dusun" || r == "lingkungan" || r == "rt" || r == "rw" || r == "blok" || r == "lorong" ||
                          r == "dsn";
    std::string w = collapse_repeats(raw);
    const std::string* rep = lex.find(w);
    if (rep == nullptr && w.size() >= 6 && w.ends_with("nya")) {
      w.resize(w.size() - 3);
      rep = lex.find(w);
    }
    if (rep == nullptr) return sink.word(w, false, false, capital);
    if (rep->empty()) return sink.word(w, true, false, capital);
    std::string_view words = *rep;
    while (!words.empty()) {
      const auto sp = words.find(' ');
      const std::string part(words.substr(0, sp));
      words.remove_prefix(sp == std::string_view::npos ? words.size() : sp + 1);
      const std::string* again = part == w ? nullptr : lex.find(part);
      const bool digits = !part.empty() && is_digit(part.front());
      if (again != nullptr && again->empty()) sink.word(part, true, digits, capital);
      else sink.word(part, false, digits, capital);
    }
  };

  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && byte_kind(text[i]) == space_byte) ++i;
    // Links and addresses hold one of . : / @; most words none, so the pass that finds the
    // word's end decides.
    std::size_t j = i;
    std::uint8_t kinds = 0;
    for (; j < text.size(); ++j) {
      const std::uint8_t k = byte_kind(text[j]);
      if (k == space_byte) break;
      kinds |= k;
    }
    std::string_view w = text.substr(i, j - i);
    i = j;
    if (w.empty()) continue;
    const bool marked = kinds != 0;
    if (marked && (w.front() == '@' || is_link(w) || is_email(w))) {
      sink.gap();
      continue;
    }
    const bool hashtag = w.front() == '#';
    if (hashtag) w.remove_prefix(1);
    runs.clear();
    split_runs(w, hashtag, runs);
    for (std::size_t r = 0; r < runs.size(); ++r) {
      run& x = runs[r];
      if (first_word) {
        first_word = false;
        // SMS keywords (SPEC §7): "INFO …", "ASPIRASI …" name the kind, not the content.
        if (!x.digits && (std::string_view(x.text) == "info" || std::string_view(x.text) == "aspirasi")) continue;
      }
      if (x.digits) {
        after_numbered_unit = false;
        // "jalan2", "anak2": Indonesian reduplication written with a 2.
        if (std::string_view(x.text) == "2" && r > 0 && !runs[r - 1].digits && r + 1 == runs.size()) continue;
        if (x.text.size() >= 8) {  // phone numbers, ID numbers: personal, not the complaint
          sink.gap();
          continue;
        }
        sink.word(strip_zeros(x.text), false, true);
      } else {
        emit_letters(x.text, x.capital);
      }
    }
    // Punctuation ends a phrase: "perangkat desa, sedangkan" names no village. A dot after a
    // short word is an abbreviation ("Jl. Ahmad Yani", "Kab. Banjar") and does not.
    const char last = w.back();
    if (last == ',' || last == ';' || last == ':' || last == '!' || last == '?' || last == ')') sink.gap();
    else if (last == '.' && (runs.empty() || runs.back().digits || runs.back().text.size() > 4)) sink.gap();
  }
  sink.gap();  // the last name facet being read
  return out;
}

std::string consonant_skeleton(std::string_view word) {
  std::string out;
  for_each_skeleton_letter(word, [&out](char c) { out.push_back(c); });
  return out;
}

bool facets_conflict(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (const auto& fa : a) {
    const char type = fa.front();
    bool b_has_type = false, shared = false;
    for (const auto& fb : b) {
      if (fb.front() != type) continue;
      b_has_type = true;
      for (const auto& fa2 : a)
        if (fa2 == fb) shared = true;
    }
    if (b_has_type && !shared) return true;
  }
  return false;
}

}  // namespace lapor::dedup
