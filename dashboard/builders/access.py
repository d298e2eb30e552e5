"""Who may do what on the dashboard: the role of a signed-in identity (pure; no Streamlit).

Roles (`metrics.settings.ROLES`), least to most: a viewer reads every page; an operator also
acknowledges, resolves, silences, gives feedback and sees the rows behind a slice (and their
CSV); an admin also reads the audit log. `[auth.roles]` names admins and operators by email
address or by domain (`@example.com`), or maps values of a groups claim to roles; the highest
match wins, and anyone signed in whom nothing matches is a viewer: the provider decides who may
sign in, the config who may change anything.

Without sign-in (local mode) the one person at the machine may do everything; their actions
are recorded under the name they type, with role `local`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from alerts.state.audit_log import LOCAL_ROLE
from metrics.settings import ROLES, RoleSettings

ACTING_ROLES = ("operator", "admin", LOCAL_ROLE)
AUDIT_ROLES = ("admin", LOCAL_ROLE)


@dataclass(frozen=True)
class Access:
    """The person using this session: `who` is None in local mode (they type their name)."""

    who: str | None
    role: str

    @property
    def signed_in(self) -> bool:
        return self.who is not None

    @property
    def can_act(self) -> bool:
        """Acknowledge, resolve, silence, give feedback, see and download the rows."""
        return self.role in ACTING_ROLES

    @property
    def can_audit(self) -> bool:
        return self.role in AUDIT_ROLES


LOCAL = Access(who=None, role=LOCAL_ROLE)


def identity(claims: Mapping[str, object]) -> str | None:
    """What the audit log records as the author: the email, else the username, else the
    provider's subject id (`sub`)."""
    for name in ("email", "preferred_username", "sub"):
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _email(claims: Mapping[str, object]) -> str | None:
    """The email to match roles on; not one the provider says it has not verified."""
    value = claims.get("email")
    if not isinstance(value, str) or "@" not in value or claims.get("email_verified") is False:
        return None
    return value.strip().lower()


def _matches(email: str | None, entries: list[str]) -> bool:
    if email is None:
        return False
    domain = "@" + email.rpartition("@")[2]
    return any(entry == email or entry == domain for entry in entries)


def _groups(claims: Mapping[str, object], claim: str | None) -> list[str]:
    value = claims.get(claim) if claim else None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return []


def role_for(claims: Mapping[str, object], roles: RoleSettings) -> str:
    """The highest role the claims earn: admin, operator, else viewer."""
    email = _email(claims)
    earned = {"viewer"}
    if _matches(email, roles.admin):
        earned.add("admin")
    if _matches(email, roles.operator):
        earned.add("operator")
    earned.update(roles.groups[g] for g in _groups(claims, roles.groups_claim) if g in roles.groups)
    return max(earned, key=ROLES.index)


def signed_in_access(claims: Mapping[str, object], roles: RoleSettings) -> Access | None:
    """The access of a signed-in user; None when the token names nobody."""
    who = identity(claims)
    return None if who is None else Access(who=who, role=role_for(claims, roles))
