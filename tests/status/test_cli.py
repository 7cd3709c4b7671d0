"""`flask status …`: the operator schedules maintenance for a bank from the command line; the
page, feed, summary and a subscribed receiver all show it; `deliver` sends it."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from status import seed, subscriptions
from status.models import Notice
from tests.status.conftest import T0


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=["status", *args])


def test_schedule_start_update_complete(app, rt, session, client, receiver, clock):
    sub, _ = subscriptions.create(rt, session, client_id="c1", client_name="TPP",
                                  url=receiver.url, events=["notice.scheduled"])
    result = invoke(app, "schedule", "--title", "Alpha upgrade", "--bank", "alpha-bank",
                    "--start", "2026-11-22T01:00", "--end", "2026-11-22T03:00Z",
                    "--body", "Cached reads only.")
    assert result.exit_code == 0, result.output
    notice = json.loads(result.output)
    assert notice["status"] == "scheduled" and notice["starts_at"] == "2026-11-22T01:00:00Z"

    assert "Alpha upgrade" in client.get("/status").get_data(as_text=True)
    assert "Alpha upgrade" in client.get("/status/feed.atom").get_data(as_text=True)
    summary = client.get("/status/v1/summary").get_json()
    assert [n["id"] for n in summary["scheduled_maintenances"]] == [notice["id"]]
    result = invoke(app, "deliver", "--once")
    assert result.exit_code == 0 and "delivered=1" in result.output
    assert receiver.received[0].json["data"]["notice"]["id"] == notice["id"]

    listed = invoke(app, "list").output
    assert notice["id"] in listed and "alpha-bank" in listed
    assert invoke(app, "update", notice["id"], "--message", "On track.").exit_code == 0
    assert invoke(app, "start", notice["id"]).exit_code == 0
    done = invoke(app, "complete", notice["id"], "--message", "Finished.")
    assert json.loads(done.output)["status"] == "completed"
    assert notice["id"] not in invoke(app, "list").output
    assert notice["id"] in invoke(app, "list", "--all").output


def test_errors_are_problem_json_and_exit_1(app, clock):
    result = invoke(app, "schedule", "--title", "x", "--bank", "alpha-bank",
                    "--start", "2026-11-22T03:00Z", "--end", "2026-11-22T01:00Z")
    assert result.exit_code == 1
    assert '"type": "/problems/notice-window-invalid"' in result.output
    result = invoke(app, "schedule", "--title", "x", "--bank", "omega",
                    "--start", "2026-11-22T01:00Z", "--end", "2026-11-22T03:00Z")
    assert result.exit_code == 1 and "unknown-component" in result.output
    assert invoke(app, "cancel", "ntc_missing").exit_code == 1
    incident = invoke(app, "incident", "--title", "Errors", "--component", "auth")
    notice_id = json.loads(incident.output)["id"]
    result = invoke(app, "cancel", notice_id)
    assert result.exit_code == 1 and "notice-transition-invalid" in result.output


def test_demo_seeder_seeds_once(app, rt, session, clock):
    lines = seed.seed(app, session)
    assert lines[0].startswith("scheduled maintenance")
    notices = session.scalars(select(Notice)).all()
    assert sorted(n.status for n in notices) == ["completed", "completed", "scheduled"]
    assert seed.seed(app, session) == ["notices exist; nothing seeded"]
    assert ("status", seed.seed) in app.extensions["demo_seeders"]
    scheduled = next(n for n in notices if n.status == "scheduled")
    assert scheduled.banks == ["alpha-bank"] and scheduled.starts_at > T0


def test_relative_start_and_duration_work_on_any_day(app, clock):
    """The README's maintenance example: --start +2h --duration 2h, counted from the clock."""
    result = invoke(app, "schedule", "--title", "Upgrade", "--bank", "alpha-bank",
                    "--start", "+2h", "--duration", "2h")
    assert result.exit_code == 0, result.output
    notice = json.loads(result.output)
    starts = dt.datetime.fromisoformat(notice["starts_at"].replace("Z", "+00:00"))
    ends = dt.datetime.fromisoformat(notice["ends_at"].replace("Z", "+00:00"))
    assert starts == clock() + dt.timedelta(hours=2)
    assert ends - starts == dt.timedelta(hours=2)
    iso = invoke(app, "schedule", "--title", "Upgrade", "--bank", "alpha-bank",
                 "--start", "+P1D", "--end", "+P1DT3H")
    assert iso.exit_code == 0, iso.output
    notice = json.loads(iso.output)
    assert notice["starts_at"] < notice["ends_at"]


def test_incident_with_duration_starts_now(app, clock):
    result = invoke(app, "incident", "--title", "Errors", "--component", "auth",
                    "--duration", "PT45M")
    assert result.exit_code == 0, result.output
    notice = json.loads(result.output)
    ends = dt.datetime.fromisoformat(notice["ends_at"].replace("Z", "+00:00"))
    assert ends == clock() + dt.timedelta(minutes=45)


def test_bad_times_are_a_usage_error_naming_the_forms(app, clock):
    result = invoke(app, "schedule", "--title", "x", "--bank", "alpha-bank",
                    "--start", "tomorrow", "--duration", "2h")
    assert result.exit_code == 2 and "+2h" in result.output
    result = invoke(app, "schedule", "--title", "x", "--bank", "alpha-bank",
                    "--start", "+1h", "--duration", "two hours")
    assert result.exit_code == 2 and "PT2H" in result.output
    result = invoke(app, "schedule", "--title", "x", "--bank", "alpha-bank", "--start", "+1h")
    assert result.exit_code == 2 and "--duration" in result.output
    result = invoke(app, "schedule", "--title", "x", "--bank", "alpha-bank", "--start", "+1h",
                    "--end", "+2h", "--duration", "1h")
    assert result.exit_code == 2 and "not both" in result.output
