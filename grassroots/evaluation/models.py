"""Indicator schemes scored from the records, rankings, members' performance archive."""
