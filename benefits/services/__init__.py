"""Writes to benefits: one module per business (enrollment, payroll, bank, adjustments, rechecks)."""
