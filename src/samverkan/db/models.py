"""The catalogue schema (SQLAlchemy 2 declarative models).

Every record carries its provenance: ``source`` (which importer/file family), ``source_id``
(the record's id in that source) and ``imported_at`` (when it was last inserted or changed).
Schema changes are Alembic migrations in ``samverkan/db/migrations``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


class Provenance:
    """Where a record came from (mixed into every catalogue table)."""

    source: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


PROVENANCE_COLUMNS = ("source", "source_id", "imported_at")


class Meta(Base):
    """Key/value facts about the database, e.g. the catalogue revision."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


SOURCE_NAME = "the name as the source spells it (encoding repaired), where it differs from name"


class Organisation(Provenance, Base):
    __tablename__ = "organisations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, comment="CORDIS organisationID (PIC) or a name hash")
    name: Mapped[str] = mapped_column(Text)  # as shown: repaired; a Swedish name as a Swede writes it
    source_name: Mapped[str | None] = mapped_column(Text, comment=SOURCE_NAME)
    short_name: Mapped[str | None] = mapped_column(Text)
    activity_type: Mapped[str | None] = mapped_column(String(3), comment="HES, REC, PRC, PUB or OTH")
    sme: Mapped[bool | None] = mapped_column(Boolean)
    vat_number: Mapped[str | None] = mapped_column(String(64))
    street: Mapped[str | None] = mapped_column(Text)
    post_code: Mapped[str | None] = mapped_column(String(40))
    city: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2), index=True, comment="ISO 3166-1 alpha-2")
    nuts_code: Mapped[str | None] = mapped_column(String(10), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    url: Mapped[str | None] = mapped_column(Text)
    content_updated: Mapped[str | None] = mapped_column(String(32))
    name_key: Mapped[str] = mapped_column(String(300), comment="normalised name, for duplicates")
    same_as_id: Mapped[str | None] = mapped_column(
        ForeignKey("organisations.id"), comment="the record this one duplicates (same name + country)"
    )


class Project(Provenance, Base):
    __tablename__ = "projects"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, comment="CORDIS project id")
    acronym: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    objective: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(20))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    total_cost: Mapped[float | None] = mapped_column(Float)
    ec_max_contribution: Mapped[float | None] = mapped_column(Float)
    framework_programme: Mapped[str | None] = mapped_column(String(20), index=True)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    master_call: Mapped[str | None] = mapped_column(Text)
    sub_call: Mapped[str | None] = mapped_column(Text)
    funding_scheme: Mapped[str | None] = mapped_column(Text)
    nature: Mapped[str | None] = mapped_column(Text)
    ec_signature_date: Mapped[dt.date | None] = mapped_column(Date)
    content_updated: Mapped[str | None] = mapped_column(String(32))
    rcn: Mapped[str | None] = mapped_column(String(20))
    grant_doi: Mapped[str | None] = mapped_column(String(100))


class Call(Provenance, Base):
    """A funding topic (id = topic code, e.g. ``LC-SC3-RES-8-2019``)."""

    __tablename__ = "calls"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str | None] = mapped_column(Text)
    programme: Mapped[str | None] = mapped_column(Text, index=True)
    call_identifier: Mapped[str | None] = mapped_column(Text)
    call_title: Mapped[str | None] = mapped_column(Text)
    action_type: Mapped[str | None] = mapped_column(Text)
    types_of_action: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), index=True, comment="open, forthcoming or closed")
    deadline: Mapped[dt.date | None] = mapped_column(Date, index=True)
    deadline_model: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[str | None] = mapped_column(Text)
    budget_min: Mapped[float | None] = mapped_column(Float)
    budget_max: Mapped[float | None] = mapped_column(Float)
    expected_grants: Mapped[int | None] = mapped_column(Integer)
    cluster: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    conditions: Mapped[str | None] = mapped_column(Text)
    portal_url: Mapped[str | None] = mapped_column(Text)
    opening: Mapped[dt.date | None] = mapped_column(Date, comment="when submission opens (startDate)")
    deadlines: Mapped[list[str] | None] = mapped_column(
        JSON, comment="every deadline, ISO dates in order (two-stage, cut-offs); deadline is the last"
    )
    budget_total: Mapped[float | None] = mapped_column(Float, comment="the topic's budget, EUR")
    destination: Mapped[str | None] = mapped_column(Text)
    as_of: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), comment="when the newest source said what this record holds"
    )


