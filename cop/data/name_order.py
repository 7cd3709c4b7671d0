"""Name order: where the family name stands.

Hungarian names are written family name first ("Nagy Zoltán"), as are names in some other
registers. A bank may hold either order. The matcher reads a name as family-first only with
evidence from the name itself (a listed family name before a given name); the account's country
(the IBAN's country code) adds weight to that evidence but is never enough on its own, since a
Hungarian account may hold any name.
"""

from __future__ import annotations

# Countries whose own names are written family name first.
FAMILY_FIRST_COUNTRIES = "HU"

# The most frequent Hungarian family names (as registered, accents kept).
HUNGARIAN_FAMILY_NAMES = """
Nagy Kovács Tóth Szabó Horváth Varga Kiss Molnár Németh Farkas Balogh Papp Takács Juhász
Lakatos Mészáros Oláh Rácz Fekete Szilágyi Török Fehér Gál Kis Szűcs Kocsis Orsós Pintér
Fodor Szalai Sipos Magyar Lukács Gulyás Biró Király Katona Jakab Bogdán Balog Boros Fazekas
Kelemen Orbán Somogyi Vincze Fülöp Veres Budai Hegedűs Deák Pap Bodnár Illés Lengyel Vass
Bakos Dudás Major Hajdu Halász Kozma Bíró Virág Vörös Soós Bárány Pásztor Csonka Szekeres
Csizmadia Vígh Kun Szénási Antal Borbély Szőke Erdős Sárközi Berki
"""

# Separators of the "Family, Given" form used by registers and lists of many countries.
COMMA = ","
