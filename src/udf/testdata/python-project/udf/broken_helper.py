import pandas  # noqa: F401
