"""The password policy: length, the common-password list (with padding and repeats) and the
username; every refusal names the field and never repeats the password."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from batterycarbon.errors import InputError
from batterycarbon.services.accounts import bootstrap_admin
from batterycarbon.services.passwords import (
    MAX_PASSWORD_CHARS,
    MIN_PASSWORD_CHARS,
    common_passwords,
    password_problems,
)


def test_the_shipped_list_is_the_published_top_1000() -> None:
    common = common_passwords()
    assert {"123456", "password", "qwertyuiop", "iloveyou", "freepass"} <= common
    assert len(common) == 999  # 1 001 lines: "password", "Password" and "PASSWORD" are one


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short pass", "too short (10 characters)"),
        ("x" * (MAX_PASSWORD_CHARS + 1), "too long"),
        ("qwertyuiop", "commonly used"),  # too short as well
        ("1234567890", "commonly used"),
        ("Password2024!", "commonly used"),  # a common one with digits and a symbol added
        ("!!football1234", "commonly used"),
        ("qwertyqwertyqwerty", "commonly used"),  # repeated
        ("zzzzzzzzzzzzzzzz", "commonly used"),  # one character repeated
        ("jin.park was here today", "must not contain the username"),
        ("My name is JIN.PARK, hello", "must not contain the username"),
    ],
)
def test_refused_passwords_name_the_rule_not_the_password(password: str, rule: str) -> None:
    problems = password_problems(password, "jin.park")
    assert any(line.startswith("password: ") and rule in line for line in problems), problems
    assert all(password not in line and password.lower() not in line for line in problems)


@pytest.mark.parametrize(
    "password", ["correct horse battery staple", "Kathmandu rain 1987 tin", "1q2w3e4r5t6y7u"]
)
def test_accepted_passwords(password: str) -> None:
    assert len(password) >= MIN_PASSWORD_CHARS
    assert password_problems(password, "jin.park") == []


def test_a_two_letter_username_is_not_looked_for() -> None:
    assert password_problems("reliable lighthouse keeper", "li") == []


def test_bootstrap_refuses_a_password_the_policy_refuses(session: Session) -> None:
    with pytest.raises(InputError) as refused:
        bootstrap_admin(session, "admin", "admin password 2024")
    assert refused.value.problems == ["password: must not contain the username"]
    with pytest.raises(InputError) as refused:
        bootstrap_admin(session, "admin", "password123456")
    assert "password123456" not in str(refused.value)
    bootstrap_admin(session, "admin", "correct horse battery staple")  # nothing was stored before
