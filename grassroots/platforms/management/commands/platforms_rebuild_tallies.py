"""Rebuild the platforms' yearly tallies from the records (after a bulk load); safe to rerun."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Max, Min
from django.utils import timezone

from grassroots.platforms.models import InformationPiece, Proposal, ResearchTopic, ServiceProject
from grassroots.platforms.services.tally import tally_rebuild


class Command(BaseCommand):
    help = "Rebuild the yearly statistics tallies of the work platforms from their records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, action="append", help="a year (repeatable)")
        parser.add_argument("--all", action="store_true", help="every year that has records")

    def handle(self, *args: Any, **options: Any) -> None:
        years = options["year"] or []
        if options["all"]:
            found: set[int] = set()
            for model in (Proposal, InformationPiece, ResearchTopic, ServiceProject):
                span = model.objects.aggregate(lo=Min("year"), hi=Max("year"))
                if span["lo"] is not None:
                    found |= set(range(span["lo"], span["hi"] + 1))
            years = sorted(found | set(years))
        for year in years or [timezone.localdate().year]:
            rows = tally_rebuild(year=year)
            self.stdout.write(f"{year}: {rows}")
