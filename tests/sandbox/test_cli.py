"""`flask sandbox list`: the sandbox banks and their PSUs."""

from __future__ import annotations

from flask import Flask

from sandbox import cli


def test_sandbox_list_names_the_banks_and_their_psus():
    app = Flask("cli")
    cli.init_app(app)
    listed = app.test_cli_runner().invoke(args=["sandbox", "list"])
    assert listed.exit_code == 0 and "rheinfeld" in listed.output
    assert "alice, bob, carol" in listed.output
