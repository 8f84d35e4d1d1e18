"""The one error type users see (style.md §7).

Services raise ApplicationError with a translated message and, where the fault lies in one
input, the field's name; the API maps it to 400/409 and forms render it beside the field.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


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


# A free-text box (measures, findings, notes) unless the caller's model says otherwise.
TEXT_MAX = 2000


def clean_text(value: str | None, field: str, label: str, *, limit: int = TEXT_MAX,
               required: bool = True) -> str:
    """A text input stripped; missing (when required) or longer than `limit` characters is an
    error naming the field: "请填写<label>" / "<label>不超过<n>字"."""
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(_("请填写%(label)s") % {"label": label}, field=field)
    if len(value) > limit:
        raise ApplicationError(_("%(label)s不超过%(n)s字") % {"label": label, "n": limit},
                               field=field)
    return value
