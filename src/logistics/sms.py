"""Outgoing SMS through a pluggable gateway.

LOGISTICS_SMS_GATEWAY is `log` (the default: the message goes to the log, for set-ups without a contract with an
SMS operator) or `package.module:Class`, a class with `async send(phone, text)` that raises when the message was
not accepted.
"""

from __future__ import annotations

import importlib
import logging
from typing import Protocol

from logistics.settings import get_settings

log = logging.getLogger("logistics.sms")


class SmsGateway(Protocol):
    async def send(self, phone: str, text: str) -> None: ...


class LogGateway:
    """Writes the message to the log instead of sending it."""

    async def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", phone, text)


def sms_gateway() -> SmsGateway:
    name = get_settings().sms_gateway
    if name == "log":
        return LogGateway()
    module, _sep, attribute = name.partition(":")
    gateway: SmsGateway = getattr(importlib.import_module(module), attribute)()
    return gateway
