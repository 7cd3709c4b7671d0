"""Legal forms of companies and the everyday abbreviations of business names, as data.

"Acme Ltd" and "ACME LIMITED" are the same company; "Acme GmbH" and "Acme Ltd" are not.
Forms are keyed by their letters with spaces and dots removed ("S. A. S." -> "sas"), so the
many ways people punctuate them fall together. The canonical value is what is compared.
"""

from __future__ import annotations

_FORMS: dict[str, tuple[str, ...]] = {
    # United Kingdom and Ireland
    "ltd": ("ltd", "limited", "teoranta", "teo"),
    "plc": ("plc", "publiclimitedcompany", "cpt"),
    "llp": ("llp", "limitedliabilitypartnership"),
    "lp": ("lp", "limitedpartnership"),
    "cic": ("cic", "communityinterestcompany"),
    "cio": ("cio", "charitableincorporatedorganisation"),
    "dac": ("dac", "designatedactivitycompany"),
    "clg": ("clg", "companylimitedbyguarantee"),
    "uc": ("uc", "unlimitedcompany"),
    # North America
    "llc": ("llc", "limitedliabilitycompany"),
    "inc": ("inc", "incorporated"),
    "corp": ("corp", "corporation"),
    # German-speaking
    "gmbh": ("gmbh", "gesellschaftmitbeschraenkterhaftung"),
    "gmbhcokg": ("gmbhandcokg", "gmbhcokg", "gmbhandcompanykg", "gmbhundcokg"),
    "ag": ("ag", "aktiengesellschaft"),
    "kg": ("kg", "kommanditgesellschaft"),
    "ohg": ("ohg",),
    "ug": ("ug", "ughaftungsbeschraenkt", "ughaftungsbeschrankt"),
    "ek": ("ek", "ekfm", "ekfr"),
    "gbr": ("gbr",),
    "ev": ("ev",),
    "se": ("se",),
    # French, Belgian, Luxembourgish
    "sarl": ("sarl", "societearesponsabilitelimitee"),
    "sas": ("sas", "societeparactionssimplifiee"),
    "sasu": ("sasu",),
    "sa": ("sa", "societeanonyme", "sociedadanonima", "spolkaakcyjna"),
    "eurl": ("eurl",),
    "snc": ("snc",),
    "sci": ("sci",),
    # Spanish and Portuguese
    "sl": ("sl", "sociedadlimitada"),
    "slu": ("slu",),
    "lda": ("lda", "ltda"),
    # Italian
    "srl": ("srl", "societaaresponsabilitalimitata"),
    "srls": ("srls",),
    "spa": ("spa", "societaperazioni"),
    # Dutch and Flemish
    "bv": ("bv", "beslotenvennootschap"),
    "nv": ("nv", "naamlozevennootschap"),
    "vof": ("vof",),
    "bvba": ("bvba",),
    # Polish, Czech, Slovak, Hungarian, Romanian, Croatian
    "spzoo": ("spzoo", "spolkazograniczonaodpowiedzialnoscia"),
    "spj": ("spj",),
    "spk": ("spk",),
    "sro": ("sro",),
    "kft": ("kft",),
    "zrt": ("zrt",),
    "doo": ("doo",),
    # Nordic
    "ab": ("ab", "aktiebolag"),
    "oy": ("oy", "osakeyhtio"),
    "oyj": ("oyj",),
    "as": ("as", "aksjeselskap", "aktieselskab", "anonimsirketi"),
    "asa": ("asa",),
    "aps": ("aps", "anpartsselskab"),
    "ehf": ("ehf",),
    "hf": ("hf",),
    # Greek, Turkish, Russian, Ukrainian
    "ae": ("ae",),
    "epe": ("epe",),
    "ike": ("ike",),
    "ltdsti": ("ltdsti", "limitedsirketi"),
    "ooo": ("ooo",),
    "oao": ("oao",),
    "zao": ("zao",),
    "pao": ("pao",),
    "ao": ("ao",),
    "tov": ("tov",),
    "pp": ("pp",),
}

LEGAL_FORMS: dict[str, str] = {
    spelling: canonical for canonical, spellings in _FORMS.items() for spelling in spellings
}

# Forms written before the name in their home country ("OOO Romashka", "TOV Svitanok").
PREFIX_FORMS: frozenset[str] = frozenset({"ooo", "oao", "zao", "pao", "ao", "tov", "pp"})

# Short forms too easily part of a name ("Anna S", "Le Ae") unless the holder is a business.
_AMBIGUOUS = frozenset({"as", "sa", "se", "ae", "ao", "pp", "ab", "sl", "ek", "ev", "uc", "lp"})

LONGEST_FORM_TOKENS = 6

# Words that businesses abbreviate freely; both spellings compare equal.
BUSINESS_WORDS: dict[str, str] = {
    "co": "company",
    "cos": "companies",
    "bros": "brothers",
    "intl": "international",
    "int": "international",
    "svcs": "services",
    "svc": "service",
    "mfg": "manufacturing",
    "assoc": "associates",
    "assocs": "associates",
    "grp": "group",
    "hldgs": "holdings",
    "mgmt": "management",
    "ctr": "centre",
    "center": "centre",
    "dept": "department",
    "und": "and",
    "et": "and",
    "og": "and",
    "och": "and",
}

LEADING_ARTICLES: frozenset[str] = frozenset({"the"})


def split_legal_form(
    tokens: tuple[str, ...], business: bool
) -> tuple[tuple[str, ...], str | None]:
    """Split `tokens` into (name, canonical legal form or None).

    Looks for the longest form at the end, then for a prefix form. A form is only taken when
    some name is left over, and the short ambiguous forms only for a business holder.
    """
    n = len(tokens)
    for k in range(min(LONGEST_FORM_TOKENS, n - 1), 0, -1):
        joined = "".join(tokens[n - k :])
        canonical = LEGAL_FORMS.get(joined)
        if canonical and (business or joined not in _AMBIGUOUS):
            return tokens[: n - k], canonical
    if n > 1 and tokens[0] in PREFIX_FORMS and business:
        return tokens[1:], LEGAL_FORMS[tokens[0]]
    return tokens, None


def canonical_business_tokens(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Business name tokens with abbreviations expanded and a leading article dropped."""
    words = tuple(BUSINESS_WORDS.get(t, t) for t in tokens)
    if len(words) > 1 and words[0] in LEADING_ARTICLES:
        words = words[1:]
    return words
