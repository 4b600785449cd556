// Where the outbox_forwarder delivers documents: an HTTP(S) dispatcher driven by a libcurl
// multi handle, or a JSON-lines file (`file://PATH`). Both are used by one thread (the
// forwarder's) except wakeup(), which any thread may call to end a wait early.
//
// A request carries one or more documents under one Idempotency-Key; its result says whether
// all of them were delivered, should be retried, or were refused for good. The forwarder owns
// every decision about rows; a sink only moves bytes and classifies the answer.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gateway/outbox_forwarder.h"

namespace lapor::gateway {

struct dispatch_request {
  std::uint64_t tag = 0;                 // chosen by the caller, returned in the result
  std::string idempotency_key;
  std::vector<std::string> documents;    // each one JSON document
  // False only when no earlier attempt of any of these rows can have reached the
  // destination: committed by this process and never begun. A sink whose destination
  // answers "already have it" (X's 403 duplicate content) tells a lost earlier success from
  // a refusal by it.
  bool may_have_reached = true;
};

struct dispatch_result {
  std::uint64_t tag = 0;
  delivery_outcome outcome = delivery_outcome::retry;
  long http_status = 0;                  // 0: no HTTP answer (network error, file sink)
  long retry_after_s = -1;               // from Retry-After; -1 when absent or invalid
  std::string error;                     // empty when delivered; short, never the token
};

class dispatch_sink {
 public:
  virtual ~dispatch_sink() = default;

  // Requests that may be in flight at once, and documents per request.
  [[nodiscard]] virtual std::size_t capacity() const noexcept = 0;
  [[nodiscard]] virtual std::size_t max_documents() const noexcept = 0;
  [[nodiscard]] virtual std::size_t in_flight() const noexcept = 0;

  // Starts a request. Precondition: in_flight() < capacity() and 1 <= documents <= max_documents().
  virtual void begin(dispatch_request r) = 0;
  // Makes progress for at most `timeout` (less when a request finishes or wakeup() is called)
  // and appends the finished requests to `done`.
  virtual void run_once(std::chrono::milliseconds timeout, std::vector<dispatch_result>& done) = 0;
  // Abandons every request in flight without a result (shutdown after the deadline): their
  // rows stay pending in the store and are sent again by the next process.
  virtual void abandon_all() = 0;
  // Thread-safe: ends the current or next run_once() wait early.
  virtual void wakeup() noexcept = 0;
  // Replaces the bearer token of requests begun from now on (a reload). Called on the
  // forwarder's thread. Sinks that send no credentials (the file sink) have nothing to change.
  virtual void set_token(std::string token) { (void)token; }
  // "http" or "file", for logs.
  [[nodiscard]] virtual const char* kind() const noexcept = 0;
};

// For `http://` and `https://` URLs. `batch` = POST a JSON array of up to batch_size documents.
// Throws std::runtime_error when libcurl cannot be set up (start-up only).
[[nodiscard]] std::unique_ptr<dispatch_sink> make_http_sink(const forwarder_options& opts);

// For `file://PATH`: appends each document and '\n' to PATH (opened O_APPEND|O_CREAT, parent
// folders created), one write and one fsync per run_once for everything begun since; a
// request is delivered only after that fsync returned. Raw newlines inside a document (only
// possible as JSON whitespace) are written as spaces so each line stays one document. A
// failed write or fsync truncates back to the previous size where it can, reopens the file,
// and reports retry.
[[nodiscard]] std::unique_ptr<dispatch_sink> make_file_sink(std::string path, std::size_t documents_per_request);

// The sink for `opts.url`; throws std::invalid_argument for any other scheme (start-up only).
[[nodiscard]] std::unique_ptr<dispatch_sink> make_dispatch_sink(const forwarder_options& opts);

// The body of an HTTP request: the document itself, or (batch) a JSON array of documents.
[[nodiscard]] std::string http_body(const std::vector<std::string>& documents, bool batch);

// The path of a `file://` URL: "file:///var/x.jsonl" -> "/var/x.jsonl", "file://./d/x" -> "./d/x".
[[nodiscard]] std::string file_url_path(const std::string& url);

}  // namespace lapor::gateway
