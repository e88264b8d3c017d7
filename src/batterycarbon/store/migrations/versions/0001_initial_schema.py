"""Initial schema: accounts, records, workflow and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 12:02:32.678344
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "factor_releases",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("published", sa.Date(), nullable=False),
        sa.Column("factor_count", sa.Integer(), nullable=False),
        sa.Column("content_digest", sa.String(length=64), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_releases")),
    )
    with op.batch_alter_table("factor_releases", schema=None) as batch_op:
        batch_op.create_index(
            "uq_factor_releases_one_active",
            ["is_active"],
            unique=True,
            sqlite_where=sa.text("is_active"),
            postgresql_where=sa.text("is_active"),
        )

    op.create_table(
        "organizations",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint("name", name=op.f("uq_organizations_name")),
    )
    op.create_table(
        "alerts",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("observed", sa.Float(), nullable=True),
        sa.Column("expected_min", sa.Float(), nullable=True),
        sa.Column("expected_max", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=50), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_alerts_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alerts_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_alerts_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "api_clients",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("secret_hash", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_api_clients_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_api_clients_client_id")),
    )
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_clients_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("is_org_admin", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_users_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_users_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "audit_events",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_events_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_audit_events_prev_hash")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_events_seq")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_events_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "products",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_products_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_products_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("organization_id", "name", name=op.f("uq_products_organization_id")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_products_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "supplier_datasets",
        sa.Column("owner_org_id", sa.Uuid(), nullable=False),
        sa.Column("flow", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=50), nullable=False),
        sa.Column("region", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("dqr", sa.Float(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("activity_data", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("supersedes_id", sa.Uuid(), nullable=True),
        sa.Column("submitted_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_org_id"],
            ["organizations.id"],
            name=op.f("fk_supplier_datasets_owner_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_supplier_datasets_submitted_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["supplier_datasets.id"],
            name=op.f("fk_supplier_datasets_supersedes_id_supplier_datasets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_datasets")),
    )
    with op.batch_alter_table("supplier_datasets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supplier_datasets_flow"), ["flow"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_supplier_datasets_owner_org_id"), ["owner_org_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_supplier_datasets_status"), ["status"], unique=False)

    op.create_table(
        "design_versions",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("design", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_design_versions_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_design_versions_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_design_versions")),
        sa.UniqueConstraint("product_id", "version", name=op.f("uq_design_versions_product_id")),
    )
    with op.batch_alter_table("design_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_design_versions_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "sharing_grants",
        sa.Column("dataset_id", sa.Uuid(), nullable=False),
        sa.Column("grantee_org_id", sa.Uuid(), nullable=False),
        sa.Column("granted_by", sa.Uuid(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["supplier_datasets.id"],
            name=op.f("fk_sharing_grants_dataset_id_supplier_datasets"),
        ),
        sa.ForeignKeyConstraint(
            ["granted_by"], ["users.id"], name=op.f("fk_sharing_grants_granted_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["grantee_org_id"],
            ["organizations.id"],
            name=op.f("fk_sharing_grants_grantee_org_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_grants")),
    )
    with op.batch_alter_table("sharing_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sharing_grants_dataset_id"), ["dataset_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sharing_grants_grantee_org_id"), ["grantee_org_id"], unique=False
        )

    op.create_table(
        "calculations",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("design_version_id", sa.Uuid(), nullable=False),
        sa.Column("factor_release_id", sa.String(length=64), nullable=False),
        sa.Column("rule_set", sa.String(length=100), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("total_kgco2e_per_kwh", sa.Float(), nullable=False),
        sa.Column("primary_share", sa.Float(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_calculations_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["design_version_id"],
            ["design_versions.id"],
            name=op.f("fk_calculations_design_version_id_design_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["factor_release_id"],
            ["factor_releases.id"],
            name=op.f("fk_calculations_factor_release_id_factor_releases"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_calculations_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calculations")),
    )
    with op.batch_alter_table("calculations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calculations_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "calculation_inputs",
        sa.Column("calculation_id", sa.Uuid(), nullable=False),
        sa.Column("dataset_id", sa.Uuid(), nullable=False),
        sa.Column("replaced_flow", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["calculation_id"],
            ["calculations.id"],
            name=op.f("fk_calculation_inputs_calculation_id_calculations"),
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["supplier_datasets.id"],
            name=op.f("fk_calculation_inputs_dataset_id_supplier_datasets"),
        ),
        sa.PrimaryKeyConstraint("calculation_id", "dataset_id", name=op.f("pk_calculation_inputs")),
    )
    with op.batch_alter_table("calculation_inputs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calculation_inputs_dataset_id"), ["dataset_id"], unique=False
        )

    op.create_table(
        "verifications",
        sa.Column("calculation_id", sa.Uuid(), nullable=False),
        sa.Column("requester_org_id", sa.Uuid(), nullable=False),
        sa.Column("verifier_org_id", sa.Uuid(), nullable=False),
        sa.Column("reviewer_id", sa.Uuid(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["calculation_id"],
            ["calculations.id"],
            name=op.f("fk_verifications_calculation_id_calculations"),
        ),
        sa.ForeignKeyConstraint(
            ["requester_org_id"],
            ["organizations.id"],
            name=op.f("fk_verifications_requester_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_verifications_reviewer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["verifier_org_id"],
            ["organizations.id"],
            name=op.f("fk_verifications_verifier_org_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verifications")),
    )
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verifications_calculation_id"), ["calculation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_verifications_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_verifications_verifier_org_id"), ["verifier_org_id"], unique=False
        )

    op.create_table(
        "findings",
        sa.Column("verification_id", sa.Uuid(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_findings_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["verification_id"],
            ["verifications.id"],
            name=op.f("fk_findings_verification_id_verifications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_findings_verification_id"), ["verification_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_findings_verification_id"))

    op.drop_table("findings")
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verifications_verifier_org_id"))
        batch_op.drop_index(batch_op.f("ix_verifications_state"))
        batch_op.drop_index(batch_op.f("ix_verifications_calculation_id"))

    op.drop_table("verifications")
    with op.batch_alter_table("calculation_inputs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calculation_inputs_dataset_id"))

    op.drop_table("calculation_inputs")
    with op.batch_alter_table("calculations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calculations_organization_id"))

    op.drop_table("calculations")
    with op.batch_alter_table("sharing_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sharing_grants_grantee_org_id"))
        batch_op.drop_index(batch_op.f("ix_sharing_grants_dataset_id"))

    op.drop_table("sharing_grants")
    with op.batch_alter_table("design_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_design_versions_product_id"))

    op.drop_table("design_versions")
    with op.batch_alter_table("supplier_datasets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_datasets_status"))
        batch_op.drop_index(batch_op.f("ix_supplier_datasets_owner_org_id"))
        batch_op.drop_index(batch_op.f("ix_supplier_datasets_flow"))

    op.drop_table("supplier_datasets")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_organization_id"))

    op.drop_table("products")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_organization_id"))
        batch_op.drop_index(batch_op.f("ix_audit_events_entity_id"))

    op.drop_table("audit_events")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_organization_id"))

    op.drop_table("users")
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_clients_organization_id"))

    op.drop_table("api_clients")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_subject_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_organization_id"))

    op.drop_table("alerts")
    op.drop_table("organizations")
    with op.batch_alter_table("factor_releases", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_factor_releases_one_active",
            sqlite_where=sa.text("is_active"),
            postgresql_where=sa.text("is_active"),
        )

    op.drop_table("factor_releases")
