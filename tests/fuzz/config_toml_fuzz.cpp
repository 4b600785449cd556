// libFuzzer target for configuration loading: a TOML file, then `--set key=value` overrides.
//
// Input: the TOML document, optionally followed by a line "%%%" and one override per line.
// Sample:
//   [smpp]
//   accounts = [{system_id = "tsel", password = "pw", operator = "telkomsel"}]
//   %%%
//   web.listen=127.0.0.1:0
//
// load_config() reads a file, so the document goes to one temporary file per process
// (in /dev/shm when possible), rewritten for every input. Property: it returns a value (loaded or an error naming a key
// or the file) and never throws; a loaded config loads again from the same input to the
// same essentials.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/config.h"
#include "tests/fuzz/fuzz_targets.h"

using namespace lapor::gateway;
using lapor::fuzz::require;

namespace {

// The per-process scratch file, removed at exit.
class scratch_file {
 public:
  // In /dev/shm when there is one: rewriting a file in place on ext4 starts a writeback
  // each time (auto_da_alloc), which would make this target 100 times slower.
  scratch_file() {
    const char* tmp = std::getenv("TMPDIR");
    for (std::string dir : {std::string("/dev/shm"), std::string(tmp && *tmp ? tmp : "/tmp")}) {
      path_ = dir + "/lapor-config-fuzz-XXXXXX";
      int fd = ::mkstemp(path_.data());
      if (fd >= 0) {
        ::close(fd);
        return;
      }
    }
    require(false);
  }
  ~scratch_file() { std::remove(path_.c_str()); }
  scratch_file(const scratch_file&) = delete;
  scratch_file& operator=(const scratch_file&) = delete;

  const std::string& write(std::string_view content) {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    require(f != nullptr);
    require(std::fwrite(content.data(), 1, content.size(), f) == content.size());
    require(std::fclose(f) == 0);
    return path_;
  }

 private:
  std::string path_;
};

}  // namespace

namespace lapor::fuzz {

int config_toml(const std::uint8_t* data, std::size_t size) {
  static scratch_file file;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view separator = "\n%%%\n";
  const auto sep = in.find(separator);
  const std::string_view document = in.substr(0, sep);
  std::vector<std::string> overrides;
  if (sep != std::string_view::npos) {
    std::string_view rest = in.substr(sep + separator.size());
    while (!rest.empty()) {
      auto nl = rest.find('\n');
      overrides.emplace_back(rest.substr(0, nl));
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    }
  }

  const std::string& path = file.write(document);
  config first;
  auto err = load_config(path, overrides, first);
  if (err) {
    require(!err->message.empty());
    (void)err->to_string();
    return 0;
  }
  require(!first.data_dir.empty());
  for (const auto& a : first.smpp.accounts) require(a.system_id.size() <= 15);
  (void)first.dispatcher_url();
  (void)first.web.listen.to_string();

  config second;
  require(!load_config(path, overrides, second).has_value());
  require(second.data_dir == first.data_dir && second.smpp.accounts.size() == first.smpp.accounts.size() &&
          second.web.listen.port == first.web.listen.port && second.threads == first.threads);
  return 0;
}

}  // namespace lapor::fuzz

LAPOR_FUZZ_ENTRY(config_toml)
