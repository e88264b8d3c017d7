"""CI cannot go green by skipping: a missing PostgreSQL server, program or Python module fails
the test that needs it when CI is set, and skips it with the reason otherwise."""

from __future__ import annotations

import pytest
from dependency_support import require_module, require_postgres, require_program

#: Nothing listens on port 1 of the loopback interface: the connection is refused at once.
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/postgres"


@pytest.fixture
def not_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BATTERYCARBON_CI", raising=False)
    monkeypatch.delenv("CI", raising=False)


@pytest.mark.parametrize(("variable", "value"), [("BATTERYCARBON_CI", "1"), ("CI", "true")])
def test_ci_fails_when_postgresql_does_not_answer(
    not_ci: None, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv("BATTERYCARBON_TEST_PG", UNREACHABLE)
    monkeypatch.setenv(variable, value)
    with pytest.raises(pytest.fail.Exception) as failed:
        require_postgres()
    message = str(failed.value)
    assert "PostgreSQL at 127.0.0.1:1 unreachable" in message
    assert "pg_ctlcluster" in message and "BATTERYCARBON_TEST_PG" in message


def test_locally_a_stopped_postgresql_skips_with_the_reason(
    not_ci: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATTERYCARBON_TEST_PG", UNREACHABLE)
    with pytest.raises(pytest.skip.Exception, match=r"PostgreSQL at 127\.0\.0\.1:1 unreachable"):
        require_postgres()


def test_ci_fails_when_a_program_or_module_is_missing(
    not_ci: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATTERYCARBON_CI", "1")
    with pytest.raises(pytest.fail.Exception, match="apt-get install poppler-utils"):
        require_program("/nonexistent/pdftoppm", "poppler-utils")
    with pytest.raises(pytest.fail.Exception, match=r"pip install -e '\.\[test\]'"):
        require_module("batterycarbon_no_such_module", "test")


def test_locally_a_missing_program_skips(not_ci: None) -> None:
    with pytest.raises(pytest.skip.Exception, match="/nonexistent/chromium not found"):
        require_program("/nonexistent/chromium", "chromium")


def test_present_dependencies_pass_under_ci(not_ci: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BATTERYCARBON_CI", "1")
    assert require_program("sh", "dash").endswith("/sh")
    assert require_module("json", "test").dumps([]) == "[]"
