"""Failed credentials counted per client address, without locking out anyone who has the right ones.

A per-address limit on every attempt lets one client lock out all who share its
address (a clinic's network, or everyone, behind an unconfigured proxy): ten bad
bearer tokens refused every API call from there, valid tokens included. Here only
failures count, and only a failure is refused once the address has failed too often:
a correct password or a valid token always gets in. Guessing one account is limited
per account as well (``gallery.extensions.account_key``), wherever the guesses come from.

The counters live in Flask-Limiter's storage. When that storage is down the request
goes on (logged): an outage of the counters never refuses a sign-in or an API call.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from limits import RateLimitItem, parse
from limits.errors import StorageError

from gallery.errors import TooManyFailures
from gallery.extensions import limiter

log = logging.getLogger(__name__)
TOO_MANY = "Too many failed attempts from this network: wait a minute, then try again."


def _limit() -> RateLimitItem:
    """The configured failure limit (GALLERY_LOGIN_RATE_LIMIT), per address."""
    return parse(current_app.config["GALLERY_LOGIN_RATE_LIMIT"])


def too_many_failures(kind: str) -> bool:
    """Whether this client's address has used up its failures of ``kind`` ("login", "token")."""
    if not limiter.enabled:
        return False
    try:
        return not limiter.limiter.test(_limit(), "failures", kind, request.remote_addr or "")
    except StorageError:  # Redis down, a locked file...: let the request through
        log.exception("rate-limit storage unavailable: failure limit not checked")
        return False


def count_failure(kind: str) -> None:
    """One more failure of ``kind`` from this client's address."""
    if not limiter.enabled:
        return
    try:
        limiter.limiter.hit(_limit(), "failures", kind, request.remote_addr or "")
    except StorageError:
        log.exception("rate-limit storage unavailable: a failure was not counted")


def address_is_the_clients() -> bool:
    """Whether ``request.remote_addr`` tells this client from others: only behind a trusted proxy
    (``gallery.proxies``). Limits on everyone's traffic per address apply only then."""
    return bool(request.environ.get("gallery.behind_trusted_proxy"))


def refuse(kind: str, page: Callable[[str], Any], wrong: str) -> tuple[Any, ...]:
    """The answer to wrong credentials: ``page(wrong)`` with 401, counted against the address, or
    ``page(TOO_MANY)`` with 429 once the address has failed too often."""
    if too_many_failures(kind):
        return page(TOO_MANY), 429, {"Retry-After": str(_limit().get_expiry())}
    count_failure(kind)
    return page(wrong), 401


def refuse_token(kind: str = "token") -> TooManyFailures | None:
    """For a missing or wrong secret of ``kind`` (an API token; "link": an emailed link's token):
    the 429 to raise once the address has failed too often (else None: the caller raises its own
    refusal), the failure counted."""
    if too_many_failures(kind):
        return TooManyFailures(TOO_MANY, _limit().get_expiry())
    count_failure(kind)
    return None
