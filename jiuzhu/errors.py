"""The one error type users see (style.md §7).

Services raise ApplicationError with a translated message and, where the fault lies in one
input, the field's name; the API maps it to 400/409 and forms render it beside the field.
"""

from __future__ import annotations


class ApplicationError(Exception):
    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = str(message)
        self.field = field
        self.code = code

    @property
    def status(self) -> int:
        # A conflict with the current state (duplicate, illegal transition) is 409; bad input 400.
        if self.code == "forbidden":
            return 403
        return 409 if self.code in {"conflict", "duplicate", "transition"} else 400

    def as_dict(self) -> dict[str, str | None]:
        return {"detail": self.message, "field": self.field, "code": self.code}
