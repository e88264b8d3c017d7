"""Sign-in back-off: failed sign-ins per account and per address, each past a free allowance
doubling the wait before the next attempt is even checked, up to a cap.

After :data:`ACCOUNT_FREE_FAILURES` failures for one account name (a user name or an API client
id, existing or not), and after :data:`ADDRESS_FREE_FAILURES` from one network address, each
further failure locks that account or address for :data:`BACKOFF_BASE_SECONDS` doubled per
failure, at most :data:`BACKOFF_MAX_SECONDS`. While either is locked every attempt is refused
(:class:`~batterycarbon.services.errors.TooManyAttempts`, HTTP 429 with Retry-After) before the
password is looked at, so the right password does not get in either until the wait is over. A
success clears the account's failures; the address's are forgotten only with time
(:data:`FAILURE_MEMORY_SECONDS` after its last failure), so that signing in to an account of
one's own does not reset the count of guesses at others' accounts.

State lives in the server process (:class:`LoginThrottle`, one per application), bounded by
:data:`MAX_ENTRIES` per table. Several processes or replicas each keep their own: behind a load
balancer that spreads requests, an attacker gets up to that many times the attempts, and a
success clears the failures only in the process that saw it. The address is the TCP peer
(``request.client``): behind a reverse proxy, run uvicorn with ``--proxy-headers`` and
``--forwarded-allow-ips`` so that it is the client's, else every client shares the proxy's.

References
----------
NIST SP 800-63B (2017), section 5.2.2 Rate Limiting (Throttling): at most 100 consecutive
failed attempts on one account; waiting periods that grow with the failures are one of the
named techniques.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from batterycarbon.services import security
from batterycarbon.services.context import Actor
from batterycarbon.services.errors import AuthenticationError, TooManyAttempts

#: Failures of one account before any wait: 5. Enough for a person mistyping a password or
#: trying their few usual ones; an online guesser gets 5 free guesses, then 1, 2, 4 ... s waits.
ACCOUNT_FREE_FAILURES = 5
#: Failures from one address (across accounts) before any wait: 20. An office or a NAT gateway is
#: one address for many people; 20 still stops one address spraying guesses over many accounts.
ADDRESS_FREE_FAILURES = 20
#: The first wait, doubled by each further failure: 1 s.
BACKOFF_BASE_SECONDS = 1.0
#: The longest wait: 15 min. It bounds how long anyone can lock a person out of their account by
#: failing on purpose, while holding a guesser to about 100 guesses a day per account.
BACKOFF_MAX_SECONDS = 900.0
#: Failures are forgotten this long after the last one: 1 h (the count starts again at zero).
FAILURE_MEMORY_SECONDS = 3600.0
#: Accounts and addresses remembered, each (about 200 bytes an entry, so 2 MB a table). When
#: full, forgotten entries go first, then the least recently failed one not locked now.
MAX_ENTRIES = 10_000


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    locked_until: float = 0.0


class _FailureTable:
    """Failures by key (a hash of the name: bounded size, and no typed secret kept in clear)."""

    def __init__(self, free: int, clock: Callable[[], float], max_entries: int) -> None:
        self.free = free
        self.clock = clock
        self.max_entries = max_entries
        self._entries: dict[bytes, _Failures] = {}

    @staticmethod
    def key(name: str) -> bytes:
        return hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def wait(self, name: str) -> float:
        """Seconds until ``name`` may try again (0: now)."""
        entry = self._entries.get(self.key(name))
        return 0.0 if entry is None else max(0.0, entry.locked_until - self.clock())

    def failed(self, name: str) -> None:
        now = self.clock()
        key = self.key(name)
        entry = self._entries.pop(key, None)
        if entry is None or now - entry.last > FAILURE_MEMORY_SECONDS:
            entry = _Failures()
        entry.count += 1
        entry.last = now
        if entry.count >= self.free:
            backoff = BACKOFF_BASE_SECONDS * 2.0 ** min(entry.count - self.free, 32)
            entry.locked_until = now + min(BACKOFF_MAX_SECONDS, backoff)
        if len(self._entries) >= self.max_entries:
            self._evict(now)
        self._entries[key] = entry  # last in order: the most recent failure

    def clear(self, name: str) -> None:
        self._entries.pop(self.key(name), None)

    def _evict(self, now: float) -> None:
        stale = [k for k, e in self._entries.items() if now - e.last > FAILURE_MEMORY_SECONDS]
        for key in stale:
            del self._entries[key]
        if len(self._entries) < self.max_entries:
            return
        unlocked = next((k for k, e in self._entries.items() if e.locked_until <= now), None)
        del self._entries[unlocked if unlocked is not None else next(iter(self._entries))]

    def __len__(self) -> int:
        return len(self._entries)


class LoginThrottle:
    """Back-off per account and per address (see the module's docstring).

    ``clock`` is a monotonic time in seconds (tests pass their own).
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        account_free: int = ACCOUNT_FREE_FAILURES,
        address_free: int = ADDRESS_FREE_FAILURES,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        self.accounts = _FailureTable(account_free, clock, max_entries)
        self.addresses = _FailureTable(address_free, clock, max_entries)
        self._lock = threading.Lock()

    def check(self, account: str, address: str, field: str) -> None:
        """:class:`TooManyAttempts` naming ``field`` (the form field holding the account name)
        while the account or the address must wait."""
        with self._lock:
            by_account, by_address = self.accounts.wait(account), self.addresses.wait(address)
        if by_account > 0:
            wait = f"wait {_seconds(by_account)} before trying again"
            raise TooManyAttempts(
                f"{field}: too many failed sign-ins for this account; {wait}", by_account
            )
        if by_address > 0:
            wait = f"wait {_seconds(by_address)} before trying again"
            raise TooManyAttempts(f"too many failed sign-ins from this address; {wait}", by_address)

    def failed(self, account: str, address: str) -> None:
        with self._lock:
            self.accounts.failed(account)
            self.addresses.failed(address)

    def succeeded(self, account: str) -> None:
        with self._lock:
            self.accounts.clear(account)


def _seconds(wait: float) -> str:
    whole = max(1, int(wait + 0.999))
    return f"{whole} s" if whole < 120 else f"{(whole + 59) // 60} min"


async def throttled_sign_in(
    throttle: LoginThrottle,
    account: str,
    address: str,
    field: str,
    authenticate: Callable[[], Actor],
) -> Actor:
    """``authenticate()`` (which verifies a password or client secret) behind the back-off:
    refused at once while the account or address must wait; run on the hashing workers
    (:data:`~batterycarbon.services.security.hashing_workers`), not the caller's thread; a
    failure counted, a success clearing the account's failures. ``account`` names the account
    (``user:<name>`` or ``client:<id>``), ``field`` the form field that holds it."""
    throttle.check(account, address, field)
    try:
        actor = await asyncio.wrap_future(security.hashing_workers.submit(authenticate))
    except AuthenticationError:
        throttle.failed(account, address)
        raise
    throttle.succeeded(account)
    return actor
