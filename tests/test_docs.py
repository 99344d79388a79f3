"""The runnable examples in the docstrings of the public entry points run as shown."""

from __future__ import annotations

import doctest

import pytest

from models import model, vectorized
from simulation.analysis import compare
from simulation.running import runner


@pytest.mark.parametrize("module", [model, vectorized, runner, compare],
                         ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
