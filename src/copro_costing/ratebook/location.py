"""Which rates folder is used, and why: the one place that decides it.

In order: a folder given on the command line (``--rates DIR``); the environment
variable ``COPRO_COSTING_RATES``; the ``rates`` setting of the config file; the tables
bundled with the package. The config file is ``$COPRO_COSTING_CONFIG`` if set, else
``copro-costing/config.toml`` in the user's config folder (``$XDG_CONFIG_HOME`` or
``~/.config`` on Linux and macOS, ``%APPDATA%`` on Windows). A unit points everyone at
its one approved folder by setting either. Every command says which folder it used.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, Problem
from ..tomlfile import read_toml

ENV_VAR = "COPRO_COSTING_RATES"
CONFIG_ENV_VAR = "COPRO_COSTING_CONFIG"


@dataclass(frozen=True)
class RatesChoice:
    """A rates folder and the reason it was chosen (for the note every command prints)."""

    folder: Path
    why: str

    def note(self) -> str:
        """``using rates from DIR (why)``, with a hint when a ``rates/`` folder here is not the one used."""
        text = f"using rates from {self.folder} ({self.why})"
        here = Path("rates")
        if (here / "services.toml").is_file() and _differs(here, self.folder):
            text += f"; the folder {here}{os.sep} here is not used: add --rates rates or set {ENV_VAR}"
        return text


def _differs(a: Path, b: Path) -> bool:
    try:
        return a.resolve() != b.resolve()
    except OSError:
        return True


def bundled_rates_dir() -> Path:
    """The rate tables shipped with the package (or the checkout's ``rates/``)."""
    package = Path(__file__).resolve().parent.parent  # copro_costing/
    for candidate in (package / "rates", package.parent.parent / "rates"):
        if (candidate / "services.toml").is_file():
            return candidate
    raise InputError.one(str(package / "rates"), "the bundled rate tables are missing from this install")


def config_file() -> Path:
    """Where the config file is looked for (it need not exist)."""
    if env := os.environ.get(CONFIG_ENV_VAR):
        return Path(env)
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        base = Path(os.environ["APPDATA"])
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "copro-costing" / "config.toml"


def _configured() -> Path | None:
    path = config_file()
    if not path.is_file():
        if os.environ.get(CONFIG_ENV_VAR):
            raise InputError.one(str(path), f"config file not found (named by {CONFIG_ENV_VAR})")
        return None
    data, lines = read_toml(path, str(path))
    unknown = [key for key in data if key != "rates"]
    problems = [Problem(str(path), lines.line((key,)), key, "unknown setting (settings: rates)") for key in unknown]
    rates = data.get("rates")
    if rates is not None and (not isinstance(rates, str) or not rates.strip()):
        problems.append(Problem(str(path), lines.line(("rates",)), "rates",
                                f"expected the path of a rates folder in quotes (got {rates!r})"))
    if problems:
        raise InputError(problems)
    if rates is None:
        return None
    folder = Path(rates).expanduser()
    return folder if folder.is_absolute() else path.parent / folder


def choose_rates(folder: Path | str | None = None) -> RatesChoice:
    """The rates folder to use, and why (see the module notes for the order)."""
    if folder is not None:
        return RatesChoice(Path(folder), "given on the command line")
    if env := os.environ.get(ENV_VAR):
        return RatesChoice(Path(env), f"set by {ENV_VAR}")
    if configured := _configured():
        return RatesChoice(configured, f"set in {config_file()}")
    return RatesChoice(bundled_rates_dir(), "the tables bundled with the package")
