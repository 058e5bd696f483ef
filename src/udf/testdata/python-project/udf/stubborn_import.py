while True:
    try:
        while True:
            pass
    except BaseException:
        pass


def f(record):
    return record
