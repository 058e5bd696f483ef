import collections

import weir
from rates import usd_rate


def identity(record):
    return record


def drop_or_keep(record):
    if record.get("server_id", 0) >= 9000:
        return None
    return record


def split_items(record):
    return [{"role_id": record["role_id"], "item": item} for item in record["items"]]


def to_usd(record):
    rate = usd_rate(record["currency"])
    record["usd"] = round(record["amount"] * rate, 2)
    return record


def count_kinds(record):
    weir.count("seen")
    if record.get("kind") == "gift":
        weir.count("gifts", record.get("n", 1))
    return record


def bigint(record):
    return {"id": record["id"], "next": record["id"] + 1, "small": 7, "type": type(record["id"]).__name__}


def unicode(record):
    return {"name": record["name"] + "✓", "length": len(record["name"]), "emoji": "🎮"}


def nested(record):
    inner = record["a"]["b"]
    return {"depth": len(inner), "first": inner[0]["c"], "copy": record}


def bad_return(record):
    return record.get("value")


def unserialisable(record):
    return {"when": object()}


def spin(record):
    if record.get("spin"):
        while True:
            pass
    return record


def hog(record):
    if record.get("hog"):
        blocks = []
        while True:
            blocks.append(bytearray(8 * 1024 * 1024))
    return record


def stubborn(record):
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass


def stubborn_on(record):
    if record.get("stubborn"):
        stubborn(record)
    return record


def c_loop(record):
    if record.get("c_loop"):
        import itertools

        # sum() runs in C and never checks for interrupts
        sum(itertools.repeat(1))
    weir.count("seen")
    return {**record, "seen": True}


def bad_count(record):
    weir.count(42)
    return record


def flag_to_bool(record):
    record["flag"] = record["flag"] == 1
    return record


def copy(record):
    return dict(record)


def describe(record):
    """What Python received, types included."""
    return {"repr": ascii(record)}


def _self_list():
    items = []
    items.append(items)
    return {"v": items}


_SHARED = {"k": 1}
ODD = {
    "set": lambda: {"v": {1}},
    "bytes": lambda: {"v": b"x"},
    "nan": lambda: {"v": float("nan")},
    "self": _self_list,
    "object_key": lambda: {"v": {(1,): "a"}},
    "tuple": lambda: {"v": (1, "a")},
    "keys": lambda: {"v": {2: "a", None: "b", True: "c"}},
    "ordered": lambda: collections.OrderedDict([("b", 1), ("a", 2)]),
    "shared": lambda: [_SHARED, _SHARED],
}


def odd(record):
    return ODD[record["case"]]()


def _deep(n):
    return _deep(n + 1) + 1


def crash_on(record):
    if record.get("crash"):
        import sys

        sys.setrecursionlimit(10**8)
        _deep(0)  # overflows the interpreter's own stack: the interpreter cannot go on
    return record
