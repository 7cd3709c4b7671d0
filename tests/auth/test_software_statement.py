"""Software statement claims: whatever a signed statement carries, the answer is a statement
or an RFC 7591 error, never a crash."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from auth import software_statement as ss

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                    | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
NAMES = st.sampled_from(["software_id", "software_client_name", "software_roles",
                         "software_redirect_uris", "software_jwks", "software_jwks_endpoint",
                         "org_id", "org_name", "org_status", "software_status", "exp", "iat"])


@given(st.dictionaries(NAMES, JSON, max_size=12))
def test_any_claims_give_a_statement_or_an_rfc7591_error(claims):
    try:
        ss._check_times(claims, time.time())
        statement = ss._statement(claims)
    except ss.SoftwareStatementError as exc:
        assert exc.error in ("invalid_software_statement", "unapproved_software_statement")
    else:
        assert statement.software_id and set(statement.psd2_roles) <= set(ss.PSD2_ROLES)


@given(st.lists(st.sampled_from(["AISP", "PISP", "CBPII", "ASPSP", "PSP_AI", "psp_pi"]),
                max_size=6))
def test_directory_and_psd2_role_names_agree(roles):
    assert set(ss.psd2_roles(roles)) == {ss.DIRECTORY_ROLES.get(r.upper(), r.upper())
                                         for r in roles}
