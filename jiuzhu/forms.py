"""Glue between services' ApplicationError and Django forms."""

from __future__ import annotations

from django import forms

from .errors import ApplicationError


def attach_error(form: forms.Form, error: ApplicationError) -> None:
    """Show a service error beside its field, keeping what the user typed."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
