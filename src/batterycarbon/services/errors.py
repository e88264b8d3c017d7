"""Errors a service raises besides :class:`~batterycarbon.errors.InputError` (bad input).

Adapters map them to HTTP statuses (401, 403, 404, 409) or CLI exit codes; messages are written
for the person who made the request.
"""

from __future__ import annotations

from batterycarbon.errors import BatteryCarbonError


class AuthenticationError(BatteryCarbonError):
    """Wrong or unknown credentials, or an inactive account (deliberately not saying which)."""


class PermissionDenied(BatteryCarbonError):
    """The actor is known but its organization's role or relation does not allow this."""


class NotFound(BatteryCarbonError):
    """No such record, or one the actor may not know exists (confidentiality: same answer)."""


class Conflict(BatteryCarbonError):
    """The request is valid but the record's state does not allow it now."""
