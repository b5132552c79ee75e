"""Who may do what, and API tokens. Pure: the database look-up is in :mod:`.service`.

Roles are ordered: a ``viewer`` reads, an ``editor`` also creates and updates commitments and
adds progress, an ``admin`` also deletes and manages users. A token is 32 random bytes
(URL-safe text with a ``rct_`` prefix), shown once; only its sha256 is stored, so a leaked
database does not leak usable tokens.
"""

from __future__ import annotations

import getpass
import hashlib
import secrets
from dataclasses import dataclass

from rootcauses.errors import TrackerAuthError, TrackerPermissionError
from rootcauses.tracker.schemas import ROLES, Role

TOKEN_PREFIX = "rct_"
RANK = {role: rank for rank, role in enumerate(ROLES)}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a tracker user (through an API token) or the local operator (CLI)."""

    name: str
    role: Role
    user_id: int | None = None


def local_actor(name: str | None = None) -> Actor:
    """The person at the command line: whoever can open the database file can do anything,
    so the CLI acts as admin; ``name`` (or the login name) is what the audit log records."""
    return Actor(name=name or f"cli:{getpass.getuser()}", role="admin")


def require(actor: Actor | None, role: Role, doing: str) -> Actor:
    """``actor`` if its role is at least ``role``; 401 without an actor, 403 below the role."""
    if actor is None:
        raise TrackerAuthError(f"{doing} needs an API token (Authorization: Bearer <token>)")
    if RANK[actor.role] < RANK[role]:
        raise TrackerPermissionError(
            f"{doing} needs the {role} role; {actor.name!r} is a {actor.role}"
        )
    return actor


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()
