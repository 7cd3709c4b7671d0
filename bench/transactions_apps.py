"""The WSGI app bench/transactions.py runs under gunicorn: the sandbox banks (Northgate and
Thames & Moor, UK OB v4.0; Rheinfeld, Berlin Group), each trusting the service's clients
(`BENCH_SANDBOX_CLIENTS`, the registry's `sandbox_clients()` as JSON) and waiting
`BENCH_LATENCY_MS` before every page of a transaction listing (`from_page` 1: sign-in,
tokens and consents are not delayed). The demo PSU alice holds two accounts at each bank: her
own, and where she has one only, the bank's next seeded account (with its own deterministic
history) signed over to her. Imported by gunicorn, so it imports nothing from bench/.

    gunicorn 'bench.transactions_apps:sandbox_app()'

bench/transactions.py serves it over HTTPS (aggregate_apps.sandbox_tls). The banks hold to the
profiles in `SANDBOX_BANK_PROFILES` / `SANDBOX_BG_PROFILES` when set (e.g. `rheinfeld=mtls`:
the TPP's transport certificate is then required on every call), lenient otherwise.
"""

from __future__ import annotations

import dataclasses
import json
import os

PSU = "alice"
ACCOUNTS_PER_BANK = 2


def accounts_for_bench(accounts: tuple) -> tuple:
    """The bank's seeded accounts with `ACCOUNTS_PER_BANK` of them the PSU's: hers first, then
    others signed over to her."""
    ours = [a for a in accounts if a.owner == PSU]
    others = [a for a in accounts if a.owner != PSU]
    given = [dataclasses.replace(a, owner=PSU)
             for a in others[:max(0, ACCOUNTS_PER_BANK - len(ours))]]
    taken = {a.id for a in given}
    return tuple(ours + given + [a for a in others if a.id not in taken])


def sandbox_app():
    from sandbox import create_sandbox_app
    from sandbox.settings import bank_profiles, bg_profiles
    from sandbox.trust import sandbox_banks

    banks = sandbox_banks(json.loads(os.environ["BENCH_SANDBOX_CLIENTS"]),
                          profiles=bank_profiles(os.environ.get("SANDBOX_BANK_PROFILES", "")),
                          bg_profiles=bg_profiles(os.environ.get("SANDBOX_BG_PROFILES", "")))
    latency = int(os.environ.get("BENCH_LATENCY_MS", "100"))
    for bank in banks:
        bank.accounts = accounts_for_bench(bank.accounts)
        bank.faults = {"latency_ms": latency, "from_page": 1}
    return create_sandbox_app(banks)
