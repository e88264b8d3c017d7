"""Calculation-sharing grants: a manufacturer shows a calculation's declared figures to a customer.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLE = "calculation_grants"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("calculation_id", sa.Uuid(), nullable=False),
        sa.Column("grantee_org_id", sa.Uuid(), nullable=False),
        sa.Column("granted_by", sa.Uuid(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["calculation_id"],
            ["calculations.id"],
            name=op.f("fk_calculation_grants_calculation_id_calculations"),
        ),  # fmt: skip
        sa.ForeignKeyConstraint(
            ["grantee_org_id"],
            ["organizations.id"],
            name=op.f("fk_calculation_grants_grantee_org_id_organizations"),
        ),  # fmt: skip
        sa.ForeignKeyConstraint(
            ["granted_by"], ["users.id"], name=op.f("fk_calculation_grants_granted_by_users")
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calculation_grants")),
    )
    for column in ("calculation_id", "grantee_org_id"):
        op.create_index(op.f(f"ix_{TABLE}_{column}"), TABLE, [column])
    op.create_index(
        "uq_calculation_grants_active", TABLE, ["calculation_id", "grantee_org_id"], unique=True,
        sqlite_where=sa.text("revoked_at IS NULL"), postgresql_where=sa.text("revoked_at IS NULL"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("uq_calculation_grants_active", table_name=TABLE)
    for column in ("calculation_id", "grantee_org_id"):
        op.drop_index(op.f(f"ix_{TABLE}_{column}"), table_name=TABLE)
    op.drop_table(TABLE)
