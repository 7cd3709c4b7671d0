"""`flask psu export|erase` name the PSU as a customer's request does: by the username they
sign in with, or by the internal id the records hold."""

from __future__ import annotations

import json

from auth.psu import create_psu


def _psu(app, username: str):
    with app.extensions["session_factory"]() as db, db.begin():
        return create_psu(db, username, "a long enough password", f"{username.title()} Doe")


def _cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["psu", *args])


def test_export_by_username_is_the_export_by_id(app):
    dana = _psu(app, "dana")
    by_name, by_id = _cli(app, "export", "dana"), _cli(app, "export", dana.id)
    assert by_name.exit_code == 0 and by_id.exit_code == 0, by_name.output + by_id.output
    assert json.loads(by_name.output)["psu_id"] == json.loads(by_id.output)["psu_id"] == dana.id


def test_erase_by_username_then_by_id_reports_it_done(app):
    erin = _psu(app, "erin")
    first = _cli(app, "erase", "erin", "--yes")
    assert first.exit_code == 0 and "\nerased: " in "\n" + first.output, first.output
    again = _cli(app, "erase", erin.id, "--yes")
    assert again.exit_code == 0 and "\nalready erased" in "\n" + again.output, again.output


def test_unknown_psu_is_one_line_naming_what_was_looked_for(app):
    result = _cli(app, "export", "nobody")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == "error: no PSU with id or username nobody."
