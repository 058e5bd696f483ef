def lookup(record):
    table = {"a": 1}
    return {"v": table[record["key"]]}


def divide(record):
    return {"v": 1 / record["d"]}
