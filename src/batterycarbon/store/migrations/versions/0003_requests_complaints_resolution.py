"""Data requests and complaints; alert resolution (assigned verifier, outcome); one revision per
dataset at most.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "data_requests",
        sa.Column("requester_org_id", sa.Uuid(), nullable=False),
        sa.Column("supplier_org_id", sa.Uuid(), nullable=False),
        sa.Column("flow", sa.String(length=100), nullable=False),
        sa.Column("region", sa.String(length=10), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("dataset_id", sa.Uuid(), nullable=True),
        sa.Column("response_note", sa.Text(), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("data_requests", "requester_org_id", "organizations"),
        _fk("data_requests", "supplier_org_id", "organizations"),
        _fk("data_requests", "dataset_id", "supplier_datasets"),
        _fk("data_requests", "requested_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_requests")),
    )
    for column in ("requester_org_id", "supplier_org_id", "status"):
        op.create_index(op.f(f"ix_data_requests_{column}"), "data_requests", [column])

    op.create_table(
        "complaints",
        sa.Column("complainant_org_id", sa.Uuid(), nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("subject_org_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("filed_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("complaints", "complainant_org_id", "organizations"),
        _fk("complaints", "subject_org_id", "organizations"),
        _fk("complaints", "filed_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    for column in ("complainant_org_id", "subject_id", "subject_org_id", "status"):
        op.create_index(op.f(f"ix_complaints_{column}"), "complaints", [column])

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_verifier_org_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("resolution", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("resolution_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("resolved_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_alerts_assigned_verifier_org_id_organizations"),
            "organizations", ["assigned_verifier_org_id"], ["id"],
        )  # fmt: skip

    op.create_index(
        "uq_supplier_datasets_supersedes_id", "supplier_datasets", ["supersedes_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_supplier_datasets_supersedes_id", table_name="supplier_datasets")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_alerts_assigned_verifier_org_id_organizations"), type_="foreignkey"
        )
        for column in ("resolved_at", "resolved_by", "resolution_note", "resolution"):
            batch_op.drop_column(column)
        batch_op.drop_column("assigned_verifier_org_id")
    for column in ("complainant_org_id", "subject_id", "subject_org_id", "status"):
        op.drop_index(op.f(f"ix_complaints_{column}"), table_name="complaints")
    op.drop_table("complaints")
    for column in ("requester_org_id", "supplier_org_id", "status"):
        op.drop_index(op.f(f"ix_data_requests_{column}"), table_name="data_requests")
    op.drop_table("data_requests")
