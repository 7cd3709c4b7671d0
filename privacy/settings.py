"""This package's rows of the settings table (see core.config.load_settings): how long each
kind of personal data with a retention of its own is kept, and how the purge runs."""

from __future__ import annotations

from core.config import whole_number

SETTINGS: dict = {
    "RETENTION_FINISHED_CONSENT_DAYS": (
        1825, whole_number, "Days a finished (rejected, expired, revoked) consent, its audit "
        "trail, bank links and access log are kept after it ended"),
    "RETENTION_AUTHORISATION_PASS_DAYS": (
        30, whole_number, "Days a PSU's pass through the consent screen is kept after it "
        "expired"),
    "RETENTION_TOKEN_RECORDS_DAYS": (
        90, whole_number, "Days the record of an access or refresh token is kept after it "
        "expired"),
    "RETENTION_PAYEE_CHECK_AUDIT_DAYS": (
        395, whole_number, "Days a payee check's audit row (keyed hashes, outcome) is kept"),
    "RETENTION_PURGE_BATCH": (
        500, whole_number, "Records one purge round removes per kind (one transaction each)"),
    "ACCESS_REVIEW_DORMANT_DAYS": (
        90, whole_number, "Days without use after which an access review flags a client or "
        "user as dormant"),
}
