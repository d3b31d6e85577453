"""One error tree for the whole service, mapped to HTTP in one place (``service.app``).

Views and pipeline stages raise these; the error handlers registered by the app factory
turn each into a response with a FHIR OperationOutcome body. Never choose a status code by
matching message text. Messages must never contain tokens, JWTs or patient data.
"""
from __future__ import annotations


class NetCdsError(Exception):
    """Base of every error the service raises on purpose."""

    status = 500
    code = "exception"          # OperationOutcome.issue.code (FHIR IssueType)
    severity = "error"
    public_message = "Internal error."

    def __init__(self, message: str | None = None, *, expression: str | None = None):
        super().__init__(message or self.public_message)
        self.message = message or self.public_message
        self.expression = expression   # FHIRPath-ish location of the problem, e.g. "context.patientId"


class ConfigError(NetCdsError):
    """A setting is missing or invalid; raised at start-up, names the variable."""


class KnowledgeError(NetCdsError):
    """The knowledge base (cards/) failed validation; the service refuses to start."""


class ClientError(NetCdsError):
    status = 400
    code = "invalid"


class BadRequest(ClientError):
    status = 400
    code = "invalid"


class Unauthorized(ClientError):
    """JWT verification failed. The response never says why."""

    status = 401
    code = "login"
    public_message = "Unauthorized."


class NotFound(ClientError):
    status = 404
    code = "not-found"
    public_message = "Not found."


class CardNotIssued(NotFound):
    """Feedback names a card this service did not issue (to this issuer, recently): nothing is stored."""

    public_message = "No card with this uuid was issued by this service."


class FeedbackLimitReached(ClientError):
    """A card already has the most feedback items kept per card: nothing of the request is stored."""

    status = 409
    code = "business-rule"
    public_message = "This card has all the feedback it can take."


class MethodNotAllowed(ClientError):
    status = 405
    code = "not-supported"
    public_message = "Method not allowed."


class PayloadTooLarge(ClientError):
    status = 413
    code = "too-costly"
    public_message = "Request body too large."


class UnsupportedMediaType(ClientError):
    status = 415
    code = "not-supported"
    public_message = "Content-Type must be application/json."


class PreconditionFailed(ClientError):
    """Required data could be had neither from prefetch nor from the FHIR server (CDS Hooks 412)."""

    status = 412
    code = "not-found"
    public_message = "Required FHIR data could not be obtained."


class TooManyRequests(NetCdsError):
    status = 429
    code = "throttled"
    public_message = "Too many requests; retry later."


class ServiceUnavailable(NetCdsError):
    status = 503
    code = "transient"
    public_message = "Service temporarily unavailable; retry later."


class FhirAccessError(NetCdsError):
    """A call to the EHR's FHIR server failed (timeout, 5xx, 401/403, garbage, disallowed URL).

    Caught by the data stage: for a required category it becomes PreconditionFailed, for an
    optional one the category is marked unavailable and a card says so.
    """

    status = 502
    code = "transient"
    public_message = "The FHIR server could not be read."


class FeedbackStoreError(ServiceUnavailable):
    """Feedback could not be stored durably; the client should retry."""
