"""Bank connectors, one per standard, behind `base.BankConnector`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

    from aggregation.connectors.base import BankConnector
    from aggregation.connectors.client_auth import ClientAuth
    from aggregation.registry import BankConfig


def make_connector(bank: BankConfig, client: httpx.Client, auth: ClientAuth) -> BankConnector:
    from aggregation.connectors.berlin_group import BerlinGroupConnector
    from aggregation.connectors.ob_uk import ObUkConnector

    kinds = {"ob-uk-4.0": ObUkConnector, "berlin-group-1.3": BerlinGroupConnector}
    return kinds[bank.standard](bank, client, auth)
