"""Schemathesis hooks for the CRM's contract run (loaded through SCHEMATHESIS_HOOKS).

Two checks replace schemathesis' own:

- `positive_data_acceptance_beyond_state` is `positive_data_acceptance`, except for a refusal
  that no JSON Schema can prevent (`is_semantic_refusal`): a stale `If-Match` (412); a 400 or
  409 whose every field error is in SEMANTIC_REFUSALS (each names the server's message and why
  the schema cannot carry it); a 422 whose errors are listed there or are none of them a shape
  rule (SHAPE_RULES: lengths, characters, types, enumerations, formats, ranges — what a schema
  must state); an `all_or_none` batch refused for its records' errors, which without
  `all_or_none` are a 200 naming the failed records. Everything else a schema-valid request is
  refused with (a shape rule the schema does not state, any other 400, a 5xx) still fails the run.
- `negative_data_rejection_of_json` is `negative_data_rejection`, except for the CSV upload
  (`POST /api/v1/imports`, `text/csv`): whatever is sent as a "schema-violating" body (a number,
  an array) reaches the server as text, which is a CSV file with that header row; and except for
  a batch that answers 200 with the invalid records refused one by one (`failed` > 0); and a
  412, a stale `If-Match` refusing the request before its body is read.

`before_call` gives every request that carries an `Idempotency-Key` a fresh one.
"""

from __future__ import annotations

import json
import re
import uuid

import schemathesis
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

# (message pattern, why no schema can say it). Reviewed: keep this list short.
SEMANTIC_REFUSALS: list[tuple[str, str]] = [
    (
        r"is not an? [a-z ]+ of this (workspace|pipeline)|no such [a-z ]+|not visible to you|is not a customer you can see"
        r"|is not a known region|is a code of another level",
        "a referenced id, external id or region code must exist (in the caller's workspace and "
        "scope, or in the region table); the schema can only give its format",
    ),
    (
        r"was already used for a different request",
        "an Idempotency-Key is single-use per request body; generated keys repeat across cases",
    ),
    (
        r"is required to create|give [a-z_]+ or [a-z_]+|exactly one of|names another [a-z]+ than|must equal the external id in the path",
        "upsert bodies are merge patches whose required fields depend on whether the record "
        "exists; some pairs of fields exclude each other, and a body's external_id must equal "
        "the path's (stated in the descriptions; JSON Schema cannot relate two values)",
    ),
    (
        r"is not a cursor (returned by|of) this list|belongs to another sort order",
        "a cursor is opaque: only the next_cursor the server issued is one (the schema says string)",
    ),
    (
        r"is not a defined custom field",
        "custom_fields keys are the workspace's own field definitions",
    ),
    (
        r"is not inside [A-Z0-9]+|is required when [a-z_]+ is set|is required with [a-z_]+$|applies to persons only|countries have no parent"
        r"|a select field needs at least one option|only select fields have options"
        r"|is required \(or the crm_refresh cookie\)|must not be after to|needs an? (won|lost) stage"
        r"|contacts belong to organisation customers|belongs to another customer"
        r"|the window may span at most ten years|provinces are only known for country|only applies to dimension="
        r"|must differ from dimension",
        "rules between two values (a city inside its province, birth dates only for persons, options "
        "only for select fields, a refresh token in the body or the cookie, `from` not after `to`, "
        "a pipeline with a won and a lost stage) or between a value and the record it names (a "
        "contact of that customer, contacts only at organisations): JSON Schema cannot relate two "
        "values, the descriptions state them",
    ),
    (
        r"^custom_fields\.[^:]*: is required$",
        "which custom fields are required is the workspace's own definition, made at run time",
    ),
    (
        r"must not be in the future|the period must have begun|the period must end within 12 months from now",
        "a birth date, and a performance or forecast period, are checked against today, which the "
        "schema cannot name",
    ),
    (
        r"^[a-z_]*email: is not a valid e-mail address$",
        "an e-mail's local part and domain take Unicode letters and digits (`char::is_alphanumeric`), "
        "which a portable pattern (no \\p{..}) cannot name; the schema says `format: email`",
    ),
    (
        r"^body: content is not [a-z0-9./+-]+: the bytes must be what Content-Type says$|^body: is empty: send the file's bytes$"
        r"|^body: content is not a file of an accepted type",
        "an attachment's bytes must be what its Content-Type says (their magic number, UTF-8 for "
        "text); a schema can name the media type and `format: binary`, not what the bytes begin with",
    ),
    (
        r"needs at least \d+ buying customers",
        "a k-means fit needs data: it depends on the workspace's orders, not on the request",
    ),
    (
        r"the file has no such column|is not a field of|matches rows by external_id",
        "an import mapping names the columns of the uploaded file",
    ),
    (
        r"is the workspace's last active administrator|last administrator",
        "a workspace keeps one active administrator: it depends on the other users",
    ),
    (
        r"is converted|already converted|is closed|cannot be changed",
        "the record's state, not the request, forbids the change",
    ),
    (
        r"quantity: must have at most three decimals$",
        "a quantity is a JSON number with at most three decimals (the description says so); "
        "`multipleOf: 0.001` cannot state it on binary floats: 0.3 / 0.001 is 299.99999999999994, "
        "so validators refuse quantities the server rightly takes",
    ),
    (
        r"is not a known time zone|starts before the previous period ends|ends before it starts"
        r"|the week has no working hours|is listed twice|is both a holiday and a working day"
        r"|a [a-z]+ ticket cannot become [a-z]+",
        "a service calendar's time zone must be one of the IANA database's names, a day's periods "
        "must follow one another, a week needs some working time, a date may not be listed twice "
        "nor be both a holiday and a make-up working day, and a ticket's next status depends on "
        "its current one: JSON Schema cannot relate two values or name the zone database",
    ),
]

