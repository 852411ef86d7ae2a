"""Domain errors raised by the service layer and mapped to HTTP responses."""

from __future__ import annotations


class LedgerError(Exception):
    status_code = 400
    code = "ledger_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(LedgerError):
    status_code = 404
    code = "not_found"


class Conflict(LedgerError):
    status_code = 409
    code = "conflict"


class ValidationFailed(LedgerError):
    status_code = 422
    code = "validation_failed"


class UnbalancedEntry(ValidationFailed):
    code = "unbalanced_entry"


class PeriodClosed(ValidationFailed):
    code = "period_closed"


class RateNotFound(NotFound):
    code = "rate_not_found"
