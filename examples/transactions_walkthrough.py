"""Take a seeded PSU through consent at each sandbox bank with transaction permissions, read
24 months of every account page by page through the connectors, and summarise them.

    make run                                                # in one terminal
    .venv/bin/python examples/transactions_walkthrough.py   # in another

Options as connectors_walkthrough.py (--server, --psu, --password), and --curl to print, per
account, the bank's own first page as a curl command (with the PSU's short-lived token).
"""

from __future__ import annotations

import datetime as dt
import sys
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from connectors_walkthrough import PSU_IP, each_bank, parse, sign_in  # noqa: E402

from aggregation.connectors.base import ConsentRequest  # noqa: E402
from aggregation.registry import BankRegistry  # noqa: E402

PERMISSIONS = ("ReadAccountsDetail", "ReadTransactionsDetail", "ReadTransactionsCredits",
               "ReadTransactionsDebits")


def summarise(registry: BankRegistry, bank_id: str, psu: str, password: str,
              curl: bool = False) -> list[str]:
    connector, access = sign_in(registry, bank_id, psu, password,
                                ConsentRequest(permissions=PERMISSIONS, psu_ip=PSU_IP))
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=730)
    lines = []
    for account in connector.list_accounts(access, psu_present=True, psu_ip=PSU_IP):
        pages = 0
        count, status, first, last = Counter(), Counter(), None, None
        for page in connector.read_transactions(access, account.account_id, booked_from=since,
                                                psu_present=True, psu_ip=PSU_IP):
            pages += 1
            for t in page.transactions:
                status[t.status.value] += 1
                code = t.bank_transaction_code
                count[code.sub_family if code else "?"] += 1
                first = first or t.booked_at
                last = t.booked_at
        kinds = ", ".join(f"{k} {n}" for k, n in count.most_common(6))
        lines.append(f"{bank_id:<11} {account.account_id:<8} {sum(status.values()):>5} in "
                     f"{pages} page(s), {status['pending']} pending, "
                     f"{first:%Y-%m-%d}..{last:%Y-%m-%d}  [{kinds}]")
        if curl:
            lines.append(_curl(connector, access, account.account_id))
    return lines


def _curl(connector, access, account_id: str) -> str:
    headers = [f"Authorization: Bearer {access.access_token}"]
    if connector.standard.startswith("berlin"):
        url = (f"{connector.api}/v1/accounts/{account_id}/transactions?bookingStatus=both&"
               f"dateFrom={dt.datetime.now(dt.UTC).date() - dt.timedelta(days=7)}")
        headers += [f"Consent-ID: {access.consent_id}", f"X-Request-ID: {uuid.uuid4()}",
                    f"PSU-IP-Address: {PSU_IP}"]
    else:
        url = f"{connector.api}/accounts/{account_id}/transactions"
        headers.append(f"x-fapi-customer-ip-address: {PSU_IP}")
    return "  curl -s '" + url + "' " + " ".join(f"-H '{h}'" for h in headers)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv, __doc__.splitlines()[0], lambda parser: parser.add_argument(
        "--curl", action="store_true", help="print a curl per account"))
    return each_bank(args.base_url, lambda registry, bank_id: summarise(
        registry, bank_id, args.psu, args.password, args.curl))

if __name__ == "__main__":
    raise SystemExit(main())
