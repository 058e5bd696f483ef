import broken_helper


def f(record):
    return record
