"""Creating a file that must not replace another: the saved-costings store relies on it."""

from __future__ import annotations

import pytest

from copro_costing.atomic import create_atomic


def test_create_atomic_writes_a_new_file(tmp_path):
    path = create_atomic(tmp_path / "a.toml", b"first\n")
    assert path.read_bytes() == b"first\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.toml"]  # no temporary left


def test_create_atomic_never_replaces_a_file(tmp_path):
    path = tmp_path / "a.toml"
    path.write_bytes(b"someone else's work\n")
    with pytest.raises(FileExistsError):
        create_atomic(path, b"mine\n")
    assert path.read_bytes() == b"someone else's work\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.toml"]


def test_create_atomic_needs_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        create_atomic(tmp_path / "missing" / "a.toml", b"x")
