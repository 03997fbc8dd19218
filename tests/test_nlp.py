"""NAS-Bench-NLP: recipes, the space's moves and keys, the language model, token batches,
the perplexity benchmarks and proxies on language models."""

from __future__ import annotations

import csv
import json
import math
import zipfile

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nasearch import registry
from nasearch.benchmarks.nlp import NLPBenchmark, read_logs
from nasearch.interfaces import LanguageTask, get_task
from nasearch.language import language_batch, read_tokens, token_batch
from nasearch.scoring import ProxyScorer, compute_score
from nasearch.spaces import nlp_recipe
from nasearch.spaces.nlp import NLPSpace

SPACE = NLPSpace()
TINY = LanguageTask("tiny-lm", vocab_size=40, seq_len=6)
SMALL = NLPSpace(embedding_size=6, hidden_size=10)
RNN = {"f": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_0": {"op": "activation_tanh", "input": ["f"]}}
CELL = {  # a generator-valid cell with two hidden states, a sum and a blend
    "node_0": {"op": "linear", "input": ["x", "h_prev_0"]},
    "node_1": {"op": "activation_sigm", "input": ["node_0"]},
    "node_2": {"op": "linear", "input": ["node_1", "h_prev_1", "x"]},
    "node_3": {"op": "activation_tanh", "input": ["node_2"]},
    "node_4": {"op": "elementwise_sum", "input": ["node_3", "h_prev_1"]},
    "h_new_1": {"op": "blend", "input": ["node_1", "node_4", "node_3"]},
    "h_new_0": {"op": "elementwise_prod", "input": ["node_3", "node_1"]},
}


def wt2_logs(shared_data):
    with zipfile.ZipFile(shared_data / "nasbench-nlp" / "nasbenchnlp_wikitext2_logs.zip") as z:
        return [json.loads(z.read(n)) for n in z.namelist()]


def ptb_rows(shared_data):
    with (shared_data / "nasbench-nlp" / "ptb_recipes_from_wt2_derived.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


# --- recipes ------------------------------------------------------------------------------------

def test_every_recipe_round_trips_and_counts_the_benchmark_parameters(shared_data):
    logs, rows = wt2_logs(shared_data), ptb_rows(shared_data)
    assert len(logs) == 345 and len(rows) >= 312
    for log in logs:
        arch = SPACE.parse(log["recepie"])
        assert SPACE.format(arch) == log["recepie"]
        assert SPACE.num_params(arch, get_task("wikitext2")) == log["num_params"]
    for row in rows:
        arch = SPACE.parse(row["recepie"])
        assert SPACE.format(arch) == row["recepie"]
        assert SPACE.num_params(arch, get_task("ptb")) == int(row["ptb_trainable_params"])
        assert SPACE.is_valid(arch), SPACE.violations(arch)


def test_built_network_has_the_logged_parameter_count(shared_data):
    for log in wt2_logs(shared_data)[:: 69]:  # 5 cells; the experiment checks every one
        with torch.device("meta"):
            model = SPACE.build(SPACE.parse(log["recepie"]), get_task("wikitext2"))
        assert sum(p.numel() for p in model.parameters()) == log["num_params"]


def test_parse_errors_say_what_is_wrong():
    cases = {
        "not json": "JSON",
        json.dumps({"h_new_0": {"op": "conv", "input": ["x"]}}): "unknown op",
        json.dumps({"h_new_0": {"op": "activation_tanh", "input": ["y"]}}): "neither a node",
        json.dumps({"a": {"op": "activation_tanh", "input": ["x"]}}): "outputs h_new_0",
        json.dumps({"a": {"op": "elementwise_sum", "input": ["h_new_0", "x"]},
                    "h_new_0": {"op": "elementwise_sum", "input": ["a", "x"]}}): "cycle",
        json.dumps({"h_new_0": {"op": "blend", "input": ["x", "h_prev_0"]}}): "takes 3",
    }
    for text, message in cases.items():
        with pytest.raises(ValueError, match=message):
            SPACE.parse(text)


def test_generator_rules():
    assert SPACE.is_valid(SPACE.from_recipe(CELL)) and SPACE.is_valid(SPACE.from_recipe(RNN))
    gru = {"r": {"op": "linear", "input": ["x", "h_prev_0"]}, "r_act": {"op": "activation_sigm", "input": ["r"]},
           "h_new_0": {"op": "blend", "input": ["r_act", "h_prev_0", "r"]}}
    assert any("reads h_prev_0 directly" in v for v in SPACE.violations(SPACE.from_recipe(gru)))
    rng = np.random.default_rng(1)
    cells = [SPACE.sample(rng) for _ in range(30)]
    assert all(SPACE.is_valid(c) for c in cells)
    assert {nlp_recipe.parse_recipe(c.text).hidden for c in cells} == {1, 2, 3}


# --- isomorphism and moves ------------------------------------------------------------------------

def _renamed(recipe: dict, names: dict) -> dict:
    return {names.get(k, k): {"op": v["op"], "input": [names.get(s, s) for s in v["input"]]} for k, v in recipe.items()}


def test_isomorphic_recipes_share_a_key_and_different_ones_do_not():
    key = SPACE.canonical_key(SPACE.from_recipe(CELL))
    renamed = _renamed(CELL, {"node_0": "a", "node_1": "b", "node_3": "zz"})
    reordered = dict(reversed(list(renamed.items())))
    reordered["node_4"] = {"op": "elementwise_sum", "input": ["h_prev_1", "node_3" if "node_3" in renamed else "zz"]}
    for variant in (renamed, reordered):
        assert SPACE.canonical_key(SPACE.from_recipe(variant)) == key
    three = dict(CELL, h_new_2={"op": "activation_leaky_relu", "input": ["node_0"]})
    three["node_5"] = {"op": "linear", "input": ["h_prev_2", "x"]}
    three["node_6"] = {"op": "activation_tanh", "input": ["node_5"]}
    three["h_new_2"] = {"op": "elementwise_sum", "input": ["node_6", "node_1"]}
    swapped = _renamed(three, {"h_prev_1": "h_prev_2", "h_prev_2": "h_prev_1", "h_new_1": "h_new_2", "h_new_2": "h_new_1"})
    assert SPACE.canonical_key(SPACE.from_recipe(swapped)) == SPACE.canonical_key(SPACE.from_recipe(three))
    different = [
        dict(CELL, node_0={"op": "linear", "input": ["h_prev_0", "x"]}),  # linear inputs keep their order
        dict(CELL, h_new_1={"op": "blend", "input": ["node_4", "node_1", "node_3"]}),  # so do blend's
        dict(CELL, node_3={"op": "activation_sigm", "input": ["node_2"]}),
        _renamed(CELL, {"h_new_0": "h_new_1", "h_new_1": "h_new_0"}),  # slot 0 is the output
    ]
    keys = {SPACE.canonical_key(SPACE.from_recipe(d)) for d in different}
    assert len(keys) == len(different) and key not in keys
    assert SPACE.edit_distance(SPACE.from_recipe(CELL), SPACE.from_recipe(reordered)) == 0


def test_isomorphic_logs_trained_alike(shared_data):
    """Logs whose recipes share a key are one network: their losses agree to seed noise."""
    groups: dict[str, list[float]] = {}
    for log in wt2_logs(shared_data):
        if log["status"] == "OK":
            groups.setdefault(SPACE.canonical_key(SPACE.parse(log["recepie"])), []).append(log["test_losses"][-1])
    spreads = [max(v) - min(v) for v in groups.values() if len(v) > 1]
    everything = [v[0] for v in groups.values()]
    assert len(spreads) >= 40 and np.median(spreads) < 0.02 < np.std(everything)


def test_moves_are_at_the_edit_distance_they_claim():
    rng = np.random.default_rng(0)
    arch = SPACE.from_recipe(CELL)
    neighbours = SPACE.neighbours(arch)
    assert neighbours and all(SPACE.is_valid(n) and SPACE.edit_distance(arch, n) == 1 for n in neighbours)
    for distance in (1, 2, 3):
        child = SPACE.mutate(arch, rng, distance)
        assert SPACE.is_valid(child) and SPACE.edit_distance(arch, child) == distance
        assert SPACE.edit_distance(child, arch) == distance


# --- the network and token batches ----------------------------------------------------------------

def test_language_batch_targets_are_the_next_tokens(tmp_path):
    batch = language_batch("uniform", TINY, 4, seed=3)
    assert batch.inputs.shape == (4, 6) and batch.labels.shape == (24,)
    text = tmp_path / "corpus.txt"
    text.write_text("a b c\nb c d e\n" * 20)
    tokens, vocab = read_tokens(text)
    assert list(vocab) == ["a", "b", "c", "<eos>", "d", "e"] and list(tokens[:5]) == [0, 1, 2, 3, 1]
    batch = language_batch(str(text), TINY, 3)
    rows = torch.as_tensor(tokens[: len(tokens) // 3 * 3].reshape(3, -1))
    assert torch.equal(batch.inputs, rows[:, :6])
    assert torch.equal(batch.labels.view(3, 6), rows[:, 1:7])
    with pytest.raises(ValueError, match="token ids must lie"):
        token_batch(np.arange(100), TINY, 2)
    with pytest.raises(ValueError, match="uniform, zipf"):
        language_batch("grey", TINY, 2)


def test_network_output_matches_targets_and_trains():
    model = SMALL.build(SMALL.from_recipe(CELL), TINY)
    batch = language_batch("zipf", TINY, 5)
    logits = model(batch.inputs)
    assert logits.shape == (30, 40)
    loss = F.cross_entropy(logits, batch.labels)
    loss.backward()
    assert math.isfinite(loss.item()) and model.encoder.weight.grad is not None
    assert model.decoder.weight is model.encoder.weight


def test_constant_weights_make_every_unit_equal_and_the_narrow_path_exact():
    model = SMALL.build(SMALL.from_recipe(CELL), TINY).double()
    proxy = registry.proxies.get("epsinas-lm", method="plain", dtype="float64")
    batch = language_batch("zipf", TINY, 5)
    plain = proxy.score(model, batch)
    narrow = registry.proxies.get("epsinas-lm", method="narrow", dtype="float64").score(model, batch)
    assert math.isfinite(plain) and narrow == pytest.approx(plain, rel=1e-9)
    with torch.no_grad():  # the symmetry itself: plain_outputs left the weights at 1e-3
        last = model.layer_outputs(batch.inputs, model.init_hidden(5, 1e-3))[-1]
    assert torch.allclose(last, last[..., :1].expand_as(last), rtol=1e-12, atol=0)


# --- benchmarks and orientation -------------------------------------------------------------------

def _log(recipe: dict, losses: list[float], status: str = "OK", rid: int = 1) -> dict:
    return {"recepie_id": rid, "recepie": json.dumps(recipe), "num_params": 0, "status": status,
            "train_losses": losses, "val_losses": [v + 0.1 for v in losses], "test_losses": losses,
            "wall_times": [10.0] * len(losses)}


def _fixture_logs(folder):
    folder.mkdir()
    cells = [RNN, CELL, dict(CELL, node_3={"op": "activation_leaky_relu", "input": ["node_2"]})]
    logs = [_log(cells[0], [6.0, 5.0]), _log(cells[1], [5.0, 4.5]), _log(cells[1], [5.0, 4.7], rid=2),
            _log(cells[2], [5.0, 4.0, math.nan], status="loss is nan!", rid=3)]
    for i, log in enumerate(logs):
        (folder / f"log_stats_model_{i}.json").write_text(json.dumps(log))
    return cells


def test_log_reader_and_benchmark_on_official_format_fixtures(tmp_path):
    cells = _fixture_logs(tmp_path / "logs")
    with zipfile.ZipFile(tmp_path / "logs.zip", "w") as z:
        for file in sorted((tmp_path / "logs").iterdir()):
            z.write(file, f"logs/{file.name}")
    assert read_logs(tmp_path / "logs") == read_logs(tmp_path / "logs.zip")
    bench = NLPBenchmark.from_logs(tmp_path / "logs.zip", "ptb")
    assert len(bench) == 3 and bench.higher_is_better is False
    rnn, cell, failed = (bench.train(SPACE.from_recipe(c)) for c in cells)
    assert rnn.test_accuracy == pytest.approx(math.exp(5.0)) and rnn.valid_accuracy == pytest.approx(math.exp(5.1))
    assert cell.test_accuracy == pytest.approx(math.exp(4.6))  # two runs averaged in loss
    assert math.isnan(failed.test_accuracy) and rnn.cost_seconds == 20.0
    assert not rnn.higher_is_better and rnn.fitness == pytest.approx(-rnn.valid_accuracy)
    best = NLPBenchmark.from_logs(tmp_path / "logs", "ptb", measure="best").train(SPACE.from_recipe(cells[2]))
    assert best.test_accuracy == pytest.approx(math.exp(4.0))
    with pytest.raises(KeyError, match="not a NAS-Bench-NLP training log"):
        (tmp_path / "logs" / "bad.json").write_text("{}")
        read_logs(tmp_path / "logs")


def test_searches_and_correlations_treat_perplexity_as_lower_is_better(tmp_path, capsys):
    from nasearch.cli import main
    from nasearch.loop import run_search

    cells = _fixture_logs(tmp_path / "logs")
    bench = NLPBenchmark.from_logs(tmp_path / "logs", "ptb")
    from nasearch.spaces.pool import PoolSpace

    strategy = registry.strategies.get("rs", space=PoolSpace(SPACE, bench.architectures()), seed=0)
    result = run_search(strategy, bench, 3)
    assert result.final_test == pytest.approx(math.exp(4.6))  # the lowest perplexity, not the highest
    # nparams grows from the RNN cell to CELL, and perplexity falls: a perfect positive correlation
    assert main(["correlate", "--space", "nlp", "--benchmark", str(tmp_path / "logs"), "--proxy", "nparams",
                 "--sample", "all", "--data", "uniform", "--batch-size", "2", "--no-store", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 2 and out["spearman"] == pytest.approx(1.0)


def test_reference_benchmarks(shared_data):
    wt2 = registry.benchmarks.get("nlp-wikitext2")
    assert len(wt2.records) == 345 and len(wt2) == 275 and wt2.task.vocab_size == 33_278
    results = [wt2.train(a) for a in wt2.architectures()]
    assert all(r.higher_is_better is False for r in results)
    assert min(r.test_accuracy for r in results if not math.isnan(r.test_accuracy)) == pytest.approx(91.908, abs=1e-3)
    ptb = registry.benchmarks.get("nlp-ptb")
    assert len(ptb.records) == 312 and len(ptb) == 254 and ptb.higher_is_better is False


# --- proxies on language models -------------------------------------------------------------------

def test_image_proxies_refuse_token_batches_clearly():
    batch = language_batch("uniform", TINY, 4)
    for name in ("naswot", "jacov", "epsinas", "zico"):
        with pytest.raises(ValueError, match="language task|epsinas-lm"):
            ProxyScorer(SMALL, registry.proxies.get(name), TINY, batch)
    with pytest.raises(ValueError, match="language"):
        ProxyScorer(registry.spaces.get("nb201"), registry.proxies.get("epsinas-lm"), get_task("cifar10"),
                    language_batch("uniform", TINY, 4))


@pytest.mark.parametrize("name", ["synflow", "grad_norm", "snip", "grasp", "fisher", "nparams", "epsinas-lm"])
def test_language_proxies_give_numbers(name):
    batch = language_batch("zipf", TINY, 4)
    value, _ = compute_score(SMALL, SMALL.from_recipe(CELL), TINY, registry.proxies.get(name), batch, seed=0)
    assert math.isfinite(value)
    if name == "nparams":
        assert value == SMALL.num_params(SMALL.from_recipe(CELL), TINY)


def test_pool_space_moves_inside_the_pool(shared_data):
    from nasearch.loop import run_search
    from nasearch.spaces.pool import PoolSpace

    bench = registry.benchmarks.get("nlp-wikitext2")
    pool = PoolSpace(SPACE, bench.architectures()[:12])
    rng = np.random.default_rng(0)
    parent = pool.sample(rng)
    child = pool.mutate(parent, rng)
    assert child in pool.cells and child != parent and pool.distances_from(parent).min() == 0
    strategy = registry.strategies.get("rea", space=pool, seed=0, population=4, tournament=2)
    assert len(run_search(strategy, bench, 6).trajectory) == 6


def test_cli_search_on_nlp_stays_inside_the_benchmark_cells(tmp_path, capsys):
    from nasearch.cli import main

    _fixture_logs(tmp_path / "logs")
    assert main(["search", "--space", "nlp", "--benchmark", str(tmp_path / "logs"), "--strategy", "rs",
                 "--budget", "3", "--rounds", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rounds"] == [pytest.approx(math.exp(4.6))]  # the lowest perplexity of the three cells
