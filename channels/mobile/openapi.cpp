// The OpenAPI 3 description of the mobile API, served at GET /api/v1/openapi.json. Kept beside
// the handlers it describes; tests/integration/test_mobile_api.py checks it against the server.
#include "channels/mobile/mobile_api.h"

namespace lapor::mobile {

const std::string& openapi_document() {
  static const std::string doc = R"openapi(
{
  "openapi": "3.0.3",
  "info": {
    "title": "SP4N-LAPOR! mobile API",
    "version": "1.0.0",
    "description": "Citizen reports from the Android and iOS apps. Every request to /api/v1/reports is signed with an app key: Authorization: LAPOR-HMAC-SHA256 key_id=<key_id>, ts=<unix seconds>, sig=<hex> where sig = hex(HMAC-SHA256(secret, METHOD \"\\n\" PATH \"\\n\" ts \"\\n\" hex(SHA-256(body)))). PATH is the request target including the query string; ts must be within 300 s of the server's clock, and a signature may be reused only with the same Idempotency-Key (a resend). A 201 is sent only after the report is durably stored. Errors are RFC 9457 problem documents whose errors[].field names the offending field ($ = the document itself)."
  },
  "servers": [{"url": "/"}],
  "components": {
    "securitySchemes": {
      "laporHmac": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "LAPOR-HMAC-SHA256 key_id=<key_id>, ts=<unix seconds>, sig=<64 lowercase hex digits>"
      }
    },
    "parameters": {
      "IdempotencyKey": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": true,
        "description": "Unique per report (1-200 printable ASCII characters, no spaces). A retry with the same key and the same body gets the stored answer; the same key with another body is 422.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 200}
      },
      "TrackingId": {
        "name": "tracking_id",
        "in": "path",
        "required": true,
        "description": "A tracking ID such as LPR-7K3D-9QX2-M (case- and hyphen-insensitive).",
        "schema": {"type": "string"}
      }
    },
    "schemas": {
      "Report": {
        "type": "object",
        "required": ["body"],
        "properties": {
          "title": {"type": "string", "nullable": true, "maxLength": 200, "description": "Derived from the body when absent."},
          "body": {"type": "string", "minLength": 1, "maxLength": 20000},
          "kind": {"type": "string", "enum": ["complaint", "aspiration", "information_request"], "default": "complaint"},
          "reporter": {
            "type": "object",
            "nullable": true,
            "properties": {
              "name": {"type": "string", "nullable": true, "maxLength": 200},
              "phone": {"type": "string", "nullable": true, "description": "Indonesian or E.164 number, e.g. 0812-3456-7890"},
              "email": {"type": "string", "nullable": true, "format": "email"}
            }
          },
          "anonymous": {"type": "boolean", "default": false, "description": "Anonim: the identity must not reach the reported party or the public."},
          "confidential": {"type": "boolean", "default": false, "description": "Rahasia: the content must not be public."},
          "location": {
            "type": "object",
            "nullable": true,
            "properties": {
              "text": {"type": "string", "nullable": true, "maxLength": 500},
              "lat": {"type": "number", "nullable": true, "minimum": -90, "maximum": 90},
              "lon": {"type": "number", "nullable": true, "minimum": -180, "maximum": 180}
            }
          },
          "attachments": {
            "type": "array",
            "nullable": true,
            "maxItems": 5,
            "items": {
              "type": "object",
              "required": ["data_base64"],
              "properties": {
                "name": {"type": "string", "nullable": true},
                "mime": {"type": "string", "nullable": true, "description": "Informative; the type is taken from the content."},
                "data_base64": {"type": "string", "format": "byte", "description": "A JPEG, PNG, WebP or HEIC photo (web.max_photo_bytes, 6 MiB by default)."}
              }
            }
          },
          "device_id": {"type": "string", "nullable": true, "maxLength": 128}
        }
      },
      "SubmitAnswer": {
        "type": "object",
        "required": ["tracking_id", "status", "duplicate_of"],
        "properties": {
          "tracking_id": {"type": "string", "example": "LPR-7K3D-9QX2-M"},
          "status": {"type": "string", "enum": ["received", "duplicate"]},
          "duplicate_of": {"type": "string", "nullable": true}
        }
      },
      "ReportStatus": {
        "type": "object",
        "required": ["tracking_id", "status", "duplicate_of", "received_at", "forwarded_at", "kind", "sla"],
        "properties": {
          "tracking_id": {"type": "string"},
          "status": {"type": "string", "enum": ["received", "forwarded", "duplicate"]},
          "duplicate_of": {"type": "string", "nullable": true},
          "received_at": {"type": "string", "format": "date-time"},
          "forwarded_at": {"type": "string", "format": "date-time", "nullable": true},
          "kind": {"type": "string", "nullable": true, "enum": ["complaint", "aspiration", "information_request", null]},
          "sla": {
            "type": "object",
            "properties": {
              "verify_by": {"type": "string", "format": "date", "nullable": true},
              "respond_within_working_days": {"type": "integer", "nullable": true}
            }
          }
        }
      },
      "Problem": {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
          "type": {"type": "string"},
          "title": {"type": "string"},
          "status": {"type": "integer"},
          "detail": {"type": "string"},
          "errors": {
            "type": "array",
            "items": {
              "type": "object",
              "required": ["field", "message"],
              "properties": {"field": {"type": "string"}, "message": {"type": "string"}}
            }
          }
        }
      }
    },
    "responses": {
      "BadRequest": {"description": "Not JSON, nested too deep, a broken multipart body, or a missing/invalid Idempotency-Key.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "Unauthorized": {"description": "Missing, malformed or wrong signature, unknown key_id, a timestamp more than 300 s away, or a signed POST sent again with another Idempotency-Key (a replay: sign each request anew).", "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "NotFound": {"description": "No such report (or not a valid tracking ID).", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "MethodNotAllowed": {"description": "Wrong method; Allow lists the right ones.", "headers": {"Allow": {"schema": {"type": "string"}}}, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "TooLarge": {"description": "The body exceeds the limit.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "UnsupportedMediaType": {"description": "Neither application/json nor multipart/form-data.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "Unprocessable": {"description": "A field is wrong (errors[].field names it), or the Idempotency-Key was used with another body.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "TooManyRequests": {"description": "Rate limit of this client address.", "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "Unavailable": {"description": "Overloaded or the store failed; nothing was stored. Retry after Retry-After seconds with the same Idempotency-Key.", "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    }
  },
  "paths": {
    "/api/v1/reports": {
      "post": {
        "operationId": "submitReport",
        "summary": "Submit a report",
        "security": [{"laporHmac": []}],
        "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Report"}},
            "multipart/form-data": {
              "schema": {
                "type": "object",
                "required": ["report"],
                "properties": {
                  "report": {"type": "string", "description": "The Report as JSON (attachments may then be omitted)."},
                  "attachments": {"type": "array", "maxItems": 5, "items": {"type": "string", "format": "binary"}, "description": "Photos as file parts (any part name with a filename)."}
                }
              }
            }
          }
        },
        "responses": {
          "201": {"description": "Stored (received) or recognised as a retry/duplicate of a stored report.", "headers": {"Location": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SubmitAnswer"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "405": {"$ref": "#/components/responses/MethodNotAllowed"},
          "413": {"$ref": "#/components/responses/TooLarge"},
          "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "429": {"$ref": "#/components/responses/TooManyRequests"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/api/v1/reports/{tracking_id}": {
      "get": {
        "operationId": "getReport",
        "summary": "State and dates of a report (never its content or the reporter's identity)",
        "security": [{"laporHmac": []}],
        "parameters": [{"$ref": "#/components/parameters/TrackingId"}],
        "responses": {
          "200": {"description": "The report's state.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReportStatus"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "405": {"$ref": "#/components/responses/MethodNotAllowed"}
        }
      }
    },
    "/api/v1/openapi.json": {
      "get": {
        "operationId": "getOpenApi",
        "summary": "This document",
        "security": [],
        "responses": {"200": {"description": "OpenAPI 3 document", "content": {"application/json": {"schema": {"type": "object"}}}}}
      }
    }
  }
}
)openapi";
  return doc;
}

}  // namespace lapor::mobile
