/* The registry of every error code the API answers with: its HTTP status,
 * whether it is what httpd's own errors of that status become, and its
 * default message. The README's error table is checked against this list
 * (tests/integration/test_errors_registry.py); add a code here, never as a
 * literal at a call site. Plain data: no includes, so any file may use it. */
#ifndef GH_ERRORS_H
#define GH_ERRORS_H

/* X(ID, "code", status, default_for_status, "default message") */
#define GH_ERRORS(X) \
    /* requests httpd or the module refuse before any area logic */ \
    X(BAD_REQUEST,            "bad_request",            400, 1, "The request is malformed.") \
    X(BAD_PATH,               "bad_path",               400, 0, "The request path is not valid URL-encoded UTF-8.") \
    X(BAD_QUERY,              "bad_query",              400, 0, "The query string is not valid URL-encoded UTF-8.") \
    X(INVALID_JSON,           "invalid_json",           400, 0, "The request body is not valid JSON.") \
    X(INVALID_REQUEST,        "invalid_request",        400, 0, "A field of the request is missing or invalid.") \
    X(UNAUTHORIZED,           "unauthorized",           401, 1, "Valid credentials are required.") \
    X(FORBIDDEN,              "forbidden",              403, 1, "Access is denied.") \
    X(NOT_FOUND,              "not_found",              404, 1, "No such resource.") \
    X(METHOD_NOT_ALLOWED,     "method_not_allowed",     405, 1, "This method is not allowed here.") \
    X(REQUEST_TIMEOUT,        "request_timeout",        408, 1, "The request took too long to arrive.") \
    X(LENGTH_REQUIRED,        "length_required",        411, 1, "A Content-Length is required.") \
    X(PAYLOAD_TOO_LARGE,      "payload_too_large",      413, 1, "The request body is too large.") \
    X(URI_TOO_LONG,           "uri_too_long",           414, 1, "The request URI is too long.") \
    X(UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", 415, 1, "The request body has an unsupported type.") \
    X(EXPECTATION_FAILED,     "expectation_failed",     417, 1, "The Expect header cannot be met.") \
    X(RATE_LIMITED,           "rate_limited",           429, 1, "Too many requests; retry later.") \
    X(INTERNAL_ERROR,         "internal_error",         500, 1, "An internal error occurred.") \
    X(SERVER_MISCONFIGURED,   "server_misconfigured",   500, 0, "This location is not configured correctly.") \
    X(NOT_IMPLEMENTED,        "not_implemented",        501, 1, "This method is not implemented.") \
    X(BAD_GATEWAY,            "bad_gateway",            502, 1, "An upstream service failed.") \
    X(SERVICE_UNAVAILABLE,    "service_unavailable",    503, 1, "The service is temporarily unavailable.") \
    X(NOT_CONFIGURED,         "not_configured",         503, 0, "This feature is not configured on this server.") \
    X(GATEWAY_TIMEOUT,        "gateway_timeout",        504, 1, "An upstream service timed out.") \
    /* the database */ \
    X(CONFLICT,               "conflict",               409, 0, "A concurrent change conflicted with this one; retry.") \
    X(DATABASE_ERROR,         "database_error",         500, 0, "The database rejected the operation.") \
    X(DATABASE_UNAVAILABLE,   "database_unavailable",   503, 0, "The database is unavailable; retry later.") \
    /* outside services */ \
    X(UPSTREAM_ERROR,         "upstream_error",         502, 0, "An upstream service answered unexpectedly.") \
    X(UPSTREAM_UNAVAILABLE,   "upstream_unavailable",   503, 0, "An upstream service is unreachable.") \
    X(UPSTREAM_TIMEOUT,       "upstream_timeout",       504, 0, "An upstream service timed out.") \
    /* identity and sessions */ \
    X(INVALID_TOKEN,          "invalid_token",          401, 0, "The bearer token is missing, invalid or expired.") \
    X(INVALID_GRANT,          "invalid_grant",          401, 0, "The code, credential or refresh token is not valid.") \
    X(NOT_AUTHORIZED,         "not_authorized",         401, 0, "Incorrect username or password.") \
    X(ACCOUNT_DISABLED,       "account_disabled",       403, 0, "This account is disabled.") \
    X(CHALLENGE_REQUIRED,     "challenge_required",     403, 0, "Cognito asks for a further sign-in step.") \
    X(USER_NOT_CONFIRMED,     "user_not_confirmed",     403, 0, "The user has not confirmed the sign-up.") \
    X(USER_NOT_FOUND,         "user_not_found",         404, 0, "The user no longer exists.") \
    X(USERNAME_EXISTS,        "username_exists",        409, 0, "An account with this username already exists.") \
    X(INVALID_IDENTITY,       "invalid_identity",       400, 0, "The identity provider's answer lacks a usable identity.") \
    X(INVALID_PASSWORD,       "invalid_password",       400, 0, "The password does not meet the policy.") \
    X(INVALID_PARAMETER,      "invalid_parameter",      400, 0, "Cognito rejected a parameter.") \
    X(CODE_MISMATCH,          "code_mismatch",          400, 0, "The confirmation code is wrong.") \
    X(CODE_EXPIRED,           "code_expired",           400, 0, "The confirmation code has expired.") \
    X(COGNITO_ERROR,          "cognito_error",          400, 0, "Cognito refused the request.") \
    X(TOO_MANY_REQUESTS,      "too_many_requests",      429, 0, "Cognito asks to retry later.") \
    /* the user's data */ \
    X(SUBSCRIPTION_EXISTS,    "subscription_exists",    409, 0, "This subscription already exists.") \
    X(SUBSCRIPTION_NOT_FOUND, "subscription_not_found", 404, 0, "No such subscription.") \
    X(PUSH_TOKEN_NOT_FOUND,   "push_token_not_found",   404, 0, "No such push token.") \
    /* payments and points */ \
    X(ORDER_NOT_FOUND,        "order_not_found",        404, 0, "No such order.") \
    X(ORDER_NOT_OPEN,         "order_not_open",         409, 0, "The order is no longer open.") \
    X(ORDER_ALREADY_PAID,     "order_already_paid",     409, 0, "The order is already paid.") \
    X(ORDER_CANCELLED,        "order_cancelled",        409, 0, "The order was cancelled.") \
    X(ORDER_NOT_CANCELLABLE,  "order_not_cancellable",  409, 0, "The order cannot be cancelled.") \
    X(CANCEL_IN_PROGRESS,     "cancel_in_progress",     409, 0, "Another cancel of this order is in progress.") \
    X(CANCEL_FAILED,          "cancel_failed",          400, 0, "Toss Payments refused the cancel.") \
    X(PAYMENT_FAILED,         "payment_failed",         400, 0, "Toss Payments refused the payment.") \
    X(AMOUNT_MISMATCH,        "amount_mismatch",        400, 0, "The amount differs from the order's.") \
    X(PAYMENT_MISMATCH,       "payment_mismatch",       409, 0, "The payment does not belong to this order.") \
    X(INSUFFICIENT_POINTS,    "insufficient_points",    409, 0, "The balance is too low.") \
    X(IDEMPOTENCY_KEY_REUSED, "idempotency_key_reused", 422, 0, "This Idempotency-Key was used for another request.") \
    X(NOT_RECOVERABLE,        "not_recoverable",        409, 0, "The order is not in a state recovery can fix.") \
    /* chat */ \
    X(ROOM_NOT_FOUND,         "room_not_found",         404, 0, "No such room.") \
    X(NOT_WEBSOCKET,          "not_websocket",          400, 0, "This endpoint needs a WebSocket upgrade.") \
    X(BAD_WEBSOCKET_KEY,      "bad_websocket_key",      400, 0, "Sec-WebSocket-Key is not a 16-byte base64 value.") \
    X(UNSUPPORTED_VERSION,    "unsupported_version",    426, 0, "Only WebSocket version 13 is supported.") \
    X(CHAT_UNAVAILABLE,       "chat_unavailable",       503, 0, "Chat is unavailable on this server.") \
    /* quests */ \
    X(QUEST_NOT_FOUND,        "quest_not_found",        404, 0, "No such quest.") \
    X(QUEST_NOT_READY,        "quest_not_ready",        409, 0, "The quest has not reached its target yet.") \
    X(QUEST_COMPLETED,        "quest_completed",        409, 0, "The quest is already completed.") \
    X(QUEST_EXPIRED,          "quest_expired",          409, 0, "The quest's period is over.") \
    /* the psychology test and its results */ \
    X(INVALID_ANSWERS,        "invalid_answers",        400, 0, "The answers do not fit the question set.") \
    X(SUBMISSION_REUSED,      "submission_reused",      409, 0, "This submission id was used for other answers.") \
    X(PSY_TEST_UNAVAILABLE,   "psy_test_unavailable",   503, 0, "No psy-test question set is published.") \
    X(RESULT_NOT_FOUND,       "result_not_found",       404, 0, "No such analysis result.") \
    /* metrics */ \
    X(METRICS_UNAVAILABLE,    "metrics_unavailable",    503, 0, "The metrics are not available.") \
    /* wellness: SNS */ \
    X(UNKNOWN_CHANNEL,        "unknown_channel",        400, 0, "No such SNS channel.") \
    X(DUPLICATE_EXTERNAL_ID,  "duplicate_external_id",  400, 0, "An external_id appears more than once in the items.") \
    X(SNS_ACCOUNT_NOT_FOUND,  "sns_account_not_found",  404, 0, "No such SNS account.")

typedef enum {
#define GH_ERROR_ID(id, code, status, dflt, message) GH_E_##id,
    GH_ERRORS(GH_ERROR_ID)
#undef GH_ERROR_ID
    GH_E__COUNT
} gh_err_e;

#endif
