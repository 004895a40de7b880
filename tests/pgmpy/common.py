"""Shared by the pgmpy scripts of tests/interop.rs."""

import warnings

warnings.simplefilter("ignore")

from pgmpy.readwrite import BIFReader  # noqa: E402


def _memoized(method):
    # BIFReader rebuilds its pyparsing grammars (over all of Unicode's
    # alphanumerics) for every file: seconds each. The grammars are
    # stateless, so one copy serves every file; parsing is unchanged.
    cache = {}

    def wrapper(self):
        if "grammar" not in cache:
            cache["grammar"] = method(self)
        return cache["grammar"]

    return wrapper


BIFReader.get_variable_grammar = _memoized(BIFReader.get_variable_grammar)
BIFReader.get_probability_grammar = _memoized(BIFReader.get_probability_grammar)
