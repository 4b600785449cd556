// Every refusal a channel sends over HTTP is counted in lapor_rejected_total{channel} (4xx, 501)
// or lapor_throttled_total{channel} (503: overload), whichever door it left by: a channel wraps its
// responder once, at the top of its handler, instead of counting at each of its many refusals
// (which is how some were missed). Refusals the core already counted (a submit() that came back
// rejected, conflict, overloaded or failed) are marked so they are not counted twice.
#pragma once

#include <atomic>
#include <memory>

#include "gateway/http_types.h"
#include "gateway/metrics.h"

namespace lapor::gateway {

class counted_responder {
 public:
  // `stats` may be null (tests without metrics): then nothing is counted.
  counted_responder(http_responder inner, metrics* stats, channel_kind ch)
      : inner_(std::move(inner)), stats_(stats), channel_(ch), core_counted_(std::make_shared<std::atomic<bool>>(false)) {}

  // Call before answering with what submit() returned: the core has counted it.
  void core_counted() const noexcept { core_counted_->store(true); }

  void operator()(http_response r) const {
    if (stats_ && r.status >= 400 && !core_counted_->load())
      stats_->add(r.status == 503 ? counter::throttled : counter::rejected, channel_);
    inner_(std::move(r));
  }

 private:
  http_responder inner_;
  metrics* stats_;
  channel_kind channel_;
  std::shared_ptr<std::atomic<bool>> core_counted_;
};

}  // namespace lapor::gateway
