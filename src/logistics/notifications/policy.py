"""Who may do what with the outbox: administrators and coordinators see the messages (recipients masked, no
bodies) and send a failed one again."""

from __future__ import annotations

from logistics.core.policy import Policy
from logistics.core.roles import Role

policy = Policy("notifications")

VIEW_MESSAGES = policy.rule("notifications.view_messages", {Role.ADMIN, Role.COORDINATOR})
RETRY = policy.rule("notifications.retry", {Role.ADMIN, Role.COORDINATOR})