class CallSource(Provenance, Base):
    """One source's record of a call, as that source said it on ``as_of``.

    A topic may come from several portal files and syncs; the ``calls`` row is their merge
    (:mod:`samverkan.importers.call_merge`): the newer record wins field by field, and every
    source's record is kept here for provenance.
    """

    __tablename__ = "call_sources"
    call_id: Mapped[str] = mapped_column(String(100), primary_key=True, comment="the call (calls.id) it describes")
    feed: Mapped[str] = mapped_column(String(40), primary_key=True, comment="ft-export or ft-search")
    as_of: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    record: Mapped[dict[str, Any]] = mapped_column(JSON, comment="the call's fields as this source gave them")


class SourceState(Base):
    """What samverkan holds from one source: the last successful import or sync, and how
    current the data itself is (its snapshot date, not the import time)."""

    __tablename__ = "sources"
    name: Mapped[str] = mapped_column(String(40), primary_key=True, comment="importer name (calls, cordis, hubs …)")
    location: Mapped[str | None] = mapped_column(Text, comment="the file, folder or address read last")
    method: Mapped[str] = mapped_column(String(8), comment="import or sync")
    finished_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    data_as_of: Mapped[dt.date | None] = mapped_column(Date, comment="the newest snapshot date of the data")
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, comment="what the last run read and changed")


class ProjectTopic(Provenance, Base):
    """A project funded under a topic (CORDIS ``topics.csv``); the project may be imported later."""

    __tablename__ = "project_topics"
    project_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), primary_key=True, index=True)


class ProjectField(Provenance, Base):
    """A project's euroSciVoc field of science (CORDIS ``euroSciVoc.csv``)."""

    __tablename__ = "project_fields"
    project_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    path: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)


class ProjectLegalBasis(Provenance, Base):
    """A programme part a project belongs to (CORDIS ``legalBasis.csv``)."""

    __tablename__ = "project_legal_bases"
    project_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    legal_basis: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str | None] = mapped_column(Text)
    unique_programme_part: Mapped[bool | None] = mapped_column(Boolean)


class Participation(Provenance, Base):
    __tablename__ = "participations"
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True, comment="coordinator, participant, thirdParty, …")
    order: Mapped[int | None] = mapped_column(Integer)
    ec_contribution: Mapped[float | None] = mapped_column(Float)
    net_ec_contribution: Mapped[float | None] = mapped_column(Float)
    total_cost: Mapped[float | None] = mapped_column(Float)
    end_of_participation: Mapped[bool | None] = mapped_column(Boolean)
    active: Mapped[bool | None] = mapped_column(Boolean)


class Hub(Provenance, Base):
    """A European Digital Innovation Hub (EDIH), a Seal of Excellence (SoE) or another Digital
    Innovation Hub (DIH). A hub listed in two catalogues is one hub: the older record names the
    one shown (``same_as_id``)."""

    __tablename__ = "hubs"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(Text)  # as shown: repaired; a Swedish name as a Swede writes it
    source_name: Mapped[str | None] = mapped_column(Text, comment=SOURCE_NAME)
    title: Mapped[str | None] = mapped_column(Text, comment="full title, where the source gives one beside the name")
    kind: Mapped[str] = mapped_column(String(8), comment="EDIH, SoE (Seal of Excellence) or DIH")
    url: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    city: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    street: Mapped[str | None] = mapped_column(Text)
    sectors: Mapped[list[str]] = mapped_column(JSON)
    services: Mapped[list[str]] = mapped_column(JSON)
    technologies: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(Text)
    same_as_id: Mapped[str | None] = mapped_column(
        ForeignKey("hubs.id"), comment="the record shown for this hub (the same hub in another catalogue)"
    )


class Platform(Provenance, Base):
    """An EU collaboration platform regional actors can join (curated, sourced)."""

    __tablename__ = "platforms"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    operator: Mapped[str | None] = mapped_column(Text)
    audience: Mapped[list[str]] = mapped_column(JSON)
    topics: Mapped[list[str]] = mapped_column(JSON)
    purpose_en: Mapped[str | None] = mapped_column(Text)
    purpose_sv: Mapped[str | None] = mapped_column(Text)
    how_to_join_en: Mapped[str | None] = mapped_column(Text)
    how_to_join_sv: Mapped[str | None] = mapped_column(Text)
    can_publish_en: Mapped[str | None] = mapped_column(Text)
    can_publish_sv: Mapped[str | None] = mapped_column(Text)
    sources: Mapped[dict[str, Any]] = mapped_column(JSON, comment="fact → public source URL")


