// Who a report comes from, as keys that compare equal for the same person however the
// channel wrote it: the identities duplicate detection links (gateway/dedup/).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lapor::gateway {

// "mailto:" + the address lowercased, "+tag" removed from the local part, and for Gmail the
// dots removed ("A.Budi+lapor@GoogleMail.com" -> "mailto:abudi@gmail.com").
[[nodiscard]] std::string email_identity(std::string_view email);
// "tel:" + an E.164 number.
[[nodiscard]] std::string phone_identity(std::string_view e164);
// "twitter:" + the handle lowercased, without '@'.
[[nodiscard]] std::string twitter_identity(std::string_view handle);
// "twitter-id:" + the account's numeric id (an all-digit handle is another account).
[[nodiscard]] std::string twitter_account_identity(std::string_view author_id);

// Indonesian mobile numbers a reporter states as contact in free text ("hub/wa/hp/telp/no
// 0812-3456-7890"), E.164; used to link a Twitter handle to a phone.
[[nodiscard]] std::vector<std::string> contact_phones_in_text(std::string_view text);

// "tel:+6281234567890" -> "tel:+62812*****890": enough for an operator to compare, not to call.
[[nodiscard]] std::string mask_identity(std::string_view key);

}  // namespace lapor::gateway
