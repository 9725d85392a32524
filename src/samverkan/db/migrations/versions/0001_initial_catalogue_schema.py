"""initial catalogue schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 22:50:58.774623
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("programme", sa.Text(), nullable=True),
        sa.Column("call_identifier", sa.Text(), nullable=True),
        sa.Column("call_title", sa.Text(), nullable=True),
        sa.Column("action_type", sa.Text(), nullable=True),
        sa.Column("types_of_action", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False, comment="open, forthcoming or closed"),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("deadline_model", sa.Text(), nullable=True),
        sa.Column("stage", sa.Text(), nullable=True),
        sa.Column("budget_min", sa.Float(), nullable=True),
        sa.Column("budget_max", sa.Float(), nullable=True),
        sa.Column("expected_grants", sa.Integer(), nullable=True),
        sa.Column("cluster", sa.Text(), nullable=True),
        sa.Column("keywords", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("conditions", sa.Text(), nullable=True),
        sa.Column("portal_url", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calls_deadline"), ["deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_programme"), ["programme"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_status"), ["status"], unique=False)

    op.create_table(
        "cohesion_projects",
        sa.Column("id", sa.String(length=32), nullable=False, comment="ärende-id"),
        sa.Column("fund", sa.String(length=8), nullable=True, comment="ERDF or ESF"),
        sa.Column("beneficiary", sa.Text(), nullable=False),
        sa.Column("amount_sek", sa.Float(), nullable=True),
        sa.Column("amount_eur", sa.Float(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("county", sa.Text(), nullable=True),
        sa.Column("municipalities", sa.JSON(), nullable=False),
        sa.Column("area", sa.Text(), nullable=True),
        sa.Column("priority_axis", sa.Text(), nullable=True),
        sa.Column("thematic_objective", sa.Text(), nullable=True),
        sa.Column("source_updated", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohesion_projects")),
    )
    op.create_table(
        "counties",
        sa.Column("code", sa.String(length=2), nullable=False, comment="länskod"),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("nuts3", sa.String(length=10), nullable=True),
        sa.Column("geometry", sa.JSON(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_counties")),
    )
    op.create_table(
        "hubs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False, comment="DIH or EDIH"),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("street", sa.Text(), nullable=True),
        sa.Column("sectors", sa.JSON(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("technologies", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubs")),
    )
    with op.batch_alter_table("hubs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hubs_country"), ["country"], unique=False)

    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_meta")),
    )
    op.create_table(
        "municipalities",
        sa.Column("code", sa.String(length=4), nullable=False, comment="kommunkod"),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("short_name", sa.Text(), nullable=False),
        sa.Column("county_code", sa.String(length=2), nullable=False),
        sa.Column("nuts3", sa.String(length=10), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("geometry", sa.JSON(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_municipalities")),
    )
    with op.batch_alter_table("municipalities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_municipalities_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_municipalities_nuts3"), ["nuts3"], unique=False)

    op.create_table(
        "organisations",
        sa.Column("id", sa.String(length=64), nullable=False, comment="CORDIS organisationID (PIC) or a name hash"),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("short_name", sa.Text(), nullable=True),
        sa.Column("activity_type", sa.String(length=3), nullable=True, comment="HES, REC, PRC, PUB or OTH"),
        sa.Column("sme", sa.Boolean(), nullable=True),
        sa.Column("vat_number", sa.String(length=64), nullable=True),
        sa.Column("street", sa.Text(), nullable=True),
        sa.Column("post_code", sa.String(length=40), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True, comment="ISO 3166-1 alpha-2"),
        sa.Column("nuts_code", sa.String(length=10), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("content_updated", sa.String(length=32), nullable=True),
        sa.Column("name_key", sa.String(length=300), nullable=False, comment="normalised name, for duplicates"),
        sa.Column(
            "same_as_id",
            sa.String(length=64),
            nullable=True,
            comment="the record this one duplicates (same name + country)",
        ),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["same_as_id"], ["organisations.id"], name=op.f("fk_organisations_same_as_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisations_country"), ["country"], unique=False)
        batch_op.create_index("ix_organisations_name_key_country", ["name_key", "country"], unique=False)
        batch_op.create_index(batch_op.f("ix_organisations_nuts_code"), ["nuts_code"], unique=False)

    op.create_table(
        "platforms",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("operator", sa.Text(), nullable=True),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("purpose_en", sa.Text(), nullable=True),
        sa.Column("purpose_sv", sa.Text(), nullable=True),
        sa.Column("how_to_join_en", sa.Text(), nullable=True),
        sa.Column("how_to_join_sv", sa.Text(), nullable=True),
        sa.Column("can_publish_en", sa.Text(), nullable=True),
        sa.Column("can_publish_sv", sa.Text(), nullable=True),
        sa.Column("sources", sa.JSON(), nullable=False, comment="fact → public source URL"),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platforms")),
    )
    op.create_table(
        "project_fields",
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "code", name=op.f("pk_project_fields")),
    )
    op.create_table(
        "project_legal_bases",
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("legal_basis", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("unique_programme_part", sa.Boolean(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "legal_basis", name=op.f("pk_project_legal_bases")),
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.String(length=32), nullable=False, comment="CORDIS project id"),
        sa.Column("acronym", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("objective", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("total_cost", sa.Float(), nullable=True),
        sa.Column("ec_max_contribution", sa.Float(), nullable=True),
        sa.Column("framework_programme", sa.String(length=20), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("master_call", sa.Text(), nullable=True),
        sa.Column("sub_call", sa.Text(), nullable=True),
        sa.Column("funding_scheme", sa.Text(), nullable=True),
        sa.Column("nature", sa.Text(), nullable=True),
        sa.Column("ec_signature_date", sa.Date(), nullable=True),
        sa.Column("content_updated", sa.String(length=32), nullable=True),
        sa.Column("rcn", sa.String(length=20), nullable=True),
        sa.Column("grant_doi", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projects_framework_programme"), ["framework_programme"], unique=False)

    op.create_table(
        "regions",
        sa.Column("id", sa.String(length=10), nullable=False, comment="NUTS code"),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False, comment="ISO 3166-1 alpha-2 (EL→GR)"),
        sa.Column("parent_id", sa.String(length=10), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_latn", sa.Text(), nullable=True),
        sa.Column("mount_type", sa.Integer(), nullable=True),
        sa.Column("urban_type", sa.Integer(), nullable=True),
        sa.Column("coast_type", sa.Integer(), nullable=True),
        sa.Column("label_lat", sa.Float(), nullable=True),
        sa.Column("label_lon", sa.Float(), nullable=True),
        sa.Column("geometry", sa.JSON(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regions")),
    )
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_regions_country"), ["country"], unique=False)
        batch_op.create_index(batch_op.f("ix_regions_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "solutions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("resource_type", sa.Text(), nullable=True),
        sa.Column("geo_extent", sa.Text(), nullable=True),
        sa.Column("geo_coverage", sa.Text(), nullable=True),
        sa.Column("countries", sa.JSON(), nullable=False, comment="ISO 3166-1 alpha-2 codes covered"),
        sa.Column("lead_organisation", sa.Text(), nullable=True),
        sa.Column("lead_category", sa.Text(), nullable=True),
        sa.Column("primary_sector", sa.Text(), nullable=True),
        sa.Column("secondary_sector", sa.Text(), nullable=True),
        sa.Column("technology", sa.Text(), nullable=True),
        sa.Column("application_type", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("start_year", sa.String(length=20), nullable=True),
        sa.Column("end_year", sa.String(length=20), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_solutions")),
    )
    op.create_table(
        "participations",
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False, comment="coordinator, participant, thirdParty, …"),
        sa.Column("order", sa.Integer(), nullable=True),
        sa.Column("ec_contribution", sa.Float(), nullable=True),
        sa.Column("net_ec_contribution", sa.Float(), nullable=True),
        sa.Column("total_cost", sa.Float(), nullable=True),
        sa.Column("end_of_participation", sa.Boolean(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_participations_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_participations_project_id_projects")),
        sa.PrimaryKeyConstraint("project_id", "organisation_id", "role", name=op.f("pk_participations")),
    )
    with op.batch_alter_table("participations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_participations_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "project_topics",
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("call_id", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_project_topics_call_id_calls")),
        sa.PrimaryKeyConstraint("project_id", "call_id", name=op.f("pk_project_topics")),
    )
    with op.batch_alter_table("project_topics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_topics_call_id"), ["call_id"], unique=False)

    op.create_table(
        "working_groups",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("platform_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("description_sv", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_working_groups_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_working_groups")),
    )
    with op.batch_alter_table("working_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_working_groups_platform_id"), ["platform_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("working_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_working_groups_platform_id"))

    op.drop_table("working_groups")
    with op.batch_alter_table("project_topics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_topics_call_id"))

    op.drop_table("project_topics")
    with op.batch_alter_table("participations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participations_organisation_id"))

    op.drop_table("participations")
    op.drop_table("solutions")
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_regions_parent_id"))
        batch_op.drop_index(batch_op.f("ix_regions_country"))

    op.drop_table("regions")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_framework_programme"))

    op.drop_table("projects")
    op.drop_table("project_legal_bases")
    op.drop_table("project_fields")
    op.drop_table("platforms")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisations_nuts_code"))
        batch_op.drop_index("ix_organisations_name_key_country")
        batch_op.drop_index(batch_op.f("ix_organisations_country"))

    op.drop_table("organisations")
    with op.batch_alter_table("municipalities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_municipalities_nuts3"))
        batch_op.drop_index(batch_op.f("ix_municipalities_county_code"))

    op.drop_table("municipalities")
    op.drop_table("meta")
    with op.batch_alter_table("hubs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hubs_country"))

    op.drop_table("hubs")
    op.drop_table("counties")
    op.drop_table("cohesion_projects")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calls_status"))
        batch_op.drop_index(batch_op.f("ix_calls_programme"))
        batch_op.drop_index(batch_op.f("ix_calls_deadline"))

    op.drop_table("calls")
