"""Preprocess for every table of the oplog source.

Our servers write the header time as ``2026-11-25 10:00:01``; the partner's servers write
``25/11/2026 10:00:01`` (day/month/year). Rewrite the partner's form so one parser and one
time format serve both. Blank lines are dropped.
"""

import re

_PARTNER_TIME = re.compile(r"^\[(\d{2})/(\d{2})/(\d{4}) (\d{2}:\d{2}:\d{2})\]")


def normalise_time(line):
    if not line.strip():
        return None
    return _PARTNER_TIME.sub(r"[\3-\2-\1 \4]", line, count=1)
