"""API rate limits: per signed-in user or token, per address when anonymous, per inbound integration.

A limit answers 429 with ``Retry-After`` and a ``detail`` saying in how many seconds to retry (DRF's
``Throttled``). Rates are settings (``API_RATE_USER``, ``API_RATE_ANON``, ``API_RATE_HOOK``). Counts live in
the cache, shared by every web process. A rate limit is a guard, not a dependency: when the cache cannot be
reached, the request goes through and the failure is logged.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest
from rest_framework import throttling

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """The client's own address, for login throttling (django-axes) as for the API's limits (DRF's NUM_PROXIES):
    ``REMOTE_ADDR``, or behind ``TRUSTED_PROXY_COUNT`` proxies the address the outermost of them saw. Each proxy
    appends what it received from to X-Forwarded-For, so the client is that many from the end; anything a
    client wrote there itself sits further left and is never read."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    return forwarded[-count] if len(forwarded) >= count else remote


class _FailOpen:
    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache (Redis) is down: serve the request rather than fail it
            logger.warning("Rate limit not checked: the cache cannot be reached.", exc_info=True)
            return True


class UserRateThrottle(_FailOpen, throttling.UserRateThrottle):
    """Per user (a token counts as its user); anonymous callers by address."""


class AnonRateThrottle(_FailOpen, throttling.AnonRateThrottle):
    pass


class IntegrationRateThrottle(_FailOpen, throttling.SimpleRateThrottle):
    """Per inbound integration, whoever posts: a sender stuck in a loop cannot flood the incident list."""

    scope = "hook"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": view.kwargs.get("integration_key", "")}
