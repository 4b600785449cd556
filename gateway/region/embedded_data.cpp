// The region index (built from idn-area-data by make_region_index.py) and the lexicon
// (data/region/lexicon-id.txt), built into the binary so the daemon's default needs no file.
// `.incbin` keeps the 1.6 MB out of the C++ front end (two cores, slow compiles).
#include <stdexcept>
#include <string>

#include "gateway/region/lexicon.h"
#include "gateway/region/region_table.h"
#include "gateway/region/resolver.h"

#ifndef LAPOR_REGION_INDEX_FILE
#error "LAPOR_REGION_INDEX_FILE must name the generated region index"
#endif
#ifndef LAPOR_REGION_LEXICON_FILE
#error "LAPOR_REGION_LEXICON_FILE must name data/region/lexicon-id.txt"
#endif

__asm__(
    ".section .rodata\n"
    ".balign 16\n"
    ".hidden lapor_region_index_begin\n"
    ".hidden lapor_region_index_end\n"
    ".hidden lapor_region_lexicon_begin\n"
    ".hidden lapor_region_lexicon_end\n"
    "lapor_region_index_begin:\n"
    ".incbin \"" LAPOR_REGION_INDEX_FILE "\"\n"
    "lapor_region_index_end:\n"
    "lapor_region_lexicon_begin:\n"
    ".incbin \"" LAPOR_REGION_LEXICON_FILE "\"\n"
    "lapor_region_lexicon_end:\n"
    ".byte 0\n"
    ".previous\n");

extern "C" const char lapor_region_index_begin[], lapor_region_index_end[];
extern "C" const char lapor_region_lexicon_begin[], lapor_region_lexicon_end[];

namespace lapor::region {

const region_table& region_table::embedded() {
  static const region_table table = [] {
    std::string error;
    auto t = parse(std::string(lapor_region_index_begin, lapor_region_index_end), error);
    if (!t) throw std::runtime_error("embedded " + error);
    return std::move(*t);
  }();
  return table;
}

const lexicon& lexicon::embedded() {
  static const lexicon words = [] {
    std::string error;
    auto lx = parse(std::string_view(lapor_region_lexicon_begin, lapor_region_lexicon_end - lapor_region_lexicon_begin),
                    error);
    if (!lx) throw std::runtime_error("embedded " + error);
    return std::move(*lx);
  }();
  return words;
}

const resolver& resolver::embedded() {
  static const resolver r(region_table::embedded(), lexicon::embedded());
  return r;
}

}  // namespace lapor::region
