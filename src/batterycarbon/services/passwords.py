"""Password policy: what the platform accepts as a person's password.

A password must hold :data:`MIN_PASSWORD_CHARS` to :data:`MAX_PASSWORD_CHARS` characters, must
not be a common password (the list in ``data/common_passwords.toml`` and its source), nor one
with only digits, spaces or symbols added around it ("password2024!") or repeated
("qwertyqwerty"), and must not contain the username. The rule follows NIST SP 800-63B section
5.1.1.2: a minimum length and a check against values known to be commonly used or compromised,
no composition rules (no "one capital, one digit"). It applies wherever a password is chosen:
registration, a change, the first administrator.

A refusal names the field and the rule it breaks, never the password or a part of it.

References
----------
NIST Special Publication 800-63B, Digital Identity Guidelines: Authentication and Lifecycle
Management (2017, updated 2020), section 5.1.1.2, Memorized Secret Verifiers.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

from batterycarbon.errors import InputError

#: Fewest characters: 12. NIST SP 800-63B asks for at least 8; 12 is what the platform has
#: asked since its first release (a passphrase of three short words), and a longer password is
#: what protects an argon2 hash that leaks with a stolen database.
MIN_PASSWORD_CHARS = 12
#: Most characters: 200, enough for any passphrase or password manager, while bounding the input
#: that reaches the (memory-hard) hash.
MAX_PASSWORD_CHARS = 200
#: Shortest username looked for inside a password: 3 characters. Usernames may have 2, and a
#: 2-letter name ("li") would refuse many unrelated passphrases that merely contain it.
MIN_USERNAME_CHARS_CHECKED = 3
#: The policy in a sentence, for the API documentation of password fields.
POLICY = (
    f"{MIN_PASSWORD_CHARS}-{MAX_PASSWORD_CHARS} characters; not a common password (nor one with"
    " only digits or symbols added); not containing the username"
)
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common_passwords.toml"
#: What may surround a common password without making it any less common: digits, spaces and
#: symbols (anything but a letter).
_PADDING = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@cache
def common_passwords() -> frozenset[str]:
    """The refused passwords, lower case (read once from :data:`COMMON_PASSWORDS_FILE`)."""
    document = tomllib.loads(COMMON_PASSWORDS_FILE.read_text(encoding="utf-8"))
    lines = document["passwords"]["text"].splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def _is_common(lowered: str) -> bool:
    """Whether a lower-cased password is a common one, alone, padded with digits, spaces or
    symbols, or repeated; one character repeated counts as common too."""
    core = _PADDING.sub("", lowered) or lowered
    if lowered in common_passwords() or core in common_passwords():
        return True
    for size in range(1, len(core) // 2 + 1):  # the shortest period, if the core repeats one
        if len(core) % size == 0 and core[:size] * (len(core) // size) == core:
            return size == 1 or core[:size] in common_passwords()
    return False


def password_problems(password: str, username: str | None, field: str = "password") -> list[str]:
    """Each rule ``password`` breaks, as ``field: message`` lines (empty: acceptable). No line
    repeats the password or a part of it."""
    size = len(password)
    if size > MAX_PASSWORD_CHARS:
        return [f"{field}: too long ({size} characters); use at most {MAX_PASSWORD_CHARS}"]
    problems = []
    if size < MIN_PASSWORD_CHARS:
        hint = "e.g. a few unrelated words"
        expected = f"use {MIN_PASSWORD_CHARS} or more, {hint}"
        problems.append(f"{field}: too short ({size} characters); {expected}")
    lowered = password.lower()
    if _is_common(lowered):
        what = "a commonly used password (or one with only digits or symbols added, or repeated)"
        problems.append(f"{field}: this is {what}; choose another")
    name = (username or "").lower()
    if len(name) >= MIN_USERNAME_CHARS_CHECKED and name in lowered:
        problems.append(f"{field}: must not contain the username")
    return problems


def check_password(password: str, username: str | None, field: str = "password") -> None:
    """:class:`InputError` listing every rule ``password`` breaks (see :func:`password_problems`)."""
    problems = password_problems(password, username, field)
    if problems:
        raise InputError(field, problems)
