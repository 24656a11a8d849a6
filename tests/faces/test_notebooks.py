"""Every notebook in notebooks/ runs top to bottom without an error, in a scratch folder.

The notebooks are researchers' stories; running them here keeps them true to the API.
They are stored with outputs stripped, which this file also checks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook tests need the test extra (nbformat)")
nbclient = pytest.importorskip("nbclient", reason="the notebook tests need the test extra (nbclient)")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def test_there_are_at_least_three_notebooks():
    names = [p.name for p in NOTEBOOKS]
    assert {"01-quickstart.ipynb", "02-choosing-a-funder.ipynb", "03-internal-or-external.ipynb"} <= set(names)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: cell {cell.get('id')} has stored outputs"
            assert cell.execution_count is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_without_errors(path, tmp_path, monkeypatch):
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's own inline backend, as in Jupyter
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    # nothing was written into the repository by the notebook
    assert not any(p.suffix in {".xlsx", ".toml"} for p in path.parent.iterdir())
    source = path.read_text(encoding="utf-8")
    if "to_excel(" in source:
        assert list(tmp_path.rglob("*.xlsx")), "the workbook should be in the scratch folder"
    if ".plot(" in source:  # a notebook that draws shows its figure, as an image in its outputs
        assert any("image/png" in o.get("data", {}) for o in outputs), f"{path.name}: no figure shown"
    printed = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    for written in sorted(tmp_path.rglob("*.xlsx")) + sorted(tmp_path.rglob("*.toml")):
        assert str(written) in printed, f"{path.name}: say where {written.name} was written"
