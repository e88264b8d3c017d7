"""Errors a service raises besides :class:`~batterycarbon.errors.InputError` (bad input).

Adapters map them to HTTP statuses (401, 403, 404, 409; 429 and 503 with Retry-After) or CLI
exit codes; messages are written for the person who made the request.
"""

from __future__ import annotations

import math

from batterycarbon.errors import BatteryCarbonError


class AuthenticationError(BatteryCarbonError):
    """Wrong or unknown credentials, or an inactive account (deliberately not saying which)."""


class PermissionDenied(BatteryCarbonError):
    """The actor is known but its organization's role or relation does not allow this."""


class NotFound(BatteryCarbonError):
    """No such record, or one the actor may not know exists (confidentiality: same answer)."""


class Conflict(BatteryCarbonError):
    """The request is valid but the record's state does not allow it now."""


class RetryLater(BatteryCarbonError):
    """The same request may succeed after ``retry_after_seconds`` (adapters send Retry-After)."""

    def __init__(self, message: str, retry_after_seconds: float) -> None:
        super().__init__(message)
        self.retry_after_seconds = max(1, math.ceil(retry_after_seconds))


class TooManyAttempts(RetryLater):
    """Too many failed sign-ins for an account or from an address: wait (HTTP 429)."""


class Busy(RetryLater):
    """A bounded resource (the password-hashing slots) is saturated: retry later (HTTP 503)."""
