// Distinct, realistic MO traffic for smpp_load: Indonesian complaint texts in the GSM 03.38
// default alphabet (at most 160 septets, one SMS each) and Indonesian mobile numbers.
#pragma once

#include <cstdint>
#include <string>

#include "channels/sms/bytes.h"

namespace lapor::bench {

enum class text_style {
  // 12 complaint templates with street, house number, RT/RW, place and city filled in: texts
  // differ for every index below ~90 million, but share most words, as a campaign does
  // (the daemon's dedup marks many as related). About one in six is ASPIRASI or INFO.
  templates,
  // Sentences assembled from independent pools of openings, problems, details, durations
  // and requests (seeded by the index): far fewer shared words, as unrelated citizens write.
  varied,
};

// Message `index` of a run.
[[nodiscard]] std::string complaint_text(std::uint64_t index, text_style style = text_style::templates);

// The text as unpacked GSM septets (data_coding 0); never more than 160 septets.
[[nodiscard]] sms::bytes complaint_septets(std::uint64_t index, text_style style = text_style::templates);

// "6281" followed by 9 digits of (base + index): one sender per message, so no two messages
// of a run are from the same reporter (the dedup rules never merge them).
[[nodiscard]] std::string source_number(std::uint64_t base, std::uint64_t index);

}  // namespace lapor::bench
