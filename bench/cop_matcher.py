"""Benchmark: the payee-name matcher alone, first-seen decisions per CPU-second (one core).

    .venv/bin/python bench/cop_matcher.py [--pairs 20000] [--label NAME] [--cold-words]

"First seen": every cache of the matcher is emptied before each run and every pair of the run
is new (no held name with the same entered name twice), so each decision pays for normalising
and parsing both names, as a check of an account nobody checked before does. Two workloads:
British-style personal names (the generator of `bench/cop.py`, repeated pairs left out), and EU
names (personal names with particles and diacritics, companies with national legal forms
written short, long or in front). The words of those names repeat, as words of real names do
(the matcher caches each word's folding); `--cold-words` also measures the worst case, every
cache emptied before each decision, so no word has been seen before.

The process is prepared as a gunicorn worker is (`gunicorn.conf.py`, `post_worker_init`): code
and tables loaded, then `gc.freeze()`, so the collector does not walk what lives as long as the
worker. Beside the matcher, the ceiling of `bench/ceiling.py` in the same process: the Flask
hello-world app called through WSGI, requests per CPU-second, so that a figure can be compared
across runs on a busy machine as a ratio. Each figure is the median of three runs, the three
workloads interleaved. Prints the figures and adds them, under `--label`, to
`bench/results/cop_matcher.json`. The product's floor is 20,000 decisions per CPU-second.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import random
import statistics
import sys
import time
from pathlib import Path

from werkzeug.test import EnvironBuilder

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))

from ceiling import PATH as CEILING_PATH  # noqa: E402
from ceiling import RUNS, ratio, write_results  # noqa: E402
from ceiling import create_app as hello_world_app  # noqa: E402

from cop.matching import Holder, clear_caches, decide  # noqa: E402

# bench/cop.py's generator of British-style names (its module name clashes with the package).
_spec = importlib.util.spec_from_file_location("bench_cop", ROOT / "bench" / "cop.py")
_bench_cop = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bench_cop)

RESULTS = ROOT / "bench" / "results" / "cop_matcher.json"
FLOOR = 20_000
HELLO_CALLS = 5_000

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


def uk_pairs(n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """`n` distinct (held name, entered name, "personal") pairs from bench/cop.py's generator."""
    seen: set[tuple[str, str]] = set()
    out = []
    i = 0
    while len(out) < n:
        _, typed = _bench_cop.entered(i, rng)
        pair = (_bench_cop.holder_name(i), typed)
        i += 1
        if pair not in seen:
            seen.add(pair)
            out.append((*pair, "personal"))
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


def hello_world_rate(app, environ: dict) -> float:
    """The ceiling: Flask hello-world requests per CPU-second, called through WSGI."""

    def start_response(status, headers, exc_info=None):
        return None

    cpu = time.process_time()
    for _ in range(HELLO_CALLS):
        b"".join(app(dict(environ), start_response))
    return HELLO_CALLS / (time.process_time() - cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=20_000)
    parser.add_argument("--label", default="current")
    parser.add_argument("--cold-words", action="store_true",
                        help="also measure with every word first seen (no per-word cache hits)")
    args = parser.parse_args()
    workloads = {"uk": uk_pairs(args.pairs, random.Random(7)),
                 "eu": eu_pairs(args.pairs, random.Random(11))}
    assert all(len(set(pairs)) == len(pairs) for pairs in workloads.values())
    app = hello_world_app()
    environ = EnvironBuilder(path=CEILING_PATH).get_environ()
    hello_world_rate(app, environ)  # Flask's first request builds what it keeps
    gc.collect()
    gc.freeze()  # as gunicorn.conf.py's post_worker_init does once the worker is loaded
    runs: dict[str, list[float]] = {}
    for _ in range(RUNS):  # interleaved, so the machine's load weighs on every figure alike
        runs.setdefault("hello_world", []).append(hello_world_rate(app, environ))
        for name, pairs in workloads.items():
            runs.setdefault(name, []).append(rate(pairs))
            if args.cold_words:
                runs.setdefault(f"{name}_cold_words", []).append(rate(pairs, True))
    median = {name: round(statistics.median(values)) for name, values in runs.items()}
    figures = {"pairs": args.pairs, "hello_world_per_cpu_s": median.pop("hello_world")}
    for name, value in median.items():
        key = f"{name}_first_seen_per_cpu_s" if name in workloads else f"{name}_per_cpu_s"
        figures[key] = value
        figures[f"{key}_runs"] = [round(v) for v in runs[name]]
        figures[f"{name}_to_hello_world"] = ratio(value, figures["hello_world_per_cpu_s"])
    print(json.dumps({args.label: figures}))
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.pop("targets", None)
    results[args.label] = figures
    write_results(RESULTS, results, {
        "first_seen_per_cpu_s_floor": FLOOR,
        "uk_at_floor": figures["uk_first_seen_per_cpu_s"] >= FLOOR,
        "eu_at_floor": figures["eu_first_seen_per_cpu_s"] >= FLOOR,
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
