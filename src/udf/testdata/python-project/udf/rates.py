from lib.table import RATES


def usd_rate(currency):
    return RATES[currency]
