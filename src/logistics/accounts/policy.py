"""Who may do what with accounts: administrators manage users; everyone signed in manages their own account."""

from __future__ import annotations

from logistics.core.policy import Policy
from logistics.core.roles import Role

policy = Policy("accounts")

MANAGE_USERS = policy.rule("accounts.manage_users", {Role.ADMIN})
OWN_ACCOUNT = policy.rule("accounts.own_account", set(Role))
