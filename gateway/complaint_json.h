// The dispatcher's wire documents (SPEC §4), written with Boost.JSON so escaping is right.
#pragma once

#include <string>

#include "gateway/complaint.h"

namespace lapor::gateway {

// {"schema":"lapor.complaint/v1", "tracking_id":…, "channel":…, "channel_ref":{…},
//  "received_at":…, "reporter":{name,phone,email,twitter}, "anonymous", "confidential",
//  "kind", "title", "body", "location":{text,lat,lon}, "attachments":[…], "sla":{…}}
// Keys in exactly that order; absent values are null. Extra: "incomplete": true only when set.
[[nodiscard]] std::string to_canonical_json(const complaint& c);

struct duplicate_link {
  std::string tracking_id;   // the duplicate's own ID
  std::string duplicate_of;  // the original's ID
  channel_kind channel = channel_kind::test;
  clock::time_point received_at{};
  double score = 1.0;
};
// {"schema":"lapor.duplicate/v1","tracking_id":…,"duplicate_of":…,"channel":…,"received_at":…,"score":…}
[[nodiscard]] std::string to_duplicate_json(const duplicate_link& d);

}  // namespace lapor::gateway
