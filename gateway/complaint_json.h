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
  // The duplicate's own lapor.complaint/v1 document (what it adds: text, photos, place, the
  // reporter's stated contact; its Anonim/Rahasia flags). Empty = omitted.
  std::string complaint_json;
};
// {"schema":"lapor.duplicate/v1","tracking_id":…,"duplicate_of":…,"channel":…,"received_at":…,"score":…,
//  "complaint":{…the duplicate's own lapor.complaint/v1…}}
[[nodiscard]] std::string to_duplicate_json(const duplicate_link& d);

// The document with "possible_duplicates": [{"tracking_id": …, "score": …}, …] added (SPEC §4):
// a complaint the verifier should compare with those, best first. `document` is a serialised
// JSON object; returned unchanged when it is not one or `hints` is empty.
struct possible_duplicate {
  std::string tracking_id;
  double score = 0;
};
[[nodiscard]] std::string with_possible_duplicates(const std::string& document, const std::vector<possible_duplicate>& hints);

}  // namespace lapor::gateway
