"""Constants shared by the API tests and their conftest."""

ADMIN_PASSWORD = "admin passphrase for tests only"  # test-only credential
