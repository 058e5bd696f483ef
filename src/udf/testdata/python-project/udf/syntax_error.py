def f(record)
    return record
