"""Reference tables of the payee-name matcher, one module per kind of knowledge.

Data only: each table is written as customary spellings (accents and all) and turned into the
matcher's normalised form by the code modules that read it (`cop/legal_forms.py`,
`cop/names.py`, `cop/normalise.py`, `cop/name_order.py`). Sources are listed in
docs/payee-checks.md.
"""
