"""Benchmark: the payee-name matcher alone, first-seen decisions per CPU-second (one core).

    .venv/bin/python bench/cop_matcher.py [--pairs 20000] [--label NAME] [--cold-words]

"First seen": every cache of the matcher is emptied before each run and every pair is new, so
each decision pays for normalising and parsing both names, as a check on a cold worker does.
Two workloads: British-style personal names (the same generator as `bench/cop.py`), and EU
names (personal names with particles and diacritics, companies with national legal forms
written short, long or in front). The words of those names repeat, as words of real names do
(the matcher caches each word's folding); `--cold-words` also measures the worst case, every
cache emptied before each decision, so no word has been seen before. Prints the figures and
adds them, under `--label`, to `bench/results/cop_matcher.json`. The product's floor is 20,000
decisions per CPU-second.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cop.matching import Holder, clear_caches, decide  # noqa: E402

# bench/cop.py's generator of British-style names (its module name clashes with the package).
sys.path.insert(1, str(ROOT / "bench"))
_spec = importlib.util.spec_from_file_location("bench_cop", ROOT / "bench" / "cop.py")
_bench_cop = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bench_cop)

RESULTS = ROOT / "bench" / "results" / "cop_matcher.json"

EU_GIVEN = ("Jan Pieter Maria Hendrik Johannes Anna Jürgen Hans Friederike Klaus Élodie François "
            "Hélène Jean-Luc Giuseppe Giovanni Francesca Lucía José María Paco João Gonçalo "
            "Małgorzata Wojciech Zoltán Ágnes Søren Åsa Ioannis Eleni Jiří Markéta").split()
EU_FAMILY = ("van der Berg|de Vries|van Dijk|Müller|Schmidt|von Weizsäcker|Dubois|Lefèvre|"
             "Rossi|Esposito|di Marco|García López|Fernández|dos Santos|Gonçalves|Kowalski|"
             "Wiśniewska|Nagy|Kovács|Sørensen|Ångström|Papadopoulos|Dvořák|Novotná").split("|")
EU_BUSINESS = ("Bäckerei Schmidt|Boulangerie Martin|Transportes Hermanos García|Rossi e Figli|"
               "Bouwbedrijf De Jong|Kowalski i Synowie|Nagy és Társa|Havila Frakt|Δέλτα Τεχνική|"
               "Établissements Dupont|Gebroeders Bakker|Müller Logistik").split("|")
EU_FORMS = ("GmbH|Gesellschaft mit beschränkter Haftung|SARL|Société à responsabilité limitée|"
            "B.V.|Besloten Vennootschap|Sp. z o.o.|S.r.l.|S.L.|Lda.|Kft.|ApS|AS|A.E.|s.r.o.|"
            "GmbH & Co. KG|SAS|NV|Oy|AB").split("|")


def eu_pairs(n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """(held name, entered name, holder type): about two thirds personal, one third business."""
    out = []
    for i in range(n):
        if i % 3 == 2:
            base = EU_BUSINESS[i % len(EU_BUSINESS)]
            held = f"{base} {i % 997} {EU_FORMS[i % len(EU_FORMS)]}"
            typed = f"{base} {i % 997} {EU_FORMS[(i // 7) % len(EU_FORMS)]}"
            out.append((held, typed if rng.random() < 0.8 else f"{base} {i % 991}", "business"))
            continue
        given = EU_GIVEN[i % len(EU_GIVEN)]
        family = EU_FAMILY[(i // len(EU_GIVEN)) % len(EU_FAMILY)]
        held = f"{given} {family}{'' if i < len(EU_GIVEN) * len(EU_FAMILY) else f' {i}'}"
        roll = rng.random()
        if roll < 0.6:
            typed = held
        elif roll < 0.75:
            typed = f"{given[0]}. {family} {i}" if i >= len(EU_GIVEN) * len(EU_FAMILY) else (
                f"{given[0]}. {family}")
        else:
            typed = f"{EU_GIVEN[(i + 1) % len(EU_GIVEN)]} {held.split(' ', 1)[1]}"
        out.append((held, typed, "personal"))
    return out


def rate(pairs, cold_words: bool = False) -> float:
    """Decisions per CPU-second. `cold_words`: every cache emptied before each decision too,
    so no word of a name has been seen before either (the per-word caches never help)."""
    clear_caches()
    holders = [(Holder((held,), kind), typed, kind) for held, typed, kind in pairs]
    if not cold_words:
        cpu = time.process_time()
        for holder, typed, kind in holders:
            decide(typed, holder, kind)
        return len(pairs) / (time.process_time() - cpu)
    spent = 0.0
    for holder, typed, kind in holders:
        clear_caches()
        cpu = time.process_time()
        decide(typed, holder, kind)
        spent += time.process_time() - cpu
    return len(pairs) / spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=20_000)
    parser.add_argument("--label", default="current")
    parser.add_argument("--cold-words", action="store_true",
                        help="also measure with every word first seen (no per-word cache hits)")
    args = parser.parse_args()
    rng = random.Random(7)
    uk = []
    for i in range(args.pairs):
        _, typed = _bench_cop.entered(i, rng)
        uk.append((_bench_cop.holder_name(i), typed, "personal"))
    eu = eu_pairs(args.pairs, random.Random(11))
    figures = {
        "uk_first_seen_per_cpu_s": round(max(rate(uk) for _ in range(3))),
        "eu_first_seen_per_cpu_s": round(max(rate(eu) for _ in range(3))),
        "pairs": args.pairs,
    }
    if args.cold_words:
        figures["uk_cold_words_per_cpu_s"] = round(max(rate(uk, True) for _ in range(3)))
        figures["eu_cold_words_per_cpu_s"] = round(max(rate(eu, True) for _ in range(3)))
    print(json.dumps({args.label: figures}))
    RESULTS.parent.mkdir(exist_ok=True)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[args.label] = figures
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
