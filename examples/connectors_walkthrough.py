"""Take a seeded PSU through consent at each sandbox bank via its connector, and print the
normalised balances from all three.

    make run                                              # in one terminal
    .venv/bin/python examples/connectors_walkthrough.py   # in another

Options: --server (default: the ISSUER setting, which follows PORT/BIND), --psu (alice, bob or
carol), --password (the sandbox PSU password, default "sandbox"). The PSU's part (sign in at the
bank, approve) is played by `aggregation.psu_browser.authorise`, which fills in the bank's form
as a browser would.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aggregation.connectors.base import BankAccess, ConsentRequest  # noqa: E402
from aggregation.connectors.errors import BankError  # noqa: E402
from aggregation.psu_browser import authorise  # noqa: E402
from aggregation.registry import BankRegistry  # noqa: E402
from core.config import load_settings, server_url  # noqa: E402

REDIRECT_URI = "https://budgeting-app.example/callback"
PSU_IP = "203.0.113.7"  # the PSU's address, sent as the PSU is present


def sign_in(registry: BankRegistry, bank_id: str, psu: str, password: str,
            request: ConsentRequest | None = None):
    """The bank's connector and the access the PSU granted it (consent, sign-in, code)."""
    connector = registry.connector(bank_id)
    consent = connector.create_consent(request or ConsentRequest(psu_ip=PSU_IP))
    redirect = connector.authorisation_redirect(consent.consent_id, redirect_uri=REDIRECT_URI,
                                                state=f"walk-{bank_id}")
    answer = authorise(redirect.url, psu, password)  # the PSU signs in at the bank, approves
    tokens = connector.exchange_code(answer["code"], redirect_uri=REDIRECT_URI,
                                     code_verifier=redirect.code_verifier)
    return connector, BankAccess(consent.consent_id, tokens.access_token)


def walk(registry: BankRegistry, bank_id: str, psu: str, password: str) -> list[str]:
    connector, access = sign_in(registry, bank_id, psu, password)
    lines = []
    for account in connector.list_accounts(access, psu_present=True, psu_ip=PSU_IP):
        for balance in connector.read_balances(access, account.account_id, psu_present=True,
                                               psu_ip=PSU_IP):
            credit = " (credit line included)" if balance.credit_line_included else ""
            lines.append(f"{bank_id:<11} {account.account_id:<8} {balance.type.value:<18} "
                         f"{balance.amount.amount:>12} {balance.amount.currency}{credit}")
    return lines


def parse(argv: list[str] | None, description: str,
          extra: Callable[[argparse.ArgumentParser], None] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--server", "--base-url", dest="base_url", default=None,
                        help="base URL (default: ISSUER, else http://127.0.0.1:$PORT)")
    parser.add_argument("--psu", default="alice")
    parser.add_argument("--password", default="sandbox")
    if extra:
        extra(parser)
    return parser.parse_args(argv)


def each_bank(base_url: str | None, lines_for: Callable[[BankRegistry, str], list[str]]) -> int:
    """Print what `lines_for(registry, bank_id)` says of every bank; 1 if any bank failed."""
    # The same registry file and keys as the server, so the sandbox banks know our clients.
    registry = BankRegistry.load(issuer=server_url(base_url),
                                 base_dir=load_settings()["INSTANCE_DIR"])
    registry.ensure_sandbox_keys()
    failed = 0
    try:
        for bank in registry.all():
            print(f"-- {bank.name} ({bank.standard})")
            try:
                print("\n".join(lines_for(registry, bank.id)))
            except BankError as exc:
                failed += 1
                print(f"   {exc}")
    finally:
        registry.close()
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    args = parse(argv, __doc__.splitlines()[0])
    return each_bank(args.base_url, lambda registry, bank_id: walk(
        registry, bank_id, args.psu, args.password))

if __name__ == "__main__":
    raise SystemExit(main())
