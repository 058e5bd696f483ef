import re

import weir

_DMY = re.compile(r"(\d{2})/(\d{2})/(\d{4})")


def normalise(line):
    if line.startswith("#"):
        return None
    return _DMY.sub(r"\3-\2-\1", line)


def shout(line):
    return line.upper()


def returns_number(line):
    return len(line)


class Line(str):
    pass


class Amount(int):
    pass


def subclass(text):
    weir.count(Line("subclassed"), Amount(2))
    return Line(text + "!")
