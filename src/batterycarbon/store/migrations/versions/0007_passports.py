"""Battery passport registry: one row per issued version of a unit's or batch's passport.

The document of a version is write-once: triggers refuse an UPDATE of any column but ``status``,
a ``status`` change other than ``issued`` -> ``superseded``, and DELETE (PostgreSQL: TRUNCATE too).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLE = "passports"
#: Every column but ``status``: fixed once the version is issued.
FIXED = (
    "id", "created_at", "passport_id", "version", "organization_id", "calculation_id",
    "identifier", "unit_kind", "unit_identifier", "document", "digest", "supersedes_id",
    "issued_by",
)  # fmt: skip
STATUS_CHANGE_REFUSED = "OLD.status <> 'issued' OR NEW.status <> 'superseded'"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("passport_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("calculation_id", sa.Uuid(), nullable=False),
        sa.Column("identifier", sa.String(length=100), nullable=False),
        sa.Column("unit_kind", sa.String(length=10), nullable=False),
        sa.Column("unit_identifier", sa.String(length=100), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("supersedes_id", sa.Uuid(), nullable=True),
        sa.Column("issued_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('issued', 'superseded')", name=op.f("ck_passports_status")),
        sa.CheckConstraint("unit_kind IN ('unit', 'batch')", name=op.f("ck_passports_unit_kind")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_passports_organization_id_organizations"),
        ),  # fmt: skip
        sa.ForeignKeyConstraint(
            ["calculation_id"],
            ["calculations.id"],
            name=op.f("fk_passports_calculation_id_calculations"),
        ),  # fmt: skip
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["passports.id"], name=op.f("fk_passports_supersedes_id_passports")
        ),  # fmt: skip
        sa.ForeignKeyConstraint(
            ["issued_by"], ["users.id"], name=op.f("fk_passports_issued_by_users")
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passports")),
        sa.UniqueConstraint("passport_id", "version", name=op.f("uq_passports_passport_id")),
        sa.UniqueConstraint(
            "organization_id",
            "unit_kind",
            "unit_identifier",
            "version",
            name=op.f("uq_passports_organization_id"),
        ),  # fmt: skip
    )
    for column in ("passport_id", "organization_id", "calculation_id", "identifier", "status"):
        op.create_index(op.f(f"ix_{TABLE}_{column}"), TABLE, [column])
    op.create_index("uq_passports_supersedes_id", TABLE, ["supersedes_id"], unique=True)
    _create_triggers(op.get_bind().dialect.name)


def _create_triggers(dialect: str) -> None:
    fixed = ", ".join(FIXED)
    if dialect == "postgresql":
        # batterycarbon_refuse_change() comes from migration 0002.
        op.execute(
            f"CREATE TRIGGER passports_fixed BEFORE UPDATE OF {fixed} ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION batterycarbon_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER passports_status BEFORE UPDATE OF status ON {TABLE} FOR EACH ROW "
            f"WHEN ({STATUS_CHANGE_REFUSED}) EXECUTE FUNCTION batterycarbon_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER passports_no_delete BEFORE DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION batterycarbon_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER passports_no_truncate BEFORE TRUNCATE ON {TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION batterycarbon_refuse_change()"
        )
    elif dialect == "sqlite":
        op.execute(
            f"CREATE TRIGGER passports_fixed BEFORE UPDATE OF {fixed} ON {TABLE} "
            "BEGIN SELECT RAISE(ABORT, 'passports: an issued passport is write-once'); END"
        )
        op.execute(
            f"CREATE TRIGGER passports_status BEFORE UPDATE OF status ON {TABLE} "
            f"WHEN {STATUS_CHANGE_REFUSED} "
            "BEGIN SELECT RAISE(ABORT, 'passports: status goes from issued to superseded only'); END"
        )
        op.execute(
            f"CREATE TRIGGER passports_no_delete BEFORE DELETE ON {TABLE} "
            "BEGIN SELECT RAISE(ABORT, 'passports is write-once: DELETE refused'); END"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    triggers = ("passports_fixed", "passports_status", "passports_no_delete")
    if dialect == "postgresql":
        for trigger in (*triggers, "passports_no_truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {TABLE}")
    elif dialect == "sqlite":
        for trigger in triggers:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.drop_index("uq_passports_supersedes_id", table_name=TABLE)
    for column in ("passport_id", "organization_id", "calculation_id", "identifier", "status"):
        op.drop_index(op.f(f"ix_{TABLE}_{column}"), table_name=TABLE)
    op.drop_table(TABLE)
