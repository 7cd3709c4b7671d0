"""Words of business names across the EU: "and" in each language, and the abbreviations that
registers and letterheads use for brothers, sons, heirs, successors, establishments, company.

Written as customary (accents kept); `cop/legal_forms.py` folds them to lookup keys.
"""

from __future__ import annotations

# "And" between the words of a business name: German, French, Danish/Norwegian, Swedish,
# Italian/Portuguese, Spanish, Polish/Croatian/Czech/Slovak ("i"), Hungarian, Finnish/Estonian,
# Latvian, Lithuanian, Slovenian, Romanian, Greek ("και"). German "u." is short for "und".
AND = "und u et og och e y i és ja un ir in și kai"

# abbreviation | the words it stands for (";"-separated)
ABBREVIATIONS = """
Gebr | Gebroeders; Gebrüder
Gebrs | Gebroeders
Gbr | Gebroeders; Gebrüder
Brdr | Brødrene; Brødre
Zn | Zonen
Zns | Zonen
Mij | Maatschappij
Nachf | Nachfolger
Nfg | Nachfolger
Wwe | Witwe; Weduwe
Ets | Établissements
Etbs | Établissements
Cie | Compagnie; Company; Compañía; Companhia
Cia | Compañía; Companhia; Compagnia
Frs | Frères
Sté | Société
Ste | Société
Hnos | Hermanos
Hnas | Hermanas
Hmnos | Hermanos
Sucs | Sucesores
Suc | Sucesores; Sucessores
Irm | Irmãos
Flli | Fratelli
Fli | Fratelli; Figli
Fgli | Figli
Soc | Società; Société; Sociedad; Sociedade
Tsa | Társa; Társai
Tsai | Társai
Ska | Spółka
Sp | Spółka
"""
