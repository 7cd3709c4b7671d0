"""What discovery says about FAPI 2.0 Message Signing: signed request objects (auth.jar), signed
authorisation responses (auth.jarm) and signed introspection responses (auth.introspection)."""

from __future__ import annotations

from auth.jarm import RESPONSE_MODES
from auth.jose import ALGORITHMS, alg_for_key


def metadata(server) -> dict:
    signing_alg = alg_for_key(server.keys.signing_key)
    return {
        "request_parameter_supported": True,
        "request_object_signing_alg_values_supported": list(ALGORITHMS),
        "response_modes_supported": list(RESPONSE_MODES),
        "authorization_signing_alg_values_supported": [signing_alg],
        "introspection_signing_alg_values_supported": [signing_alg],
    }
