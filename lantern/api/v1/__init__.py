"""Version 1 of the API. Each capability is one router module, added here."""

from __future__ import annotations

from . import casework, collisions, evidence, intelligence, ledger, reports, statements
from .core import api

api.add_router("", reports.router)
api.add_router("", evidence.router)
api.add_router("", statements.router)
api.add_router("", ledger.router)
api.add_router("", ledger.exports)
api.add_router("", collisions.router)
api.add_router("", intelligence.router)
api.add_router("", casework.router)

__all__ = ["api"]
