"""The spending categories a transaction is given, and the two tables that give them.

1. Merchant category code (ISO 18245, the four digits a card scheme attaches to a merchant):
   single codes and inclusive ranges. Card scheme range blocks (3000-3299 airlines, 3351-3441
   car rental, 3501-3999 lodging) name the brand; they fall in the category of the generic
   code they stand for.
2. ISO 20022 bank transaction code (domain / family / sub-family, `PMNT-RCDT-SALA`): exact
   sub-family first, then the family with any sub-family (`*`).

A merchant code wins over a bank transaction code (it says what was bought, not only how it
was paid); neither known: no category (`null`). A transfer linked to its other leg among the
customer's own accounts is `internal_transfer`, whatever the tables say.
"""

from __future__ import annotations

CATEGORIES = (
    "groceries", "eating_out", "transport", "fuel", "travel", "shopping", "digital_services",
    "utilities", "housing", "insurance", "health", "education", "entertainment", "charity",
    "taxes", "cash", "fees", "interest", "income", "refund", "bills", "transfer",
    "internal_transfer", "loans",
)

MCC_CODES: dict[str, str] = {
    "4111": "transport", "4112": "transport", "4121": "transport", "4131": "transport",
    "4784": "transport", "4789": "transport", "7523": "transport",
    "5541": "fuel", "5542": "fuel", "5983": "fuel",
    "4411": "travel", "4511": "travel", "4722": "travel", "7011": "travel", "7012": "travel",
    "7512": "travel",
    "5300": "groceries", "5411": "groceries", "5422": "groceries", "5441": "groceries",
    "5451": "groceries", "5462": "groceries", "5499": "groceries",
    "5811": "eating_out", "5812": "eating_out", "5813": "eating_out", "5814": "eating_out",
    "5310": "shopping", "5311": "shopping", "5331": "shopping", "5399": "shopping",
    "5651": "shopping", "5661": "shopping", "5691": "shopping", "5699": "shopping",
    "5712": "shopping", "5732": "shopping", "5734": "shopping", "5942": "shopping",
    "5945": "shopping", "5999": "shopping", "5200": "shopping", "5251": "shopping",
    "4814": "utilities", "4899": "utilities", "4900": "utilities",
    "4816": "digital_services", "5815": "digital_services", "5816": "digital_services",
    "5817": "digital_services", "5818": "digital_services",
    "6513": "housing", "7349": "housing",
    "6300": "insurance", "5960": "insurance",
    "5912": "health", "8011": "health", "8021": "health", "8042": "health", "8062": "health",
    "8099": "health",
    "8211": "education", "8220": "education", "8299": "education",
    "7832": "entertainment", "7922": "entertainment", "7941": "entertainment",
    "7991": "entertainment", "7996": "entertainment", "7997": "entertainment",
    "7999": "entertainment",
    "8398": "charity",
    "9311": "taxes",
    "6010": "cash", "6011": "cash",
}

MCC_RANGES: tuple[tuple[int, int, str], ...] = (
    (3000, 3299, "travel"),  # airlines, by carrier
    (3351, 3441, "travel"),  # car rental, by company
    (3501, 3999, "travel"),  # lodging, by chain
    (5961, 5969, "shopping"),  # direct marketing / mail order
)

# (domain, family, sub_family) -> category; "*" matches any sub-family of the family.
BANK_TRANSACTION_CODES: dict[tuple[str, str, str], str] = {
    ("PMNT", "RCDT", "SALA"): "income",
    ("PMNT", "RCDT", "*"): "transfer",
    ("PMNT", "ICDT", "STDO"): "transfer",
    ("PMNT", "ICDT", "*"): "transfer",
    ("PMNT", "IDDT", "*"): "bills",
    ("PMNT", "RDDT", "*"): "refund",
    ("PMNT", "CCRD", "CWDL"): "cash",
    ("PMNT", "CCRD", "RIMB"): "refund",
    ("PMNT", "CCRD", "*"): "shopping",
    ("PMNT", "CNTR", "CWDL"): "cash",
    ("PMNT", "MCOP", "INTR"): "interest",
    ("PMNT", "ICDT", "CHRG"): "fees",
    ("ACMT", "MDOP", "CHRG"): "fees",
    ("ACMT", "MDOP", "INTR"): "interest",
    ("LDAS", "CSLN", "*"): "loans",
}
