// The pipeline: validate and normalise a submission, give it a tracking ID and SLA dates,
// write the canonical document and its outbox row through the group writer, and complete
// the channel's acknowledgement after the commit.
#pragma once

#include <atomic>
#include <memory>
#include <optional>

#include "gateway/channel.h"
#include "gateway/metrics.h"
#include "gateway/region/place_words.h"
#include "gateway/sla.h"
#include "gateway/tracking_id.h"
#include "store/store.h"

namespace lapor::gateway {

struct pipeline_options {
  std::uint8_t node_id = 0;
  std::size_t max_title_chars = 200;
  std::size_t max_body_chars = 20000;
  std::size_t max_name_chars = 200;
  std::size_t max_location_chars = 500;
  std::size_t max_attachments = 10;
  // Attach a dedup_context (gateway/dedup_engine.h) to every row, for the store's decider.
  bool dedup = false;
  // Fill location.region (gateway/region/) from the location field, title and body.
  bool resolve_regions = true;
};

// The region the resolver finds for a normalised submission; nullopt when nothing is certain.
// Pure; the embedded dataset is loaded on first use.
// Also fills s.where.named_places.
[[nodiscard]] std::optional<region_ref> resolve_region(submission& s);
// The same, reading the words of `s` from `words` (region::split_input of its location field,
// own_title(s) and body): the pipeline splits them once for this and make_dedup_context.
[[nodiscard]] std::optional<region_ref> resolve_region(submission& s, const region::input_words& words);

class pipeline final : public submission_sink {
 public:
  using clock_fn = std::function<clock::time_point()>;

  pipeline(pipeline_options opts, const tracking_id_codec& ids, const holiday_calendar& calendar,
           store::group_writer& writer, metrics& m, clock_fn now = [] { return clock::now(); });

  void submit(submission s, completion done) override;
  [[nodiscard]] std::optional<submit_result> check(const submission& s) const override;

  // Normalises in place; a rejection when the submission is not acceptable. Pure; exposed for tests.
  [[nodiscard]] std::optional<submit_result> normalise(submission& s) const;

  [[nodiscard]] const tracking_id_codec& ids() const noexcept { return ids_; }

 private:
  pipeline_options opts_;
  const tracking_id_codec& ids_;
  const holiday_calendar& calendar_;
  store::group_writer& writer_;
  metrics& metrics_;
  clock_fn now_;
  std::atomic<std::uint32_t> next_sequence_;
};

}  // namespace lapor::gateway
