"""Password and client-secret hashing with argon2id (argon2-cffi's RFC 9106 defaults), at bounded
concurrency.

One argon2 computation holds about 64 MiB and the CPU for 50-300 ms (280 ms measured on the
2-core CI host). At most :data:`HASHING_CONCURRENCY` run at once in a process (a semaphore
around every hash and verification), so that a burst of sign-ins cannot take every core and a
gigabyte of memory. Sign-ins run on their own worker threads (:class:`HashingWorkers`), not on
the request handlers' threads: while they wait their turn, the handlers go on answering other
requests (``/health`` among them). At most :data:`HASHING_MAX_WAITING` sign-ins wait; beyond
that, or when a slot does not come within :data:`HASHING_WAIT_SECONDS`, :class:`Busy` (HTTP
503 with Retry-After) instead of an unbounded queue.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from batterycarbon.services.errors import Busy

T = TypeVar("T")


def _usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, which containers narrow), else all."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


#: Argon2 computations running at once in a process: half the usable cores, at least one (one
#: on the 2-core CI host). argon2-cffi's default parallelism already spreads one computation
#: over 4 lanes; more at once would only queue inside the CPU, 64 MiB each, while the other half
#: of the cores keeps the event loop and the request handlers answering.
HASHING_CONCURRENCY = max(1, _usable_cores() // 2)
#: Sign-ins that may wait for a hashing slot: 8 per slot. At 50-300 ms per verification the last
#: of them starts within about 2 s; one more is told to retry (503, Retry-After) rather than
#: left in a queue whose wait no client would sit through.
HASHING_MAX_WAITING = 8 * HASHING_CONCURRENCY
#: Longest a hash or verification made outside the sign-in workers (registering an account, the
#: CLI) waits for a slot before :class:`Busy`: 10 s, a few dozen computations' worth.
HASHING_WAIT_SECONDS = 10.0

_hasher = PasswordHasher()
#: Verified against when the account does not exist, so that a wrong username takes as long as a
#: wrong password and response times do not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
_slots = threading.BoundedSemaphore(HASHING_CONCURRENCY)


@contextmanager
def _hashing_slot() -> Iterator[None]:
    if not _slots.acquire(timeout=HASHING_WAIT_SECONDS):
        raise Busy("password hashing is saturated; retry shortly", HASHING_WAIT_SECONDS)
    try:
        yield
    finally:
        _slots.release()


def use_hash_parameters(parameters: Parameters) -> None:
    """Hash new secrets with other argon2 parameters (tests use ``argon2.profiles.CHEAPEST``);
    existing hashes keep verifying, as each hash records its own parameters."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher.from_parameters(parameters)
    _DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_secret(secret: str) -> str:
    """An argon2id hash of ``secret`` with a random salt (waits for a hashing slot)."""
    with _hashing_slot():
        return _hasher.hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    """Whether ``secret`` matches ``stored_hash``; ``None`` costs the same and returns False.
    Waits for a hashing slot; :class:`Busy` if none comes within :data:`HASHING_WAIT_SECONDS`."""
    with _hashing_slot():
        try:
            return _hasher.verify(stored_hash or _DUMMY_HASH, secret) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False


def generate_secret() -> str:
    """A fresh random secret (256 bits, URL-safe) for API clients and generated passwords."""
    return secrets.token_urlsafe(32)


class HashingWorkers:
    """Threads of their own for work that verifies a password (a sign-in), so that it waits for
    a hashing slot without holding a request handler's thread.

    :meth:`submit` returns a future (an ``async`` adapter awaits it); at most ``concurrency``
    run and ``max_waiting`` wait, and one more is refused at once with :class:`Busy`, whose
    Retry-After is the expected wait: the queue times the recent average duration.
    """

    def __init__(
        self, concurrency: int = HASHING_CONCURRENCY, max_waiting: int = HASHING_MAX_WAITING
    ) -> None:
        self.concurrency = concurrency
        self.max_waiting = max_waiting
        self._executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="hashing")
        self._lock = threading.Lock()
        self._pending = 0
        self._average_seconds = 0.3  # the CI host's verification time, until measured

    def submit(self, work: Callable[..., T], *args: object) -> Future[T]:
        with self._lock:
            if self._pending >= self.concurrency + self.max_waiting:
                wait = self._pending * self._average_seconds / self.concurrency
                message = (
                    f"{self._pending} sign-ins are waiting for password hashing; retry shortly"
                )
                raise Busy(message, wait)
            self._pending += 1
        try:
            return self._executor.submit(self._timed, work, *args)
        except BaseException:
            self._finished(None)
            raise

    @property
    def pending(self) -> int:
        """Sign-ins submitted and not yet finished (running or waiting)."""
        return self._pending

    def _timed(self, work: Callable[..., T], *args: object) -> T:
        started = time.monotonic()
        try:
            return work(*args)
        finally:
            self._finished(time.monotonic() - started)

    def _finished(self, seconds: float | None) -> None:
        with self._lock:
            self._pending -= 1
            if seconds is not None:  # an exponential moving average over about 10 sign-ins
                self._average_seconds += (seconds - self._average_seconds) / 10


#: The process's sign-in workers (one set per process, like the CPU they share).
hashing_workers = HashingWorkers()
