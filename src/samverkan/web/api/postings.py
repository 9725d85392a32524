"""JSON API of postings."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["postings"])
