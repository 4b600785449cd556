// Reporter identities as duplicate detection links them (gateway/reporter_identity.h).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "gateway/dedup_engine.h"
#include "gateway/reporter_identity.h"

using namespace lapor::gateway;

TEST_CASE("identities: E.164 phones, normalised e-mails, handles, contact phones in tweets, masking") {
  CHECK(email_identity("A.Budi+lapor@GoogleMail.com") == "mailto:abudi@gmail.com");
  CHECK(email_identity("Siti.Aminah@Yahoo.co.id") == "mailto:siti.aminah@yahoo.co.id");
  CHECK(twitter_identity("@Budi_Kotim") == "twitter:budi_kotim");
  CHECK(contact_phones_in_text("jalan rusak, hub saya 0812-3456-7890 ya") == std::vector<std::string>{"+6281234567890"});
  CHECK(contact_phones_in_text("WA: +62 813 1111 2222") == std::vector<std::string>{"+6281311112222"});
  CHECK(contact_phones_in_text("pungli oleh petugas 081234567890").empty());  // not stated as a contact
  CHECK(mask_identity("tel:+6281234567890") == "tel:+62812*****890");
  CHECK(mask_identity("mailto:budi@gmail.com") == "mailto:bu***@gmail.com");

  submission s;
  s.channel = channel_kind::twitter;
  s.who.twitter = "Budi_Kotim";
  s.body = "@lapor1708 jalan rusak parah, kontak saya wa 0812-3456-7890";
  CHECK(identity_keys_of(s) == std::vector<std::string>{"twitter:budi_kotim", "tel:+6281234567890"});
  // The account id links the handle (and stands alone for an author the page did not expand).
  s.channel_ref.emplace_back("author_id", "1182734015987654656");
  CHECK(identity_keys_of(s) ==
        std::vector<std::string>{"twitter:budi_kotim", "twitter-id:1182734015987654656", "tel:+6281234567890"});
  submission suspended;
  suspended.channel = channel_kind::twitter;
  suspended.channel_ref.emplace_back("author_id", "555");
  CHECK(identity_keys_of(suspended) == std::vector<std::string>{"twitter-id:555"});
  s.channel_ref.clear();
  s.channel = channel_kind::web;  // a web form states its phone in a field, never in the text
  CHECK(identity_keys_of(s) == std::vector<std::string>{"twitter:budi_kotim"});
  s.who.phone = "+6281234567890";
  s.who.email = "Budi@Gmail.com";
  CHECK(identity_keys_of(s) == std::vector<std::string>{"tel:+6281234567890", "mailto:budi@gmail.com", "twitter:budi_kotim"});
}
