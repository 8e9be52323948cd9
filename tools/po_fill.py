"""Fill the English catalogue from a JSON file of {msgid: English}, then compile it.

Usage:
  python tools/po_fill.py --missing            print untranslated msgids as a JSON object to fill
  python tools/po_fill.py translations.json    fill those msgids, clear their fuzzy flag, compile

Run `make messages` first so the catalogue holds the new msgids. Several people may work on the
catalogue at once: wrap both steps in `flock var/po.lock ...`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[1] / "grassroots/locale/en/LC_MESSAGES/django.po"


def _needs_work(entry: polib.POEntry) -> bool:
    if entry.obsolete:
        return False
    if "fuzzy" in entry.flags:
        return True
    if entry.msgid_plural:
        return not all(entry.msgstr_plural.values())
    return not entry.msgstr


def main(argv: list[str]) -> int:
    catalogue = polib.pofile(str(PO), wrapwidth=100)
    if argv == ["--missing"]:
        missing = {e.msgid: "" for e in catalogue if _needs_work(e)}
        print(json.dumps(missing, ensure_ascii=False, indent=1))
        return 0
    if len(argv) != 1:
        print(__doc__)
        return 2
    given: dict[str, str | list[str]] = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    filled = 0
    for entry in catalogue:
        english = given.get(entry.msgid)
        if entry.obsolete or not english or not _needs_work(entry):
            continue
        if entry.msgid_plural:
            forms = english if isinstance(english, list) else [english, english]
            entry.msgstr_plural = {0: forms[0], 1: forms[-1]}
        else:
            entry.msgstr = english if isinstance(english, str) else english[0]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = None
        filled += 1
    # Obsolete entries only confuse the next fuzzy match.
    for entry in [e for e in catalogue if e.obsolete]:
        catalogue.remove(entry)
    catalogue.save()
    catalogue.save_as_mofile(str(PO.with_suffix(".mo")))
    left = sum(1 for e in catalogue if _needs_work(e))
    print(f"filled {filled}; still untranslated or fuzzy: {left}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