_PATTERNS = [re.compile(p) for p, _ in SEMANTIC_REFUSALS]


def _field_messages(response) -> list[str] | None:
    try:
        body = json.loads(response.content or b"{}")
    except ValueError:
        return None
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, dict) or not errors:
        return None
    # "field: message", so that a rule can name the field it is about.
    return [
        f"{field}: {m}"
        for field, messages in errors.items()
        for m in (messages if isinstance(messages, list) else [messages])
    ]


# Messages that state what a schema states: lengths, characters, types, enumerations, formats
# and ranges. A 422 for a schema-valid request that carries one of these means the schema does
# not say what the server checks: that fails the run (unless SEMANTIC_REFUSALS names it).
# Custom-field values are exempt: their types and options are the workspace's own definitions.
SHAPE_RULES = re.compile(
    r": (must not be empty|must be at (most|least) \d+( characters)?$|must not contain control"
    r"|must be between|must be \d+ to \d+|must hold|must not be negative|must be 0 or more"
    r"|must be a positive number|invalid type|invalid value"
    r"|unknown variant|unknown field|missing field|must be a UUID|must be an E\.164"
    r"|must be a three-letter|must be a colour|must start with a lowercase|must be an ISO 3166"
    r"|must be a month|must be a date|must list |must name at least|must be one of|is required$)"
)


def _is_shape_message(message: str) -> bool:
    return not message.startswith("custom_fields.") and bool(SHAPE_RULES.search(message))


def is_semantic_refusal(response) -> bool:
    """Whether a refusal of a schema-valid request is one no schema can prevent:
    - 412: the `If-Match` version is not the current one (the schema can only say it is a version);
    - 400 or 409 whose every field error is one of SEMANTIC_REFUSALS;
    - 422 whose every field error is one of SEMANTIC_REFUSALS, or none of which is a shape rule
      (SHAPE_RULES): then the server refused a rule between two values or about the
      workspace's state (ids that must exist, required custom fields, a deal's pipeline …)."""
    if response.status_code == 412:
        return True
    if response.status_code not in (400, 409, 422):
        return False
    messages = _field_messages(response)
    if not messages:
        # A 409 names the state in its detail (a converted lead, the last admin).
        try:
            detail = json.loads(response.content or b"{}").get("detail") or ""
        except ValueError:
            return False
        return response.status_code == 409 and any(p.search(detail) for p in _PATTERNS)
    listed = all(any(p.search(str(m)) for p in _PATTERNS) for m in messages)
    if listed:
        return True
    return response.status_code == 422 and not any(_is_shape_message(str(m)) for m in messages)


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _link_filled_a_path_id_with_null(case, response) -> bool:
    """A stateful step whose link took a path id from a null field (`GET /teams/None` after a
    user without a team): the request is not schema-valid, whatever schemathesis labels it."""
    if response.status_code != 400:
        return False
    ids = [v for k, v in (case.path_parameters or {}).items() if k == "id" or k.endswith("_id")]
    return any(not _UUID.match(str(v)) for v in ids)


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    """A fresh Idempotency-Key on every request that carries one. Generated keys repeat (a
    stateful run re-sends one `POST` with its key), and the server rightly answers a repeat with
    the first response, naming a record a later step may have deleted. Idempotent replay is
    tested in tests/integration/idempotency.rs; here every call is a new request."""
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = str(uuid.uuid4())
    return None


@schemathesis.check
def positive_data_acceptance_beyond_state(ctx, response, case):
    """`positive_data_acceptance`, except for refusals only the workspace's state explains."""
    if is_semantic_refusal(response) or _link_filled_a_path_id_with_null(case, response):
        return None
    # A batch refuses its records one by one (200 with `failed`); with `all_or_none` the same
    # record refusals come back as one 422, which says no more about the schema than the 200.
    if _batch_record_refusals(case, response):
        return None
    # Whether a file has a header row is about its content: a blank file is a 422 naming `file`.
    if _is_csv_upload(case) and response.status_code == 422:
        return None
    return positive_data_acceptance(ctx, response, case)


def _is_csv_upload(case) -> bool:
    return case.operation.method.upper() == "POST" and case.operation.path == "/api/v1/imports"


def _batch_record_refusals(case, response) -> bool:
    """An `all_or_none` batch refused as a whole for its records' errors (`records[i]…`)."""
    if not (case.operation.method.upper() == "POST" and case.operation.path.endswith("/batch")):
        return False
    if response.status_code != 422:
        return False
    messages = _field_messages(response)
    return bool(messages) and all(str(m).startswith("records[") for m in messages)


def _batch_refused_records(case, response) -> bool:
    """A batch answers 200 and refuses bad records one by one (`failed` > 0, `results[i].errors`):
    that is how a batch rejects invalid records, by design (docs/API-DESIGN.md, Batches)."""
    if not (case.operation.method.upper() == "POST" and case.operation.path.endswith("/batch")):
        return False
    if response.status_code != 200:
        return False
    try:
        return json.loads(response.content or b"{}").get("failed", 0) > 0
    except ValueError:
        return False


@schemathesis.check
def negative_data_rejection_of_json(ctx, response, case):
    """`negative_data_rejection`, except for the CSV upload, where any bytes are a file; a
    batch that refused its invalid records one by one; and a 412, where a stale `If-Match`
    refused the request before its body was read."""
    if _is_csv_upload(case) or _batch_refused_records(case, response):
        return None
    if response.status_code == 412:
        return None
    return negative_data_rejection(ctx, response, case)

