"""This package's rows of the settings table (see core.config.load_settings):
name -> (default, parser, description), parsed once when the app is created.
(`AGGREGATION_DEADLINE_SECONDS` and `SANDBOX_BANKS_ENABLED` are core's rows.)"""

from __future__ import annotations

from core.config import at_least, boolean, number, url


def bank_urls(value: str) -> dict[str, str]:
    """`id=url,id=url` -> {id: url}."""
    found = {}
    for item in (part.strip() for part in value.split(",")):
        bank_id, sep, address = item.partition("=")
        if not item:
            continue
        if not sep or not bank_id.strip():
            raise ValueError("bank=URL[,bank=URL], e.g. rheinfeld=http://127.0.0.1:9003/sandbox/"
                             "rheinfeld")
        found[bank_id.strip()] = url("http", "https")(address)
    return found


# a duration that may be 0 (off) but never negative
SECONDS = at_least(0, number)

SETTINGS: dict = {
    "AGGREGATION_MAX_WORKERS": (64, at_least(1), "Threads of the fan-out across banks, "
                                "per worker (the per-account calls get twice as many)"),
    "AGGREGATION_CACHE_SECONDS": (
        30.0, SECONDS, "How long cached balances are served without calling the bank"),
    "AGGREGATION_CONSENT_SNAPSHOT_SECONDS": (
        5.0, SECONDS, "How long a read reuses what it knows of a consent (no tokens)"),
    "AGGREGATION_BREAKER_FAILURES": (5, at_least(1), "Failed calls in a row that open a "
                                     "bank's circuit breaker"),
    "AGGREGATION_BREAKER_OPEN_SECONDS": (
        30.0, SECONDS, "How long an open breaker keeps a bank from being called"),
    "AGGREGATION_TRANSACTIONS_PAGE_SIZE": (100, at_least(1), "Transactions per page of "
                                           "the OB transaction listings"),
    "AGGREGATION_TRANSACTIONS_DEADLINE_SECONDS": (
        10.0, at_least(0.1, number), "How long a transaction read waits for banks' pages "
        "before answering with what it has (the rest resumes next read)"),
    "AGGREGATION_ID_KEY": ("", str, "HMAC key of our AccountIds (the same on every host); "
                           "unset: a key file in the instance folder"),
    "BANKS_FILE": ("", str, "The bank registry (JSON); unset: aggregation/data/banks.json"),
    "BANKS_CA_FILE": ("", str, "PEM file of CA certificates trusted for the banks' TLS "
                      "server certificates besides the system roots (a bank's private root, "
                      "the sandbox CA of sandbox banks served elsewhere over HTTPS)"),
    "SANDBOX_BASE_URL": ("", url("http", "https"), "Where the sandbox banks run when they are "
                         "another process; unset: mounted in this server"),
    "SANDBOX_BANK_URLS": ({}, bank_urls, "Per-bank sandbox URLs, bank=URL[,bank=URL]"),
    "SANDBOX_LOOPBACK": (True, boolean, "Our calls to the sandbox banks mounted in this server "
                         "skip the socket"),
}

SECRETS = {"AGGREGATION_ID_KEY"}
