"""Przystań — shelter and in-kind aid logistics for a social welfare centre."""