class WorkingGroup(Provenance, Base):
    __tablename__ = "working_groups"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    topics: Mapped[list[str]] = mapped_column(JSON)
    description_en: Mapped[str | None] = mapped_column(Text)
    description_sv: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)


class Solution(Provenance, Base):
    """A reusable solution / public-sector use case (e.g. JRC IPS explorer)."""

    __tablename__ = "solutions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    resource_type: Mapped[str | None] = mapped_column(Text)
    geo_extent: Mapped[str | None] = mapped_column(Text)
    geo_coverage: Mapped[str | None] = mapped_column(Text)
    countries: Mapped[list[str]] = mapped_column(JSON, comment="ISO 3166-1 alpha-2 codes covered")
    lead_organisation: Mapped[str | None] = mapped_column(Text)
    lead_category: Mapped[str | None] = mapped_column(Text)
    primary_sector: Mapped[str | None] = mapped_column(Text)
    secondary_sector: Mapped[str | None] = mapped_column(Text)
    technology: Mapped[str | None] = mapped_column(Text)
    application_type: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(Text)
    start_year: Mapped[str | None] = mapped_column(String(20))
    end_year: Mapped[str | None] = mapped_column(String(20))


class Region(Provenance, Base):
    """A NUTS 2021 region, levels 0–3."""

    __tablename__ = "regions"
    id: Mapped[str] = mapped_column(String(10), primary_key=True, comment="NUTS code")
    level: Mapped[int] = mapped_column(Integer)
    country: Mapped[str] = mapped_column(String(2), index=True, comment="ISO 3166-1 alpha-2 (EL→GR)")
    parent_id: Mapped[str | None] = mapped_column(String(10), index=True)
    name: Mapped[str] = mapped_column(Text)
    name_latn: Mapped[str | None] = mapped_column(Text)
    mount_type: Mapped[int | None] = mapped_column(Integer)
    urban_type: Mapped[int | None] = mapped_column(Integer)
    coast_type: Mapped[int | None] = mapped_column(Integer)
    label_lat: Mapped[float | None] = mapped_column(Float)
    label_lon: Mapped[float | None] = mapped_column(Float)
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class County(Provenance, Base):
    """A Swedish län (county), mapped to its NUTS 3 region."""

    __tablename__ = "counties"
    code: Mapped[str] = mapped_column(String(2), primary_key=True, comment="länskod")
    name: Mapped[str] = mapped_column(Text)
    nuts3: Mapped[str | None] = mapped_column(String(10))
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Municipality(Provenance, Base):
    """A Swedish kommun, mapped to its län and NUTS 3 region."""

    __tablename__ = "municipalities"
    code: Mapped[str] = mapped_column(String(4), primary_key=True, comment="kommunkod")
    name: Mapped[str] = mapped_column(Text)
    short_name: Mapped[str] = mapped_column(Text)
    county_code: Mapped[str] = mapped_column(String(2), index=True)
    nuts3: Mapped[str | None] = mapped_column(String(10), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class CohesionProject(Provenance, Base):
    """A Swedish ERDF/ESF project (Tillväxtverket's project bank), text in Swedish."""

    __tablename__ = "cohesion_projects"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, comment="ärende-id")
    fund: Mapped[str | None] = mapped_column(String(8), comment="ERDF or ESF")
    beneficiary: Mapped[str] = mapped_column(Text)
    amount_sek: Mapped[float | None] = mapped_column(Float)
    amount_eur: Mapped[float | None] = mapped_column(Float)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    county: Mapped[str | None] = mapped_column(Text)
    municipalities: Mapped[list[str]] = mapped_column(JSON)
    area: Mapped[str | None] = mapped_column(Text)
    priority_axis: Mapped[str | None] = mapped_column(Text)
    thematic_objective: Mapped[str | None] = mapped_column(Text)
    source_updated: Mapped[str | None] = mapped_column(String(32))


Index("ix_organisations_name_key_country", Organisation.name_key, Organisation.country)


class Embedding(Base):
    """A stored dense vector of one catalogue record's text (computed once, updated when the text changes)."""

    __tablename__ = "embeddings"
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    model: Mapped[str] = mapped_column(String(40), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(40), comment="sha1 of the embedded text")
    vector: Mapped[bytes] = mapped_column(LargeBinary, comment="float32, L2-normalised")
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
