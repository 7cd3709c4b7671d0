"""Tables behind the sandbox banks' transaction histories (a data table: merchants with their
ISO 18245 merchant category codes, bills, own-account transfers, exchange rates).

Bank transaction codes are ISO 20022 domain / family / sub-family; the UK banks also send a
proprietary code in the style UK statements print (DEB, DD, SO, BGC, FPO, FPI, CPT).
"""

from __future__ import annotations

HOLDERS = {"alice": "Alice Carter", "bob": "Bob Okafor", "carol": "Carol Lindqvist"}

# (name, MCC, smallest, largest) in the account's currency
GROCERS = {
    "GBP": (("Tesco Stores", "5411", "4.20", "86.50"), ("Sainsbury's", "5411", "6.10", "94.00"),
            ("Lidl GB", "5411", "3.80", "61.20"), ("Co-op Food", "5411", "2.40", "23.90")),
    "EUR": (("REWE Markt", "5411", "3.90", "92.40"), ("EDEKA", "5411", "4.50", "78.10"),
            ("ALDI SUED", "5411", "2.95", "58.70"), ("dm-drogerie markt", "5912", "3.10", "35.80")),
    "USD": (("Whole Foods Market", "5411", "7.50", "120.00"),
            ("Trader Joe's", "5411", "5.20", "84.00")),
}
SHOPS = (
    ("Pret A Manger", "5814", "3.10", "12.80"), ("Costa Coffee", "5814", "2.60", "8.90"),
    ("Dishoom", "5812", "24.00", "96.00"), ("The Crown & Anchor", "5813", "6.50", "48.00"),
    ("Shell", "5541", "35.00", "82.00"), ("Boots", "5912", "3.50", "41.00"),
    ("Uber", "4121", "7.80", "34.50"), ("Trainline", "4112", "12.40", "138.00"),
    ("Amazon Marketplace", "5942", "6.99", "149.00"), ("Currys", "5732", "19.99", "449.00"),
    ("Waterstones", "5942", "7.99", "32.00"), ("Odeon Cinemas", "7832", "9.50", "31.00"),
    ("John Lewis", "5311", "15.00", "240.00"), ("Zara", "5651", "19.99", "129.00"),
    ("Timpson", "7251", "8.00", "45.00"),
)
TRAVEL = {  # spend abroad: (merchant, MCC, smallest, largest, currency)
    "GBP": (("Cafe de Flore Paris", "5812", "9.00", "64.00", "EUR"),
            ("SNCF Voyageurs", "4112", "25.00", "140.00", "EUR"),
            ("Hotel Adlon Berlin", "7011", "180.00", "420.00", "EUR"),
            ("Uber *Trip New York", "4121", "12.00", "55.00", "USD")),
    "EUR": (("Pret A Manger London", "5814", "3.50", "14.00", "GBP"),
            ("Uber *Trip New York", "4121", "12.00", "55.00", "USD"),
            ("Hilton Chicago", "7011", "190.00", "390.00", "USD")),
    "USD": (("Tesco Stores London", "5411", "5.00", "60.00", "GBP"),
            ("Bistro Paris", "5812", "18.00", "70.00", "EUR")),
}
SUBSCRIPTIONS = (("Netflix", "4899", "10.99", 9), ("Spotify", "5815", "11.99", 14),
                 ("PureGym", "7997", "24.99", 3))
# the account's currency per unit of the foreign one (a source of truth for the fake banks)
RATES = {("EUR", "GBP"): "0.8540", ("USD", "GBP"): "0.7890", ("GBP", "EUR"): "1.1710",
         ("USD", "EUR"): "0.9240", ("GBP", "USD"): "1.2670", ("EUR", "USD"): "1.0820"}

# bills: (payee, day of month, amount, family, sub-family, proprietary code, reference)
BILLS = {
    "GBP": (("Harbour Lettings Ltd", 1, "1150.00", "ICDT", "STDO", "SO", "RENT FLAT 2"),
            ("Octopus Energy", 5, "96.40", "RDDT", "PMDD", "DD", "OCTO-A3318842"),
            ("Thames Water", 12, "38.70", "RDDT", "PMDD", "DD", "TW 8800415521"),
            ("Lambeth Council Tax", 2, "142.00", "RDDT", "PMDD", "DD", "CTAX 50091823"),
            ("Vodafone", 18, "22.00", "RDDT", "PMDD", "DD", "VF 07700900461"),
            ("BT Broadband", 22, "34.99", "RDDT", "PMDD", "DD", "BT GB04412239")),
    "EUR": (("Hausverwaltung Mueller GmbH", 1, "980.00", "ICDT", "STDO", "DAUERAUFTRAG",
             "MIETE WHG 3"),
            ("Stadtwerke Rheinfeld", 6, "84.00", "RDDT", "PMDD", "LASTSCHRIFT",
             "STROM KD 4471102"),
            ("Telekom Deutschland", 20, "39.95", "RDDT", "PMDD", "LASTSCHRIFT",
             "TK 0157-990012"),
            ("Rundfunkbeitrag", 15, "18.36", "RDDT", "PMDD", "LASTSCHRIFT", "BN 448201977")),
}
EMPLOYERS = {"GBP": ("Brightwater Analytics Ltd", "2850.00"),
             "EUR": ("Rheinwerk Software GmbH", "3240.00"),
             "USD": ("Lakeview Consulting Inc", "3400.00")}

# the same customer's own accounts at two different banks: (from, to, day of month, amount)
OWN_TRANSFERS = (
    ("ng-1001", "tm-1001", 26, "300.00"),
    ("ng-2001", "tm-2001", 27, "450.00"),
    ("rf-3001", "ng-3001", 28, "200.00"),
)
# every evening the day's card payments rounded up to whole units move to savings: (from, to)
ROUND_UP_SWEEPS = (("ng-1001", "tm-1001"),)
HOME_CURRENCY = {"northgate": "GBP", "thamesmoor": "GBP", "rheinfeld": "EUR"}

DAILY_CARD_SPEND = {"current": (1, 5), "secondary": (0, 4), "card": (1, 5), "savings": (0, 0)}
