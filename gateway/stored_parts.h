// gateway::part_store over the store's group writer: parts of long messages and messages a
// channel queues on its own (status answers), in the same group commits as everything else.
#pragma once

#include "gateway/channel.h"
#include "store/store.h"

namespace lapor::gateway {

class stored_parts final : public part_store {
 public:
  explicit stored_parts(store::group_writer& writer) : writer_(writer) {}

  void store_part(part p, std::function<void(submit_result)> done) override;
  void finish_parts(std::string group, std::string answer) override;
  void purge_parts(std::int64_t done_before_ms, std::int64_t open_before_ms) override;
  void load_parts(const std::function<void(const part&)>& each) override;
  void queue_message(std::string destination, std::string payload, std::function<void(bool)> done) override;

 private:
  store::group_writer& writer_;
};

}  // namespace lapor::gateway
