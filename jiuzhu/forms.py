"""Glue between services' ApplicationError and Django forms."""

from __future__ import annotations

from typing import Any

from django import forms

from .errors import ApplicationError


def set_choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    """Choices known only at request time (the user's regions, the configured items)."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def attach_error(form: forms.Form, error: ApplicationError) -> None:
    """Show a service error beside its field, keeping what the user typed."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
