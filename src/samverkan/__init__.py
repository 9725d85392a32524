"""samverkan: find the right EU platforms, hubs, calls, partners and reusable solutions for a
need written in Swedish or English, and run a multi-tenant sensor-data space.

The library is the product; the CLI (``samverkan``) and the web app are thin adapters.
"""

from samverkan.core import Samverkan
from samverkan.errors import InputError, SamverkanError
from samverkan.settings import Settings, load_settings

__all__ = ["InputError", "Samverkan", "SamverkanError", "Settings", "create_app", "load_settings"]


def __getattr__(name: str):
    if name == "create_app":  # imported lazily: the CLI need not load the web stack
        from samverkan.web import create_app

        return create_app
    raise AttributeError(name)
