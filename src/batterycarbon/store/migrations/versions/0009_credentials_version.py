"""Revocable credentials: ``credentials_version`` on users and API clients.

Every access token and web session carries the version of its account at sign-in; a request
whose version is not the account's current one is refused. A password change, an account
disabled and a sign-out add one, which ends every token and session issued before.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("users", "api_clients")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("credentials_version", sa.Integer(), nullable=False, server_default="0")
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("credentials_version")
