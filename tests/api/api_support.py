"""Constants shared by the API tests and their conftest."""

ADMIN_PASSWORD = "root password for tests only"  # test-only credential
