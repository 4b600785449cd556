# Sourced by the bench scripts that start the daemon in server mode: one place for the config
# they share (ephemeral ports on 127.0.0.1, warnings only, no per-IP rate limit, the SMPP
# account `bench`/`bench` of operator telkomsel).
#
#   bench_config DATA_DIR [EXTRA_TOML] > gateway.toml
#
# EXTRA_TOML is appended as it is (further sections: [mobile], [dispatcher] …).
bench_config() {
  cat <<TOML
data_dir = "$1"
log_format = "text"
log_level = "warn"

[web]
listen = "127.0.0.1:0"
rate_limit_per_minute = 0

[admin]
listen = "127.0.0.1:0"

[smpp]
listen = "127.0.0.1:0"
short_code = "1708"
accounts = [{system_id = "bench", password = "bench", operator = "telkomsel", allowed_cidrs = ["127.0.0.1/32"]}]
${2:-}
TOML
}
