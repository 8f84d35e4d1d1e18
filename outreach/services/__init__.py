"""Writes of the outreach area, one module per business: visits, wishes, events."""
