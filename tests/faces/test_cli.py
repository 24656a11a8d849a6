"""The ``copro-costing`` command: exit codes, messages, the JSON output and where it reads rates.

Most tests call :func:`copro_costing.cli.main` in-process; a few run the real
``python -m copro_costing`` to check the installed command end to end.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from decimal import Decimal

import pytest

from copro_costing import cli
from copro_costing.ratebook.folder import ENV_VAR
from snippets import INVOLVEMENT

MONEY = r"^-?\d+\.\d{2}$"





@pytest.fixture
def quote_json(run):
    """Run ``quote --format json`` and return the parsed output (the run must succeed)."""

    def call(*args: object) -> dict:
        code, out, err = run("quote", *args, "--format", "json")
        assert code == 0, err
        return json.loads(out)

    return call


# --- the JSON output --------------------------------------------------------------------------------


def test_the_json_has_the_shape_the_issue_promises(quote_json, examples_dir):
    data = quote_json(examples_dir / "advisory-group.toml")
    assert data["currency"] == "GBP"
    assert data["rates"]["priced_on"] == "2026-04-01"
    assert len(data["rates"]["sha256"]) == 64
    assert data["lines"], "the example has lines"
    for line in data["lines"]:
        assert {"kind", "description", "year", "quantity", "unit", "unit_price", "amount", "charge", "heading",
                "category", "cost", "surplus", "vat_treatment"} <= set(line)
        assert line["vat_treatment"] == "none", "an internal client pays no VAT"
        assert line["category"] in ("directly-incurred", "directly-allocated", "indirect", "exception")
        assert line["kind"] in ("service", "involvement", "expense")
        assert line["charge"] in ("charged", "free", "requested", "waived")
        assert isinstance(line["year"], int)
        assert isinstance(line["quantity"], str)
    assert set(data["totals"]) == {"value", "waived", "vat", "price", "by_year", "by_heading", "funder_contribution",
                                   "cost", "surplus", "requested", "indirect", "vat_by_treatment"}
    project = data["project"]
    assert (project["applicant"], project["currency"], project["unit_time"]) == ("university", "GBP", "charge-out")
    assert project["vat_position"] == "internal"
    assert "exchange_rate" not in data["rates"], "only a costing not in GBP names an exchange rate"
    assert list(data["totals"]["by_year"]) == ["1", "2", "3"]


def test_the_must_hold_figures_through_the_command(quote_json, examples_dir):
    totals = quote_json(examples_dir / "advisory-group.toml")["totals"]
    # 8 people x 4 sessions x 3 h x £30 = £2,880 + 32 person-sessions x £15 = £480, for 3 years.
    assert totals["value"] == totals["price"] == "10080.00"
    assert totals["by_year"] == {"1": "3360.00", "2": "3360.00", "3": "3360.00"}
    assert totals["vat"] == "0.00"
    assert totals["funder_contribution"] == "8064.00"  # UKRI pays 80%


def test_the_external_client_figures_through_the_command(quote_json, write_spec, spec_toml):
    totals = quote_json(write_spec(spec_toml(INVOLVEMENT, client="external")))["totals"]
    assert (totals["vat"], totals["price"]) == ("2016.00", "12096.00")  # 20% of £10,080 on top


@pytest.mark.parametrize("example", ["advisory-group.toml", "hearing-checks.toml", "patient-data-principles.toml"])
def test_every_money_string_has_exactly_two_decimals(quote_json, examples_dir, example):
    data = quote_json(examples_dir / example)
    money = [data["totals"][k] for k in ("value", "waived", "vat", "price", "funder_contribution", "cost", "surplus",
                                         "requested", "indirect")]
    money += list(data["totals"]["by_year"].values()) + list(data["totals"]["by_heading"].values())
    for line in data["lines"]:
        money += [line["unit_price"], line["amount"], line["cost"], line["surplus"]]
    for value in money:
        assert isinstance(value, str)
        assert re.match(MONEY, value), value
    assert sum(Decimal(v) for v in data["totals"]["by_year"].values()) == Decimal(data["totals"]["price"])


def test_the_free_consultation_through_the_command(quote_json, write_spec, spec_toml):
    data = quote_json(write_spec(spec_toml('[[services]]\nservice = "initial-consultation"\nquantity = 1\nyear = 1\n')))
    (line,) = data["lines"]
    assert line["charge"] == "free"
    assert data["totals"]["waived"] == line["amount"] == "190.00"  # half a manager's day at £380
    assert data["totals"]["price"] == "0.00"


# --- bad input: exit 2, a located message, no traceback ------------------------------------------------


def test_a_case_by_case_service_without_a_decision_exits_2_naming_the_decision(run, write_spec, spec_toml, find_line):
    text = spec_toml('[[services]]\nservice = "advisory-group-meeting"\nquantity = 4\nyears = [1, 2, 3]\n')
    path = write_spec(text)
    code, out, err = run("quote", path, "--format", "json")
    assert code == 2
    assert out == ""
    where = f"{path}:{find_line(text, '[[services]]')}: services entry 1: decision"  # to add, on the entry's line
    assert f"{where}: 'advisory-group-meeting' is decided case by case" in err
    assert "Traceback" not in err


def test_the_same_service_with_a_decision_exits_0(run, write_spec, spec_toml):
    path = write_spec(spec_toml('[[services]]\nservice = "advisory-group-meeting"\nquantity = 4\nyears = [1, 2, 3]\n'
                                'decision = "waive"\nreason = "Agreed by the director"\n'))
    assert run("quote", path, "--format", "json")[0] == 0


def test_a_coproducer_rate_below_the_floor_exits_2_naming_the_entry(run, write_spec, spec_toml, find_line):
    text = spec_toml(INVOLVEMENT + "rate = 20.00\n")
    path = write_spec(text)
    code, out, err = run("quote", path, "--format", "json")
    assert code == 2
    assert f"{path}:{find_line(text, 'rate = 20.00')}: involvement entry 1: rate:" in err
    assert "'Advisory group meetings'" in err
    assert "Traceback" not in err
    assert out == ""


@pytest.mark.parametrize(("rate", "fees"), [("30.00", "2880.00"), ("35.00", "3360.00")])
def test_a_coproducer_rate_at_or_above_the_floor_exits_0(quote_json, write_spec, spec_toml, rate, fees):
    data = quote_json(write_spec(spec_toml(INVOLVEMENT + f"rate = {rate}\n")))
    assert data["lines"][0]["amount"] == fees  # 96 h x the rate


@pytest.mark.parametrize(
    "body",
    [
        '[[services]]\nservice = "mentoring"\nquantity = 1\nyear = 1\n',  # unknown service
        '[[services]]\nservice = "training-workshop"\nquantity = 0\nyear = 1\n',  # zero quantity
        '[[services]]\nservice = "training-workshop"\nquantity = 1\nyear = 4\n',  # year outside the project
        '[[expenses]]\nitem = "Room"\ncost = 250.005\nyear = 1\n',  # three decimal places
        '[[expenses]]\nitem = "Room"\ncots = 250.00\nyear = 1\n',  # misspelt field
        "[[expenses]\n",  # TOML syntax error
    ],
)
def test_bad_input_exits_2_with_a_located_message_and_no_traceback(run, write_spec, spec_toml, body):
    path = write_spec(spec_toml(body))
    code, out, err = run("quote", path, "--format", "json")
    assert code == 2
    assert out == ""
    assert next(line for line in err.splitlines() if not line.startswith("copro-costing:")).startswith(f"{path}:")
    assert "Traceback" not in err
    assert "nothing was written" in err


def test_a_missing_costing_file_exits_2(run, tmp_path):
    code, _, err = run("quote", tmp_path / "missing.toml")
    assert code == 2
    assert f"{tmp_path / 'missing.toml'}: file not found" in err


def test_a_fault_in_the_program_exits_1_without_a_traceback(run, examples_dir, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("copro_costing.pricing.engine.estimate", broken)
    code, _, err = run("quote", examples_dir / "advisory-group.toml", "--format", "json")
    assert code == 1
    assert "unexpected error: RuntimeError: boom" in err
    assert "Traceback" not in err


def test_a_command_line_mistake_exits_2(run, examples_dir):
    with pytest.raises(SystemExit) as caught:
        run("quote", examples_dir / "advisory-group.toml", "--priced-on", "2026-13-01")
    assert caught.value.code == 2


# --- pricing date -----------------------------------------------------------------------------------------


def test_priced_on_sets_the_date_whose_rates_apply(quote_json, examples_dir):
    data = quote_json(examples_dir / "advisory-group.toml", "--priced-on", "2026-06-01")
    assert data["rates"]["priced_on"] == "2026-06-01"
    assert data["totals"]["price"] == "10080.00"  # no rate changed between the two dates


def test_priced_on_before_the_coproducer_rate_existed_exits_2(run, examples_dir):
    # £30/h takes effect on 2024-09-25: the day before, there is no rate to pay co-producers at.
    code, _, err = run("quote", examples_dir / "advisory-group.toml", "--priced-on", "2024-09-24")
    assert code == 2
    assert "co-producer rate 'standard' is not in force on 2024-09-24: its first row is in force from 2024-09-25" in err
    assert run("quote", examples_dir / "advisory-group.toml", "--priced-on", "2024-09-25", "-f", "json")[0] == 0


# --- which rates ------------------------------------------------------------------------------------------

# A copy of the rates where co-producers are paid £32.00 an hour from 2026-01-01:
# 96 h x £32 = £3,072 + £480 expenses = £3,552 a year, £10,656 over three years.
RAISE = """
[[coproducer_rate]]
effective = 2026-01-01
hourly_rate = 32.00
source = "illustrative: a test rise"
"""


@pytest.fixture
def raised_rates(rates_copy, append):
    append(rates_copy, "coproducer.toml", RAISE)
    return rates_copy


def test_rates_option_selects_another_folder(quote_json, examples_dir, raised_rates):
    assert quote_json(examples_dir / "advisory-group.toml")["totals"]["value"] == "10080.00"
    data = quote_json(examples_dir / "advisory-group.toml", "--rates", raised_rates)
    assert data["totals"]["value"] == "10656.00"


def test_the_environment_variable_selects_another_folder(quote_json, examples_dir, raised_rates, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(raised_rates))
    assert quote_json(examples_dir / "advisory-group.toml")["totals"]["value"] == "10656.00"


def test_a_broken_rates_folder_exits_2_listing_its_problems(run, examples_dir, rates_copy):
    (rates_copy / "tax.toml").unlink()
    code, out, err = run("quote", examples_dir / "advisory-group.toml", "--rates", rates_copy)
    assert code == 2
    assert out == ""
    assert f"{rates_copy / 'tax.toml'}: required rates file is missing" in err
    assert "Traceback" not in err


# --- services ------------------------------------------------------------------------------------------------


def test_services_lists_the_whole_catalogue(run):
    code, out, _ = run("services", "--on", "2026-04-01")
    assert code == 0
    for service in ("initial-consultation", "training-workshop", "facilitation-day", "co-evaluation-day",
                    "learning-partner-day", "advisory-group-meeting", "co-production-partner-day"):
        assert service in out
    # A workshop: £830 of staff time internally (£1,245 externally) + 10 co-producer hours at £30.
    (workshop,) = [row for row in out.splitlines() if row.startswith("training-workshop")]
    assert "£1,130.00" in workshop and "£1,545.00" in workshop


# --- output files -----------------------------------------------------------------------------------------------


def test_output_is_written_to_a_file(run, spec_toml, tmp_path, confirmed_rates):
    spec = tmp_path / "nihr.toml"  # NIHR's rules confirmed and the published co-producer rate: nothing illustrative
    spec.write_text(spec_toml(INVOLVEMENT, funder="nihr"), encoding="utf-8")
    target = tmp_path / "costing.json"
    code, out, _ = run("quote", spec, "-o", target, "--rates", confirmed_rates)  # format from the extension
    assert code == 0
    assert out == f"Wrote {target}: 6 lines, price £10,080.00; no illustrative rates\n"
    assert json.loads(target.read_text(encoding="utf-8"))["totals"]["price"] == "10080.00"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["costing.json", "nihr.toml"]  # no temporary file left


def test_a_failing_run_leaves_an_existing_output_file_untouched(run, write_spec, spec_toml, tmp_path):
    target = tmp_path / "costing.json"
    target.write_text("last week's costing\n", encoding="utf-8")
    bad = write_spec(spec_toml(INVOLVEMENT + "rate = 20.00\n"))
    code, _, _ = run("quote", bad, "-o", target)
    assert code == 2
    assert target.read_text(encoding="utf-8") == "last week's costing\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["costing.json", "spec.toml"]


def test_an_output_file_in_a_missing_folder_exits_2(run, examples_dir, tmp_path):
    code, _, err = run("quote", examples_dir / "advisory-group.toml", "-o", tmp_path / "no" / "costing.json")
    assert code == 2
    assert "output folder does not exist" in err


# --- the real command ------------------------------------------------------------------------------------------------


def command(*args: object, cwd) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in (ENV_VAR, "COPRO_COSTING_DEBUG")}
    return subprocess.run(
        [sys.executable, "-m", "copro_costing", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=120, check=False,
    )


def test_python_dash_m_prices_the_example(examples_dir, tmp_path):
    done = command("quote", examples_dir / "advisory-group.toml", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["totals"]["funder_contribution"] == "8064.00"


def test_python_dash_m_reports_bad_input_with_exit_2(write_spec, spec_toml, tmp_path):
    path = write_spec(spec_toml(INVOLVEMENT + "rate = 20.00\n"))
    done = command("quote", path, "--format", "json", cwd=tmp_path)
    assert done.returncode == 2
    assert "involvement entry 1: rate" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


# --- funder rules: bad input in the costing file -----------------------------------------------------


def test_unknown_applicant_and_currency_are_reported_together_and_nothing_is_written(run, write_spec, spec_toml,
                                                                                     find_line, tmp_path):
    text = spec_toml(INVOLVEMENT, client="external", extra='applicant = "hospital"\ncurrency = "USD"')
    path = write_spec(text)
    target = tmp_path / "costing.json"
    code, out, err = run("quote", path, "-o", target)
    assert (code, out) == (2, "")
    problems = [line for line in err.splitlines() if not line.startswith("copro-costing:")]
    assert problems[0].startswith(f"{path}:{find_line(text, 'applicant =')}: project.applicant: ")
    assert problems[1].startswith(f"{path}:{find_line(text, 'currency =')}: project.currency: ")
    assert "only GBP and EUR are supported (got 'USD')" in problems[1]
    assert "Traceback" not in err and "nothing was written" in err
    assert not target.exists()


def test_an_unknown_tier_exits_2_with_its_line(run, write_spec, spec_toml, find_line):
    text = spec_toml(INVOLVEMENT + 'tier = "gold"\n')
    code, _, err = run("quote", write_spec(text), "--format", "json")
    assert code == 2
    assert f":{find_line(text, 'tier =')}: involvement entry 1: tier: " in err


def test_quote_to_a_file_says_in_one_line_what_it_wrote_the_price_and_the_rates(examples_dir, spec_toml, tmp_path,
                                                                                 capsys, confirmed_rates):
    from copro_costing import estimate, load_rates, load_spec
    from copro_costing.money import format_money

    sourced = tmp_path / "nihr.toml"
    sourced.write_text(spec_toml(INVOLVEMENT, funder="nihr"), encoding="utf-8")
    for path, illustrative in ((examples_dir / "hearing-checks.toml", True), (sourced, False)):
        rates = confirmed_rates if not illustrative else examples_dir.parent / "rates"
        costing = estimate(load_spec(path), load_rates(rates))
        assert costing.illustrative is illustrative
        out = tmp_path / f"{path.name}.xlsx"
        assert cli.main(["quote", str(path), "-o", str(out), "--rates", str(rates)]) == 0
        printed = capsys.readouterr().out.splitlines()
        assert len(printed) == 1 and printed[0].startswith(f"Wrote {out}: {len(costing.lines)} lines")
        assert f"price {format_money(costing.totals.price)}" in printed[0]
        assert printed[0].endswith("illustrative rates used: confirm with finance" if illustrative else "no illustrative rates")


def test_serve_listens_only_on_this_machine_unless_told(monkeypatch, tmp_path):
    pytest.importorskip("uvicorn")
    import uvicorn

    calls = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.update(options))
    store = tmp_path / "costings"
    assert cli.main(["serve", "--store", str(store)]) == 0
    assert calls["host"] == "127.0.0.1" and calls["port"] == 8000
    assert store.is_dir()
    assert cli.main(["serve", "--store", str(tmp_path / "no" / "such")]) == 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
def test_a_named_pipe_given_as_the_costing_file_is_refused_not_waited_on(run, tmp_path):
    fifo = tmp_path / "bid.toml"
    os.mkfifo(fifo)
    code, out, err = run("quote", fifo)
    assert code == 2 and out == ""
    assert f"{fifo}: expected a file, found a pipe or device" in err


def test_a_costing_file_saved_as_utf16_says_so(run, write_spec, spec_toml):
    path = write_spec("")
    path.write_bytes(spec_toml().encode("utf-16"))
    code, _, err = run("quote", path)
    assert code == 2 and f"{path}: saved as UTF-16 text: save it as UTF-8" in err


def test_an_output_whose_extension_names_another_format_is_refused(run, examples_dir, tmp_path):
    out = tmp_path / "costing.xlsx"
    code, _, err = run("quote", examples_dir / "hearing-checks.toml", "-o", out, "--format", "csv")
    assert code == 2 and not out.exists()
    assert "the extension .xlsx is for xlsx but --format is csv" in err


def test_a_date_that_is_written_right_but_is_no_day_says_so(run, examples_dir, capsys):
    with pytest.raises(SystemExit) as stopped:  # a command-line mistake: argparse's usage line, exit 2
        run("portfolio", examples_dir / "portfolio", "--from", "2026-02-30")
    assert stopped.value.code == 2
    assert "argument --from: not a day of the calendar (got '2026-02-30')" in capsys.readouterr().err


@pytest.mark.parametrize(("options", "said"), [
    (["--host", "garbage!!"], "--host: cannot listen on 'garbage!!'"),
    (["--root-path", "calc"], "--root-path: must start with / (got 'calc'), for example /costing"),
])
def test_serve_refuses_an_address_it_cannot_serve_before_it_starts(run, options, said):
    pytest.importorskip("uvicorn")
    code, out, err = run("serve", *options)
    assert code == 2 and said in err and "serving the calculator" not in out


def test_serve_on_a_port_in_use_says_so(run):
    pytest.importorskip("uvicorn")
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run("serve", "--port", port)
    assert code == 2 and f"--port: cannot listen on 127.0.0.1:{port}:" in err
