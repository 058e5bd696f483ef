"""Exchange rates to USD, and the currency spellings seen in the logs.

Kept as Decimal so money is never rounded through binary floats.
"""

from decimal import Decimal

RATES_TO_USD = {
    "USD": Decimal("1"),
    "CNY": Decimal("0.14"),
    "HKD": Decimal("0.128"),
    "JPY": Decimal("0.0067"),
    "KRW": Decimal("0.00072"),
    "EUR": Decimal("1.08"),
}

_ALIASES = {"RMB": "CNY", "US$": "USD", "YEN": "JPY"}


def normalise_currency(code):
    """``rmb `` → ``CNY``; None for a missing code."""
    if not isinstance(code, str) or not code.strip():
        return None
    code = code.strip().upper()
    return _ALIASES.get(code, code)


def rate_to_usd(code):
    """The rate, or None for a currency we have no rate for."""
    return RATES_TO_USD.get(code)
