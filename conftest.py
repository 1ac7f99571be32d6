"""Loads the repo's nbval extension wherever pytest runs here, so a plain ``pytest --nbval notebooks/`` compares
cells tagged ``nbval-approx`` within their measured tolerance (see tests/nbval_approx.py)."""

pytest_plugins = ("tests.nbval_approx", "tests.nbval_student")
