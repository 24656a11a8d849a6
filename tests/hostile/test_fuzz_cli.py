"""Generated broken costing files through the command line: always exit 2, a message with a
file and line, and nothing written (no output file, no temporary)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copro_costing import cli

BASE: dict[str, list[list[tuple[str, str]]]] = {
    "project": [[("title", '"Fuzz"'), ("client", '"internal"'), ("funder", '"ukri"'), ("start", "2026-04-01"),
                 ("months", "24"), ("priced_on", "2026-04-01")]],
    "services": [[("service", '"training-workshop"'), ("quantity", "2"), ("year", "1")]],
    "involvement": [[("activity", '"Panel"'), ("people", "6"), ("sessions", "4"), ("hours", "2"),
                     ("prep_hours", "1"), ("years", "[1, 2]")]],
    "expenses": [[("item", '"Room"'), ("cost", "150.00"), ("year", "2")]],
}
REQUIRED = {"project": ["title", "client", "funder", "start", "months"], "services": ["service", "quantity"],
            "involvement": ["activity", "people", "sessions", "hours"], "expenses": ["item"]}
NUMBERS = {"months", "quantity", "people", "sessions", "hours", "cost"}
TEXTS = {"title", "activity", "item"}
EXTREME = ["inf", "-inf", "nan", "+nan", "1e400", "1e9", "-5", "0", "1.001", "99999999999999999999", "1e-400"]
ODD_TEXT = ['"a\\uFFFEb"', '"\\uFFFF"', '"x\\u0001y"', '"\\uFDD0"', "5", "[1, 2]", "{ a = 1 }", "2026-01-01", '""']
EXTREMES = {**dict.fromkeys(NUMBERS, EXTREME), "cost": [v for v in EXTREME if v != "0"]}  # an expense may cost nothing
WRONG = {"months": ['"two"', "[24]"], "start": ['"yesterday"', "2026-13-01" ], "client": ['"partner"', "1"],
         "funder": ['"UKRI"', "[1]"], "year": ['"first"', "0", "1.0"], "people": ['"six"', "6.0"],
         "quantity": ['"two"', "true"], "hours": ['"two"', "{ h = 2 }"]}


@st.composite
def broken_files(draw) -> str:
    sections = {name: [list(entry) for entry in entries] for name, entries in BASE.items()}
    mutations = draw(st.lists(st.sampled_from(["drop", "misspell", "mistype", "extreme", "odd"]), min_size=1, max_size=4))
    for kind in mutations:
        section = draw(st.sampled_from(list(sections)))
        entry = sections[section][0]
        keys = [k for k, _ in entry]
        if kind == "drop":
            choices = [k for k in REQUIRED[section] if k in keys]
            if not choices:
                continue
            key = draw(st.sampled_from(choices))
            entry[:] = [(k, v) for k, v in entry if k != key]
        elif kind == "misspell":
            key = draw(st.sampled_from(keys))
            wrong = draw(st.sampled_from([key + "s", key[:-1], key.upper(), key.replace("_", "-") + "x", "z" + key]))
            entry[:] = [(wrong if k == key else k, v) for k, v in entry]
        else:
            pool = {"mistype": WRONG, "extreme": EXTREMES, "odd": dict.fromkeys(TEXTS, ODD_TEXT)}[kind]
            choices = [k for k in keys if k in pool]
            if not choices:
                continue
            key = draw(st.sampled_from(choices))
            value = draw(st.sampled_from(pool[key]))
            entry[:] = [(k, value if k == key else v) for k, v in entry]
    if all(entry == list(BASE[name][0]) for name, entries in sections.items() for entry in entries):
        sections["involvement"][0].append(("peeple", "3"))  # every mutation was a no-op: misspell one
    out = []
    for name, entries in sections.items():
        for entry in entries:
            out.append(f"[{name}]" if name == "project" else f"[[{name}]]")
            out += [f"{k} = {v}" for k, v in entry]
            out.append("")
    return "\n".join(out)


LOCATED = re.compile(r"^.*spec\.toml:\d+: .+", re.M)



@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=broken_files(), fmt=st.sampled_from(["xlsx", "json", "csv", "md", "txt"]))
def test_a_broken_costing_file_exits_2_with_a_located_message_and_writes_nothing(capsys, text, fmt):
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "spec.toml"
        spec.write_text(text, encoding="utf-8")
        out = Path(folder) / f"out.{fmt}"
        code = cli.main(["quote", str(spec), "-o", str(out)])
        _, err = capsys.readouterr()
        assert code == 2, f"{text}\n{err}"
        assert "Traceback" not in err and "unexpected error" not in err
        assert LOCATED.search(err), f"{text}\n{err}"
        printed = LOCATED.findall(err)  # every problem once, in the order of the file's lines
        assert len(printed) == len(set(printed)), f"{text}\n{err}"
        numbers = [int(re.search(r"spec\.toml:(\d+): ", line)[1]) for line in printed]
        assert numbers == sorted(numbers), f"{text}\n{err}"
        assert sorted(p.name for p in Path(folder).iterdir()) == ["spec.toml"]
