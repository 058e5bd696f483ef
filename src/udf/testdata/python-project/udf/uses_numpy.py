import numpy as np


def mean(record):
    return {"mean": float(np.mean(record["values"]))}
