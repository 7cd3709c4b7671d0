"""Surname particles, German noble titles, letter equivalences, trading-name markers.

Particles belong to the surname ("van der Berg", "de la Cruz", "dos Santos"): leaving one out
is a close match, not a different surname. German noble titles (Freiherr, Gräfin …) have been
part of the surname since 1919 and are treated the same way. Letter equivalences are spellings
one language treats as the same letters (Dutch ij and y, Danish å and aa).
"""

from __future__ import annotations

PARTICLES = """
al el de del della delle dei degli dello di da das dos do du la le van von der den ter
ten zu zum zur vom op aan het und
"""

NOBLE_TITLES = """
Freiherr Freifrau Freiin Frhr Frfr Graf Gräfin Gf Prinz Prinzessin Fürst Fürstin Herzog
Herzogin Edler Edle Ritter Baron Baronin Landgraf Landgräfin Markgraf Markgräfin Erbprinz
Reichsgraf Reichsfreiherr Jonkheer Jonkvrouw
"""

# Letters a language writes two ways; the second spelling is the primary (expanded) form.
# Croatian and Serbian đ is written dj without the letter (Đurić, Djuric).
LETTER_EXPANSIONS = {
    "ä": "ae", "ö": "oe", "ü": "ue", "ø": "oe", "å": "aa", "ő": "oe", "ű": "ue", "đ": "dj",
}

# Dutch "ij" is written "y" in many registers and abroad (Dijkstra, Dykstra).
DIGRAPH_ALTERNATIVES = (("ij", "y"),)

# Cyrillic letters whose Bulgarian (and Ukrainian) romanisation differs from the Russian one
# the transliterator gives (Христо: Hristo, not Khristo; Щерев: Shterev; Петър: Petar).
CYRILLIC_ALTERNATIVES = {"х": "h", "щ": "sht", "ъ": "a"}

# Phrases that join a holder's name to the name it trades under, per language (regular
# expressions, matched case-insensitively on the name as written).
TRADING_MARKERS = (
    r"t\s*/\s*as?",
    r"t\s*\.\s*a\s*\.?",
    r"trading\s+as",
    r"tradingas",
    r"d\s*/\s*b\s*/\s*a",
    r"doing\s+business\s+as",
    r"handelnd\s+(?:als|unter(?:\s+dem\s+namen)?)",
    r"h\.?\s*o\.?\s*d\.?\s*n\.?",
    r"handelend\s+onder\s+(?:de\s+)?naam",
    r"exer[cç]ant\s+sous\s+(?:le\s+nom(?:\s+commercial)?|l['’]enseigne)",
    r"agissant\s+sous(?:\s+le\s+nom|\s+l['’]enseigne)?",
    r"sous\s+l['’]enseigne",
    r"operante\s+(?:come|con\s+(?:il\s+)?nome)",
    r"que\s+opera\s+(?:como|sob(?:\s+o\s+nome)?)",
    r"operando\s+como",
    r"a\s+operar\s+como",
    r"con\s+nombre\s+comercial",
    r"dzia[lł]aj[aą]c[ya]\s+pod\s+nazw[aą]",
    r"prowadz[aą]c[ya]\s+dzia[lł]alno[sś][cć]\s+pod\s+nazw[aą]",
)

# Lower-case fragments of which every marker contains one: names without any skip the search.
TRADING_HINTS = ("/", ".", "trading", "doing", "handel", "hodn", "exer", "agissant", "enseigne",
                 "operante", "opera", "nombre", "dzia", "prowadz")
