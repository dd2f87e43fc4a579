"""Every behaviour tag selects exactly the scenarios that carry it (`pytest -m uv_req_3`), and
every tag in the feature files is a registered marker."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from k1harness.behaviours import BEHAVIOURS, tag_of
from k1harness.plugin import EXTRA_MARKERS

ROOT = Path(__file__).resolve().parents[1]
FEATURES = sorted((ROOT / "features").glob("*.feature"))


def parse_features() -> dict[str, int]:
    counts: dict[str, int] = {}
    for feature in FEATURES:
        feature_tags: set[str] = set()
        tags: set[str] = set()
        current: set[str] | None = None
        in_examples = False
        for line in feature.read_text().splitlines():
            stripped = line.strip()
            if stripped.startswith("@"):
                tags |= set(re.findall(r"@(\w+)", stripped))
            elif stripped.startswith("Feature:"):
                feature_tags, tags = tags, set()
            elif stripped.startswith("Scenario Outline:"):
                current, tags, in_examples = tags | feature_tags, set(), False
            elif stripped.startswith("Scenario:"):
                for tag in tags | feature_tags:
                    counts[tag] = counts.get(tag, 0) + 1
                current, tags = None, set()
            elif stripped.startswith("Examples:"):
                in_examples = None  # the header row comes next
            elif stripped.startswith("|") and current is not None and in_examples is not False:
                if in_examples is None:
                    in_examples = True
                    continue
                for tag in current:
                    counts[tag] = counts.get(tag, 0) + 1
    return counts


def test_every_tag_in_the_features_is_a_registered_marker():
    known = {tag_of(b) for b in BEHAVIOURS} | set(EXTRA_MARKERS)
    used = set(parse_features())
    assert used and used <= known, sorted(used - known)


@pytest.mark.parametrize("tag", ["uv_req_3", "uv_sso_1", "uv_sec_1", "at_prov_2", "at_sso_3"])
def test_a_behaviour_tag_selects_exactly_its_scenarios(tag):
    expected = parse_features()[tag]
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", tag, "features"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    collected = [line for line in out.splitlines() if "::" in line]
    assert len(collected) == expected, out
