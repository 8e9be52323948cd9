"""Prospects, admission conditions, the approval-and-filing procedure, the talent programme."""
