"""Writing rows back to the rates files: in place, so what staff wrote between rows survives."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from copro_costing import load_rates
from copro_costing.ratebook.models import Role
from copro_costing.ratebook.writeback import update_file, verify_round_trip

COMMENT = "# Manager: finance approved this rate in July 2025 (ticket FIN-123)"


def _roles_with_comment(rates_dir: Path) -> str:
    text = (rates_dir / "roles.toml").read_text(encoding="utf-8")
    return text.replace('[[roles]]\nid = "co-production-manager"', f'{COMMENT}\n[[roles]]\nid = "co-production-manager"')


def test_unchanged_rows_keep_their_text_and_comments(rates_dir: Path):
    text = _roles_with_comment(rates_dir)
    rows = load_rates(rates_dir).rows("roles")
    assert update_file("roles.toml", text, {"roles": rows}) == text


def test_a_new_row_is_added_and_every_comment_survives(rates_dir: Path):
    text = _roles_with_comment(rates_dir)
    rows = list(load_rates(rates_dir).rows("roles"))
    new = Role(id="director", name="Director", effective=date(2027, 8, 1), internal_day_rate=Decimal("540.00"),
               external_day_rate=Decimal("810.00"), source="illustrative: placeholder")
    out = update_file("roles.toml", text, {"roles": [*rows, new]})
    assert COMMENT in out and out.startswith(text.rstrip("\n"))
    assert 'effective = 2027-08-01\ninternal_day_rate = 540.00' in out
    verify_round_trip("roles.toml", out, {"roles": [*rows, new]})


def test_a_changed_field_is_rewritten_and_a_removed_row_goes(rates_dir: Path):
    text = _roles_with_comment(rates_dir)
    rows = list(load_rates(rates_dir).rows("roles"))
    manager = next(r for r in rows if r.key == "co-production-manager")
    changed = manager.model_copy(update={"external_day_rate": Decimal("575.50")})
    kept = [changed if r is manager else r for r in rows if r.key != "co-production-officer"]
    out = update_file("roles.toml", text, {"roles": kept})
    assert "external_day_rate = 575.50" in out and "external_day_rate = 570.00" not in out
    assert 'id = "co-production-officer"' not in out
    assert COMMENT in out
    verify_round_trip("roles.toml", out, {"roles": kept})
