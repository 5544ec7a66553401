"""Statutory reports: figures for a chosen period (no personal data) on screen, as CSV, XLSX and PDF, and from the
command line. `core` holds the period, the report's shape and the registry; one module per report builds it."""
