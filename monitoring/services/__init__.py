"""Writes of the monitoring app: warnings, rule settings, monitored households, runs."""
