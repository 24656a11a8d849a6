"""The first hour: every problem in one run, a file to start from, and the rates you edited."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from itertools import takewhile

import pytest

from copro_costing.ratebook.location import CONFIG_ENV_VAR, ENV_VAR
from snippets import INVOLVEMENT


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.delenv("COPRO_COSTING_DEBUG", raising=False)
    monkeypatch.setenv(CONFIG_ENV_VAR, "")  # no config file unless a test writes one
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))



# --- every problem at once ----------------------------------------------------------------------


def test_several_problems_in_one_costing_file_all_reach_standard_error(run, tmp_path, spec_toml, find_line):
    text = spec_toml(
        '[[services]]\nservice = "training-wrkshop"\nquantity = 1\nyear = 1\n'   # unknown id (rate tables)
        '[[services]]\nservice = "training-workshop"\nquantity = 0\nyear = 1\n'  # a field's value
        + INVOLVEMENT.replace("hours = 2", "hours = 2\nrate = 1.00")              # below the floor (rate tables)
        + '[[expenses]]\nitem = "Room"\ncots = 10.00\nyear = 9\n',               # misspelt field, a year too far
        funder="ukrii",                                                           # unknown funder
    )
    spec = tmp_path / "spec.toml"
    spec.write_text(text)
    code, _, err = run("quote", spec)
    assert code == 2
    expected = [
        (find_line(text, "funder ="), "project.funder: unknown funder 'ukrii'", "did you mean 'ukri'?"),
        (find_line(text, '"training-wrkshop"'), "services entry 1: service: unknown service",
         "did you mean 'training-workshop'?"),
        (find_line(text, "quantity = 0"), "services entry 2: quantity: must be greater than zero", ""),
        (find_line(text, "rate = 1.00"), "involvement entry 1: rate: co-producers are always paid", ""),
        (find_line(text, "[[expenses]]"), "expenses entry 1: cost: give a cost, or a default", ""),  # as written
        (find_line(text, "cots ="), "expenses entry 1: cots: unknown field; did you mean 'cost'?", ""),
        (find_line(text, "year = 9"), "expenses entry 1: year: year 9 is outside the project", ""),
    ]
    for line, what, hint in expected:
        assert f"{spec}:{line}: {what}" in err, (what, err)
        assert hint in err
    assert "copro-costing: 7 problems; nothing was written" in err


# --- copro-costing new ---------------------------------------------------------------------------


@pytest.mark.parametrize("client", ["internal", "external"])
@pytest.mark.parametrize("funder", ["ukri", "nihr", "wellcome", "amrc-charity", "horizon-europe", "other"])
def test_new_writes_a_commented_file_that_prices_as_it_stands(run, tmp_path, client, funder):
    path = tmp_path / "bid.toml"
    code, out, err = run("new", path, "--client", client, "--funder", funder, "--today", "2026-04-01")
    assert code == 0, err
    text = path.read_text()
    assert text.count("#") > 20, "commented"
    assert f'client = "{client}"' in text and f'funder = "{funder}"' in text
    assert f"Wrote {path}" in out
    code, out, err = run("quote", path, "--format", "json")
    assert code == 0, err


@pytest.mark.parametrize("client", ["internal", "external"])
def test_new_shows_a_commented_status_table_that_is_valid_once_uncommented(run, tmp_path, client):
    from copro_costing import load_spec
    from copro_costing.pricing.status import STAGES

    path = tmp_path / "bid.toml"
    assert run("new", path, "--client", client, "--today", "2026-04-01")[0] == 0
    text = path.read_text()
    assert load_spec(path).status is None  # as written: no [status], a draft
    lines = text.splitlines()
    first = lines.index(next(line for line in lines if line.startswith("# [status]")))
    table = list(takewhile(lambda line: line.startswith("# "), lines[first:]))
    fields = [line[2:].split(" =")[0] for line in table[1:]]
    inside = ["department", "faculty"] if client == "internal" else []  # (an external client has none)
    assert fields == ["stage", "submitted", "decided", *inside, "contact"]
    assert all(stage in table[1] for stage in STAGES), "the stages are listed"
    assert all("#" in line[2:] for line in table), "each field explained"
    uncommented = lines[:first] + [line.removeprefix("# ") for line in table] + lines[first + len(table):]
    path.write_text("\n".join(uncommented) + "\n")
    status = load_spec(path).status
    assert status is not None and status.stage == "awarded" and status.decided >= status.submitted
    code, _, err = run("quote", path, "--format", "json")
    assert code == 0, err
    code, _, err = run("portfolio", path, "--format", "json")  # the portfolio takes it as it is meant
    assert code == 0 and "name a department" not in err, err


def test_new_never_replaces_a_file_unless_told(run, tmp_path):
    path = tmp_path / "bid.toml"
    path.write_text("mine")
    code, _, err = run("new", path)
    assert code == 2 and "already exists" in err and path.read_text() == "mine"
    assert run("new", path, "--force")[0] == 0


def test_new_with_an_unknown_funder_suggests_the_known_ones(run, tmp_path):
    code, _, err = run("new", tmp_path / "bid.toml", "--funder", "nihrr")
    assert code == 2 and "did you mean 'nihr'?" in err
    assert not (tmp_path / "bid.toml").exists()


# --- the rates you edited are the rates used ------------------------------------------------------


@pytest.mark.parametrize("command", [
    ["services"], ["rates", "show"], ["rates", "check"], ["offer"], ["guide", "--funder", "ukri"],
])
def test_every_command_says_which_rates_folder_it_used(run, command, rates_dir):
    code, _, err = run(*command)
    assert code == 0, err
    assert f"copro-costing: using rates from {rates_dir}" in err


def test_quote_says_which_rates_folder_it_used(run, examples_dir, rates_copy):
    code, _, err = run("quote", examples_dir / "hearing-checks.toml", "--rates", rates_copy)
    assert code == 0
    assert f"using rates from {rates_copy} (given on the command line)" in err


def test_the_environment_variable_points_every_command_at_one_folder(run, monkeypatch, rates_copy, append):
    monkeypatch.setenv(ENV_VAR, str(rates_copy))
    append(rates_copy, "coproducer.toml", '[[coproducer_rate]]\neffective = 2026-03-01\nhourly_rate = 31.00\nsource = "test"\n')
    _code, out, err = run("rates", "show", "--on", "2026-04-01")
    assert f"set by {ENV_VAR}" in err and "31.00" in out


def test_a_config_file_points_every_command_at_one_approved_folder(run, monkeypatch, tmp_path, rates_copy, append):
    config = tmp_path / "config.toml"
    config.write_text(f'rates = "{rates_copy.name}"   # relative to this file\n')
    monkeypatch.setenv(CONFIG_ENV_VAR, str(config))
    append(rates_copy, "coproducer.toml", '[[coproducer_rate]]\neffective = 2026-03-01\nhourly_rate = 0.00\nsource = "test"\n')
    code, _, err = run("rates", "check", "--today", "2026-04-01")  # no folder: the one quote would use
    assert code == 2
    assert f"using rates from {rates_copy} (set in {config})" in err
    assert "hourly_rate: must be greater than zero" in err


def test_a_broken_config_file_is_a_located_problem(run, monkeypatch, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('rats = "/somewhere"\n')
    monkeypatch.setenv(CONFIG_ENV_VAR, str(config))
    code, _, err = run("services")
    assert code == 2 and f"{config}:1: rats: unknown setting" in err


def test_a_rates_folder_here_that_is_not_used_is_named(run, monkeypatch, tmp_path, rates_copy):
    monkeypatch.chdir(rates_copy.parent)  # rates_copy is ./rates here
    monkeypatch.setenv(CONFIG_ENV_VAR, str(tmp_path / "none.toml"))
    monkeypatch.delenv(CONFIG_ENV_VAR)
    code, _, err = run("services")
    assert code == 0
    assert "the folder rates/ here is not used: add --rates rates" in err.replace(os.sep, "/")


# --- one set of rules for rates check and quote -----------------------------------------------------


@pytest.mark.parametrize(("file", "row", "message"), [
    ("coproducer.toml", '[[coproducer_rate]]\neffective = 2026-03-01\nhourly_rate = 0.00\nsource = "test"\n',
     "hourly_rate: must be greater than zero"),
    ("tax.toml", '[[vat]]\neffective = 2200-01-01\npercent = 20\nsource = "test"\n',
     "must be a date between 1990-01-01 and 2100-12-31"),
])
def test_rates_refused_by_rates_check_are_refused_by_quote(run, examples_dir, rates_copy, append, file, row, message):
    append(rates_copy, file, row)
    code, _, err = run("rates", "check", rates_copy)
    assert code == 2 and message in err
    code, _, err = run("quote", examples_dir / "hearing-checks.toml", "--rates", rates_copy)
    assert code == 2 and message in err


def test_services_warns_about_illustrative_prices(run):
    code, _, err = run("services", "--on", "2026-04-01")
    assert code == 0
    assert "warning: contains illustrative rates" in err


# --- reproducible across processes -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "json", "csv", "md"])
def test_two_separate_runs_give_identical_files(tmp_path, examples_dir, fmt):
    digests = []
    for n, (seed, tz) in enumerate([("1", "UTC"), ("4242", "Pacific/Kiritimati")]):
        folder = tmp_path / f"run{n}"
        folder.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed, "TZ": tz}
        env.pop(ENV_VAR, None)
        subprocess.run(
            [sys.executable, "-m", "copro_costing", "quote", str(examples_dir / "hearing-checks.toml"), "-o", f"c.{fmt}"],
            cwd=folder, env=env, check=True, capture_output=True,
        )
        digests.append(hashlib.sha256((folder / f"c.{fmt}").read_bytes()).hexdigest())
    assert digests[0] == digests[1]
