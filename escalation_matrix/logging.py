"""Logging filters (wired in ``settings.LOGGING``)."""

import logging


class ClientErrorWithoutTraceback(logging.Filter):
    """Keeps ``django.request``'s line for a 4xx answer but drops its traceback.

    Django logs a refused request ("Forbidden (Permission denied): /path") with the PermissionDenied's
    traceback: a refusal is the product working, not a fault, and the traceback buried real errors in the log.
    5xx records keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
