"""Postprocess for payments.

- Test servers (server_id >= 9000) are dropped: returning None drops the record (counted).
- ``usd_amount`` = amount × the rate from udf/rates.py, to the cent.
- An unknown currency keeps the row with ``usd_amount`` null and counts ``unknown_currency``.
- An amount that is not a number raises ValueError: the record becomes a UDF error record.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import weir
from rates import normalise_currency, rate_to_usd

TEST_SERVER_MIN = 9000
CENT = Decimal("0.01")


def _amount(value):
    if isinstance(value, bool):
        raise ValueError("amount %r is not a number" % (value,))
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError("amount %r is not a number" % (value,)) from None


def to_usd(record):
    if record.get("server_id", 0) >= TEST_SERVER_MIN:
        return None
    amount = _amount(record.get("amount"))
    currency = normalise_currency(record.get("currency"))
    record["currency"] = currency
    rate = rate_to_usd(currency)
    if rate is None:
        weir.count("unknown_currency")
        record["usd_amount"] = None
    else:
        record["usd_amount"] = float((amount * rate).quantize(CENT, rounding=ROUND_HALF_UP))
    return record
