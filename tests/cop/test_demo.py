"""The demo directory `make run` seeds: once, and answering as the README says."""

from cop import service
from cop.codes import EuCode, UkReason
from cop.demo import seed_directory


def test_seeds_once_and_answers_the_readme_examples(app, session):
    lines = seed_directory(app, session)
    assert "17 directory accounts at 3 banks" in lines[0]
    assert seed_directory(app, session) == ["payee directory already has banks; left as it is"]
    adapters = app.extensions["cop"]
    report = service.check_uk(session, "demo", service.UkCheck(
        "040004", "12345678", "personal", "Mr J Smith"), adapters)
    assert (report.reason_code, report.name) == (UkReason.MBAM, "John Andrew Smith")
    result = service.check_eu(session, "demo", service.EuCheck(
        "DE89370400440532013000", "Jurgen Muler"), adapters)
    assert (result.party_name_match, result.matched_name) == (EuCode.CMTC, "Jürgen Müller")
