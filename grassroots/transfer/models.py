"""Roster import and export (xlsx, xls, ods, csv), the printable roster."""
