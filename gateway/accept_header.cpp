#include "gateway/accept_header.h"

#include <charconv>

#include "gateway/ascii.h"

namespace lapor::gateway {

namespace {

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ); anything else: nullopt-like -1.
double qvalue(std::string_view v) noexcept {
  if (v.empty() || v.size() > 5 || (v[0] != '0' && v[0] != '1')) return -1;
  if (v.size() > 1 && v[1] != '.') return -1;
  double q = v[0] - '0', scale = 0.1;
  for (std::size_t i = 2; i < v.size(); ++i, scale /= 10) {
    if (v[i] < '0' || v[i] > '9') return -1;
    q += (v[i] - '0') * scale;
  }
  return q > 1 ? -1 : q;
}

}  // namespace

acceptance accepts(std::string_view field, std::string_view media_type) noexcept {
  const auto slash = media_type.find('/');
  const auto type = media_type.substr(0, slash), subtype = slash == std::string_view::npos ? "" : media_type.substr(slash + 1);
  acceptance best;
  while (!field.empty()) {
    const auto comma = field.find(',');
    auto element = field.substr(0, comma);
    field = comma == std::string_view::npos ? std::string_view{} : field.substr(comma + 1);
    const auto semi = element.find(';');
    const auto range = trim_ows(element.substr(0, semi));
    const auto rs = range.find('/');
    if (rs == std::string_view::npos) continue;
    const auto rtype = range.substr(0, rs), rsub = range.substr(rs + 1);
    int specificity = -1;
    if (rtype == "*" && rsub == "*") specificity = 0;
    else if (ascii_iequals(rtype, type) && rsub == "*") specificity = 1;
    else if (ascii_iequals(rtype, type) && ascii_iequals(rsub, subtype)) specificity = 2;
    if (specificity < best.specificity || specificity < 0) continue;
    double q = 1;
    auto params = semi == std::string_view::npos ? std::string_view{} : element.substr(semi + 1);
    bool bad = false;
    while (!params.empty()) {
      const auto next = params.find(';');
      const auto param = trim_ows(params.substr(0, next));
      params = next == std::string_view::npos ? std::string_view{} : params.substr(next + 1);
      const auto eq = param.find('=');
      if (eq == std::string_view::npos) continue;
      if (ascii_iequals(trim_ows(param.substr(0, eq)), "q")) {
        q = qvalue(trim_ows(param.substr(eq + 1)));
        bad = q < 0;
        break;  // parameters after q are accept-ext, not the media type's
      }
    }
    if (bad) continue;
    // The most specific range decides; among equally specific ones, the highest q.
    if (specificity > best.specificity || q > best.q) best = {q, specificity};
  }
  return best;
}

}  // namespace lapor::gateway
