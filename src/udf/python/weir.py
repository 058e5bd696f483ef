"""Weir's helpers for Python UDFs: ``import weir``.

    weir.count("bad_currency")      # +1
    weir.count("gift_items", 3)     # +3

Counters are per table in the SLA counters; each batch call reports what it counted.
"""

_counters = {}


def count(name, n=1):
    """Add ``n`` (default 1) to the user counter ``name``."""
    if not isinstance(name, str) or not name:
        raise TypeError("weir.count: the counter name must be a non-empty string")
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("weir.count: the amount must be an integer, got %s" % type(n).__name__)
    # Plain str and int: the counters travel back as marshal, which writes exact types only.
    name, n = str(name), int(n)
    _counters[name] = _counters.get(name, 0) + n
