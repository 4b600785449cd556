// Every unit's name as a key the resolver can look up word by word: the name's words
// concatenated without spaces ("Paal Merah", "paalmerah" and "PaalMerah" are one key), a
// regency without "Kabupaten"/"Kota", a province without "Daerah Khusus Ibukota"/"Daerah
// Istimewa", number words also as digits ("Lima-belas Ulu" = "15 Ulu"). Provinces, regencies
// and districts are also found with one letter wrong (one-deletion neighbourhood).
// Immutable once built; safe to share between threads.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/region/region_table.h"

namespace lapor::region {

class name_index {
 public:
  // How the resolver reads a citizen's word, when it reads it as another single word ("sei"
  // as sungai, "tj" as tanjung: data/region/lexicon-id.txt's aliases); empty: as itself. A
  // name the dataset spells with such a word ("Percut Sei Tuan") gets the key of that reading
  // too, or it could never be found.
  using word_reading = std::function<std::string_view(std::string_view)>;
  explicit name_index(const region_table& table, const word_reading& reading = {});

  // Keys are hashed as they are read, so a key of several words is hashed word by word:
  // h = extend(extend(start, "paal"), "merah") == extend(start, "paalmerah").
  static constexpr std::uint64_t start = 14695981039346656037ull;
  [[nodiscard]] static std::uint64_t extend(std::uint64_t h, std::string_view s) noexcept {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
  }

  // Units whose key hashes to `h` (64-bit hashes of at most a few hundred thousand keys: a
  // collision is not a practical concern, and a wrong hit would still need the words around it).
  [[nodiscard]] std::span<const unit_id> exact(std::uint64_t h) const noexcept {
    return exact_filter_.may_contain(h) ? lookup(exact_, h) : std::span<const unit_id>{};
  }
  // Whether some name starts with the words hashed into `h` (at a word boundary of the
  // official spelling, or is the whole key): reading stops extending a run of words when not.
  // A filter: rarely true for a run that starts no name (about 1%), never false for one that does.
  [[nodiscard]] bool starts_name(std::uint64_t h) const noexcept { return prefix_filter_.may_contain(h); }
  // Provinces, regencies and districts whose key, with one letter deleted, hashes to `h`.
  [[nodiscard]] std::span<const unit_id> deleted(std::uint64_t h) const noexcept {
    return deleted_filter_.may_contain(h) ? lookup(deleted_, h) : std::span<const unit_id>{};
  }
  // The main key of a province, regency or district ("bogorbarat"); empty for villages.
  [[nodiscard]] std::string_view key(unit_id id) const noexcept {
    if (id < keys_.size()) return keys_[id];
    return {};
  }

  // Units at most one edit (insertion, deletion, substitution, adjacent swap) from `word`,
  // among provinces, regencies and districts with keys of 6 letters or more. Appends to `out`.
  void near(std::string_view word, std::vector<unit_id>& out) const;

 private:
  // Most lookups miss (ordinary words are no name). A blocked Bloom filter of ~10 bits per
  // key answers most of them from a few hundred KB that stay in the core's cache, instead of
  // a miss in the megabytes of the tables.
  class filter {
   public:
    void build(const std::vector<std::uint64_t>& hashes);
    [[nodiscard]] bool may_contain(std::uint64_t h) const noexcept {
      if (blocks_.empty()) return false;
      const auto m = mixed(h);
      const auto& b = blocks_[block_of(m)];
      for (int k = 0; k < 6; ++k)
        if (!(b[(m >> (9 * k)) & 7] >> ((m >> (9 * k + 3)) & 63) & 1)) return false;
      return true;
    }

   private:
    // The block for a mixed hash: its high 32 bits scaled to the block count (a multiply,
    // not a division: this runs for most words of every complaint).
    [[nodiscard]] std::size_t block_of(std::uint64_t m) const noexcept {
      return static_cast<std::size_t>(((m >> 32) * blocks_.size()) >> 32);
    }
    static constexpr std::uint64_t mixed(std::uint64_t h) noexcept {
      h ^= h >> 31;
      h *= 0x9e3779b97f4a7c15ull;
      h ^= h >> 29;
      return h;
    }
    std::vector<std::array<std::uint64_t, 8>> blocks_;  // 512-bit blocks, one cache line each
  };

  struct slot {
    std::uint64_t hash = 0;
    std::uint32_t begin = 0, count = 0;  // count 0 = empty slot
  };
  struct table {
    std::vector<slot> slots;
    std::vector<unit_id> postings;
    std::uint64_t mask = 0;
  };
  static std::span<const unit_id> lookup(const table& t, std::uint64_t h) noexcept;
  static void build(table& t, std::vector<std::pair<std::uint64_t, unit_id>>& entries);

  table exact_, deleted_;
  filter exact_filter_, deleted_filter_, prefix_filter_;
  // For near(): every beginning and every end of the keys it may find. A word within one
  // edit of a key keeps its first half or its second half (after the middle letter) intact
  // (the edit touches at most two adjacent letters), so a word whose halves are no key's
  // beginning and no key's end is near none, found without its 2n probes of the tables.
  filter key_begin_filter_, key_end_filter_;
  std::vector<std::string> keys_;  // indexed by unit id, villages left empty
};

// The keys of one official name (exposed for tests): several when the name has a slash
// ("Pulo Lon / Pulo Dayah") or number words.
[[nodiscard]] std::vector<std::string> name_keys(std::string_view official_name, level lvl,
                                                 const name_index::word_reading& reading = {});

}  // namespace lapor::region
