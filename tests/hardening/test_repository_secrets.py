"""The repository holds no secrets: keys and credentials come from configuration.

Scans every tracked text file for private keys and well-known credential shapes. A hit is
allowed only in a file that says, in its own text, that the value is a demo or test one
(a `DEMO`/`test-only` marker) — so a real key pasted by mistake fails CI, and a deliberate
fixture has to say what it is.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PATTERNS = {
    "PEM private key": re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abpr]-[A-Za-z0-9-]{10,}"),
    "private JWK": re.compile(r'"d"\s*:\s*"[A-Za-z0-9_-]{40,}"'),
    "AES key setting": re.compile(
        r"TOKEN_ENCRYPTION_KEYS\s*=\s*['\"]?\w+:[A-Za-z0-9+/]{40,}={0,2}"),
}
DEMO_MARKER = re.compile(r"\b(demo|test[- ]only|not a secret|example only)\b", re.I)


def tracked_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / name for name in out.decode().split("\0") if name]


def test_no_secrets_in_tracked_files():
    hits = []
    for path in tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for kind, pattern in PATTERNS.items():
            if pattern.search(text) and not DEMO_MARKER.search(text):
                hits.append(f"{path.relative_to(ROOT)}: {kind}")
    assert not hits, "secrets in the repository:\n" + "\n".join(hits)


def test_scanner_catches_a_pasted_key(tmp_path):
    body = "-----BEGIN " + "EC PRIVATE KEY-----\nMHcCAQEE...\n"
    assert PATTERNS["PEM private key"].search(body) and not DEMO_MARKER.search(body)


def test_runtime_secrets_are_untracked():
    """Signing keys, the token key and the demo clients' keys live under instance/, ignored."""
    tracked = {p.relative_to(ROOT).as_posix() for p in tracked_files()}
    assert not [p for p in tracked if p.startswith("instance/") and p != "instance/.gitkeep"]
