"""What each problem ``type`` (``/problems/<slug>``) means and what a client should do about it.

Every slug the service can answer with has an entry here; ``tests/docs/test_docs.py`` finds the slugs
in the code (the ``ProblemError`` classes and the handlers' literal slugs) and fails on one
without an explanation.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem: its slug, HTTP status, title and what it means."""

    slug: str
    status: int
    title: str
    description: str
    resolution: str

    @property
    def type(self) -> str:
        return f"/problems/{self.slug}"

    def as_json(self) -> dict[str, object]:
        return {
            "type": self.type,
            "status": self.status,
            "title": self.title,
            "description": self.description,
            "resolution": self.resolution,
        }


PROBLEM_TYPES: dict[str, ProblemType] = {
    problem.slug: problem
    for problem in (
        ProblemType(
            "second-person-required",
            403,
            "A second person must decide",
            "A change request can only be approved or rejected by an API key of the approver role (or admin) whose "
            "owner differs from the owner of the key that asked for it; approving an API-key change also needs admin.",
            "Ask someone else with an approver or admin key to decide. To take your own request back, withdraw it.",
        ),
        ProblemType(
            "approval-required",
            409,
            "The change needs approval",
            "A bulk write includes a change the approval policy covers (see the README's policy table); a bulk "
            "write cannot wait for approval.",
            "Send that change on its own (PATCH, POST or DELETE of the one item), which opens a change request a "
            "second person approves; or, as an admin in an emergency, send the bulk write with X-Change-Reason.",
        ),
        ProblemType(
            "change-request-closed",
            409,
            "The change request is no longer pending",
            "The change request was already approved, rejected, withdrawn, or has become stale (its target changed "
            "after it was made) or expired; `state` in the problem says which. Nothing was applied.",
            "GET the target again and, if the change is still wanted, send it again to open a new change request.",
        ),
        ProblemType(
            "bad-request",
            400,
            "Bad request",
            "The request cannot be processed as sent, for a reason other than a field's value.",
            "Read `detail`, correct the request and send it again.",
        ),
        ProblemType(
            "invalid-cursor",
            400,
            "Invalid pagination cursor",
            "The `cursor` query parameter was altered, belongs to another collection, sort order or "
            "`as_of`, or was signed with a server secret that has since changed.",
            "Start again from the first page (without `cursor`) and follow `next_cursor` or the "
            '`Link: rel="next"` header unchanged.',
        ),
        ProblemType(
            "unauthorized",
            401,
            "Authentication required",
            "The request has no `Authorization: Bearer <token>` header, or the token is malformed, unknown, "
            "expired or revoked. All of these get the same answer, so the response does not reveal which.",
            "Send a valid API key. Ask an administrator for a new key if yours expired or was revoked.",
        ),
        ProblemType(
            "forbidden",
            403,
            "Not allowed for this API key's role",
            "The API key is valid but its role does not allow the operation: `reader` keys read, `editor` "
            "keys also change the inventory, `admin` keys also manage API keys.",
            "Use a key with the role the operation needs.",
        ),
        ProblemType(
            "not-found",
            404,
            "Resource not found",
            "No resource exists at this path: the id is unknown, the item was deleted, or (with `as_of`) it "
            "did not exist at that instant.",
            "Check the id or path. A deleted item's change records stay readable at "
            "`/api/v1/<collection>/{id}/history`.",
        ),
        ProblemType(
            "method-not-allowed",
            405,
            "Method not allowed",
            "The path exists but does not accept this HTTP method (for example `PATCH` on a collection).",
            "Use a method the path accepts; the `Allow` response header lists them.",
        ),
        ProblemType(
            "not-acceptable",
            406,
            "No acceptable representation",
            "The `Accept` header names no media type the operation can produce. Reports answer "
            "`application/json` and `text/csv`; everything else answers `application/json`.",
            "Send an `Accept` header the operation supports, or none.",
        ),
        ProblemType(
            "conflict",
            409,
            "Conflict with the current state",
            "The change contradicts the stored state: a unique key is taken, the item is still referred to, "
            "an audit status would skip a step, the last active admin key would be revoked or demoted, a "
            "deleted item cannot be restored, or a request with the same `Idempotency-Key` is still running.",
            "Read `detail` (and `allowed_next_status` where present), change the request, or retry after "
            "`Retry-After` seconds for a request still running.",
        ),
        ProblemType(
            "precondition-failed",
            412,
            "The resource has changed",
            "`If-Match` does not match the item's current `ETag`: someone changed it since you read it. "
            "Nothing was changed.",
            "`GET` the item again, reapply your change to what it now says, and send it with the new `ETag`.",
        ),
        ProblemType(
            "validation-error",
            422,
            "The request is not valid",
            "A query parameter, header or body field is missing, unknown or has a value it may not have, or "
            "an `Idempotency-Key` was reused for a different request. `errors` names each offending field "
            "with its `location` (query, header, path, body), `field`, `message` and `type`.",
            "Correct every field `errors` names and send the request again; nothing was stored.",
        ),
        ProblemType(
            "precondition-required",
            428,
            "A precondition header is required",
            "Changing or deleting an item needs `If-Match` with its current `ETag`, so that no update is lost.",
            "`GET` the item, then send the change with `If-Match: <its ETag>`.",
        ),
        ProblemType(
            "too-many-requests",
            429,
            "Too many requests",
            "The API key sent more requests than its rate limit allows (`INVENTORY_RATE_LIMIT`, per key), or "
            "this client address failed to authenticate too often (`INVENTORY_AUTH_FAILURE_LIMIT`). The "
            "`RateLimit-*` headers describe the limit.",
            "Wait the number of seconds in `Retry-After`, then send the request again; spread requests out.",
        ),
        ProblemType(
            "unsupported-media-type",
            415,
            "Unsupported media type",
            "The request has a body that is not declared as JSON: its `Content-Type` is missing or is not "
            "`application/json` (or `application/*+json`). Nothing was read or stored.",
            "Send the body as JSON with `Content-Type: application/json`.",
        ),
        ProblemType(
            "content-too-large",
            413,
            "Request body too large",
            "The request body is larger than the service accepts (`INVENTORY_MAX_BODY_BYTES`, 1 MiB by "
            "default). It was refused before it was parsed or authenticated; nothing was stored.",
            "Send a smaller body, e.g. split a large change into several requests.",
        ),
        ProblemType(
            "header-fields-too-large",
            431,
            "Request header fields too large",
            "The request target and headers together are larger than the service accepts "
            "(`INVENTORY_MAX_HEADER_BYTES`, 16 KiB by default), or there are more header fields than "
            "`INVENTORY_MAX_HEADER_COUNT` (100).",
            "Send fewer or shorter headers and a shorter URL.",
        ),
        ProblemType(
            "database-unavailable",
            503,
            "The database is unavailable",
            "The service could not reach its database in time (refused, dropped or timed-out connection, "
            "a terminated backend, or no free connection). Nothing was changed: a write is either fully "
            "stored or not at all, and its `Idempotency-Key` can be retried at once.",
            "Wait the number of seconds in `Retry-After`, then send the request again; the service recovers "
            "by itself when the database is back.",
        ),
        ProblemType(
            "http-error",
            400,
            "HTTP error",
            "The HTTP layer refused the request before it reached the service (the `status` member gives "
            "the exact code), for example a request line or headers it cannot parse.",
            "Read `status` and `detail`, correct the request and send it again.",
        ),
        ProblemType(
            "internal-error",
            500,
            "Internal server error",
            "The service failed unexpectedly. The response carries no internal detail; the error is logged "
            "with the request's `X-Request-ID`.",
            "Retry later. If it persists, report the `X-Request-ID` of the response to the operators.",
        ),
    )
}
"""Every problem type the service answers with, by slug."""
