#pragma once
// word_map: the word tables of the region resolver, the event reader and the normaliser's
// lexicon. Built once from data, then looked up for every word of every complaint.
//
// std::unordered_map spends those lookups on a modulo by a prime and a walk through
// separately allocated nodes. Here the entries sit in one vector (in insertion order, which
// is also the iteration order) and an open-addressed index of power-of-two size holds each
// entry's position and hash: a lookup is one multiply-and-shift, usually one probe, and one
// key comparison in memory next to its neighbours. The subset of std::unordered_map's
// interface that the tables use; references to values are valid until the next insertion.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lapor::data {

template <typename V>
class word_map {
 public:
  using value_type = std::pair<std::string, V>;
  using iterator = value_type*;
  using const_iterator = const value_type*;

  [[nodiscard]] const_iterator find(std::string_view key) const noexcept {
    const std::size_t at = locate(key, hash_of(key));
    return at == npos ? end() : &entries_[at];
  }
  [[nodiscard]] iterator find(std::string_view key) noexcept {
    const std::size_t at = locate(key, hash_of(key));
    return at == npos ? end() : &entries_[at];
  }
  [[nodiscard]] bool contains(std::string_view key) const noexcept { return find(key) != end(); }

  // Inserts a default value for `key` unless present; the entry and whether it is new.
  std::pair<iterator, bool> try_emplace(std::string_view key) {
    const std::uint64_t h = hash_of(key);
    if (const std::size_t at = locate(key, h); at != npos) return {&entries_[at], false};
    if ((entries_.size() + 1) * 2 > slots_.size()) grow();
    entries_.emplace_back(std::string(key), V{});
    place(entries_.size() - 1, h);
    return {&entries_.back(), true};
  }
  V& operator[](std::string_view key) { return try_emplace(key).first->second; }
  template <typename T>
  void insert_or_assign(std::string_view key, T&& value) {
    try_emplace(key).first->second = std::forward<T>(value);
  }

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
  [[nodiscard]] const_iterator begin() const noexcept { return entries_.data(); }
  [[nodiscard]] const_iterator end() const noexcept { return entries_.data() + entries_.size(); }
  [[nodiscard]] iterator begin() noexcept { return entries_.data(); }
  [[nodiscard]] iterator end() noexcept { return entries_.data() + entries_.size(); }

 private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  struct slot {
    std::uint32_t entry = 0;  // position + 1; 0 = empty
    std::uint32_t tag = 0;    // the hash's low half: most mismatches end here
  };

  // Eight bytes at a time (the words are short: one or two multiplies), then mixed so that
  // the high half (the slot) and the low half (the tag) both depend on every byte. Byte-wise
  // FNV-1a cost more than the rest of a lookup.
  static std::uint64_t hash_of(std::string_view key) noexcept {
    constexpr std::uint64_t k = 0x9e3779b97f4a7c15ull;
    std::uint64_t h = 0x243f6a8885a308d3ull ^ key.size();
    const char* p = key.data();
    std::size_t n = key.size();
    for (; n >= 8; p += 8, n -= 8) {
      std::uint64_t x;
      std::memcpy(&x, p, 8);
      h = (h ^ x) * k;
      h ^= h >> 29;
    }
    if (n > 0) {  // the rest in at most two loads (they may overlap: the length is in h)
      std::uint64_t x;
      if (key.size() >= 8) {
        std::memcpy(&x, key.data() + key.size() - 8, 8);
      } else if (n >= 4) {
        std::uint32_t lo, hi;
        std::memcpy(&lo, p, 4);
        std::memcpy(&hi, p + n - 4, 4);
        x = static_cast<std::uint64_t>(hi) << 32 | lo;
      } else {
        const auto b = [p](std::size_t i) { return static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])); };
        x = b(0) | b(n / 2) << 8 | b(n - 1) << 16;
      }
      h = (h ^ x) * k;
    }
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ull;
    return h ^ (h >> 32);
  }

  std::size_t locate(std::string_view key, std::uint64_t h) const noexcept {
    if (slots_.empty()) return npos;
    const std::size_t mask = slots_.size() - 1;
    const auto tag = static_cast<std::uint32_t>(h);
    for (std::size_t i = (h >> 32) & mask;; i = (i + 1) & mask) {
      const slot& s = slots_[i];
      if (s.entry == 0) return npos;
      if (s.tag == tag && entries_[s.entry - 1].first == key) return s.entry - 1;
    }
  }

  void place(std::size_t entry, std::uint64_t h) noexcept {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = (h >> 32) & mask;
    while (slots_[i].entry != 0) i = (i + 1) & mask;
    slots_[i] = slot{static_cast<std::uint32_t>(entry + 1), static_cast<std::uint32_t>(h)};
  }

  void grow() {
    slots_.assign(slots_.empty() ? 16 : slots_.size() * 2, slot{});
    for (std::size_t e = 0; e < entries_.size(); ++e) place(e, hash_of(entries_[e].first));
  }

  std::vector<value_type> entries_;
  std::vector<slot> slots_;  // at most half full
};

}  // namespace lapor::data
