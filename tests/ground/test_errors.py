"""Input errors: every problem kept, wherever the error goes."""

from __future__ import annotations


def test_an_input_error_keeps_its_problems_when_pickled_to_another_process() -> None:
    import pickle

    from copro_costing.errors import InputError, Problem

    error = InputError([Problem("a.toml", 3, "services entry 1: quantity", "must be greater than 0")])
    again = pickle.loads(pickle.dumps(error))
    assert again.problems == error.problems and str(again) == str(error)
