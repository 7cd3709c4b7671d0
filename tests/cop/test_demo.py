"""The demo directory `make run` seeds: once, and answering as the README says."""

from cop import service
from cop.codes import EuCode, UkReason
from cop.demo import seed_directory


def test_seeds_once_and_answers_the_readme_examples(app, session):
    lines = seed_directory(app, session)
    assert "17 directory accounts at 3 banks" in lines[0]
    assert seed_directory(app, session) == ["payee directory already has banks; left as it is"]
    adapters = app.extensions["cop"]
    report = service.check_payee(session, "demo", service.UK, service.UkCheck(
        "040004", "12345678", "personal", "Mr J Smith"), adapters)
    assert (report.reason_code, report.name) == (UkReason.MBAM, "John Andrew Smith")
    result = service.check_payee(session, "demo", service.EU, service.EuCheck(
        "DE89370400440532013000", "Jurgen Muler"), adapters)
    assert (result.party_name_match, result.matched_name) == (EuCode.CMTC, "Jürgen Müller")


def test_the_demo_payment_app_may_send_the_readme_requesting_agent(app, session, make_tpp):
    from cop import participants
    from cop.demo import DEMO_REQUESTING_PSP

    first = make_tpp(roles=("COP",), name="Payment App")
    assert any(DEMO_REQUESTING_PSP in line for line in seed_directory(app, session))
    assert participants.listing(session) == [(DEMO_REQUESTING_PSP, first.client_id)]
    # the demo client registered again under a new id (its key changed) keeps the BIC
    with app.extensions["session_factory"]() as other, other.begin():
        from auth.models import TppClient

        other.delete(other.get(TppClient, first.client_id))
    second = make_tpp(roles=("COP",), name="Payment App")
    seed_directory(app, session)
    assert participants.listing(session) == [(DEMO_REQUESTING_PSP, second.client_id)]
