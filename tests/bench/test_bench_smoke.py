"""Smoke test of the benchmark: the in-process part in quick mode, a tiny repeat count.

Checks the result structure, the Markdown block, and that the benchmarked hook call was a
real 200 with cards. No timed assertions: figures on a shared machine are not test material.
"""
from __future__ import annotations

import json

import pytest

from bench import __main__ as bench_main
from bench.inprocess import STAGES
from bench.report import BEGIN, END
from bench.workload import SIZES


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    assert bench_main.main(["--quick", "--parts", "inprocess", "--repeat", "2", "--out", str(out)]) == 0
    return out, json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_every_size_is_a_real_200_with_cards(quick_results):
    _out, results = quick_results
    sizes = results["inprocess"]["sizes"]
    assert set(sizes) == set(SIZES) | {"order-sign"}       # the order-sign call beside patient-view's (issue 16)
    for name, sec in sizes.items():
        assert sec["resources"] == (SIZES[name] if name in SIZES else SIZES["typical"] + 1)
        assert sec["status"] == 200
        assert sec["card_count"] >= 1
        assert all(isinstance(s, str) and s for s in sec["card_summaries"])


def test_result_structure(quick_results):
    _out, results = quick_results
    sec = results["inprocess"]
    assert sec["meta"]["mode"] == "quick"
    for name, size in sec["sizes"].items():
        assert size["body_bytes"] > 0
        for stage in (*STAGES, "framework", "total"):
            stats = size["stages"][stage]
            assert stats["n"] == 2
            assert stats["median_ms"] >= 0 and stats["p95_ms"] >= stats["min_ms"] >= 0
        for key in ("decode", "encode", "total", "floor_app_total"):
            assert size["floor"][key]["n"] == 2
        assert size["ratio_to_floor"] > 0
        assert size["per_resource_us"] > 0
    assert sec["growth"]["per_resource_ratio_large_vs_typical"] > 0
    assert "load_json (service, strict)" in sec["decode_anatomy"]["parts"]


def test_markdown_block_between_markers(quick_results):
    out, _results = quick_results
    text = (out / "RESULTS.md").read_text(encoding="utf-8")
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    block = text[text.index(BEGIN):text.index(END)]
    assert "| **total** |" in block and "total / floor" in block


def test_unknown_part_is_refused():
    with pytest.raises(SystemExit):
        bench_main.parse_args(["--parts", "inprocess,nonsense"])
