"""Beam search (nlpdive.decode.beam) with a fake trigram model: logits come from a table [V, V, V] indexed by
(the token before the last, the last token). The cache is the last ids [rows, 1] and reorder is cache[index], so a
wrong reorder feeds the wrong "token before" and changes the scores."""
import argparse
import math
import subprocess
import sys

import pytest
import torch

from nlpdive.decode import SamplingConfig, beam_search, generate
from nlpdive.decode.beam import BeamConfig, length_penalty
from nlpdive.errors import InputError
from nlpdive.options import add_options, given_options

BOS, END, A, B, C, D = range(6)
V = 6


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def trigram(table, calls=None, reorders=None):
    """step/reorder for a [V, V, V] (or bigram [V, V]) logit table."""
    if table.dim() == 2:
        table = table.expand(table.shape[0], *table.shape)

    def step(ids, cache):
        if calls is not None:
            calls.append((ids.clone(), cache))
        if cache is None:
            before = ids[:, -2] if ids.shape[1] > 1 else ids[:, -1]              # [rows]
        else:
            assert ids.shape[1] == 1 and cache.shape == (ids.shape[0], 1)
            before = cache[:, 0]
        return table[before, ids[:, -1]], ids[:, -1:].clone()                   # [rows, V], [rows, 1]

    def reorder(cache, index):
        if reorders is not None:
            reorders.append(index.clone())
        return cache[index]

    return step, reorder


def log_prob(table, start, tokens, end=True):
    """Independent scoring: the summed log-softmax of tokens (and END) after the start ids."""
    if table.dim() == 2:
        table = table.expand(table.shape[0], *table.shape)
    seq, total = list(start), 0.0
    for tok in list(tokens) + ([END] if end else []):
        before = seq[-2] if len(seq) > 1 else seq[-1]
        total += table[before, seq[-1]].log_softmax(-1)[tok].item()
        seq.append(tok)
    return total


def search(table, starts=((BOS,),), calls=None, reorders=None, end_id=END, source_lengths=None, **cfg):
    step, reorder = trigram(table, calls, reorders)
    return beam_search(step, reorder, torch.tensor(starts), BeamConfig(**cfg), end_id, source_lengths)


def probs_table(rows, v=V, rest=1e-4):
    """A bigram logit table from {token: {next: probability}}; unlisted next tokens get `rest`."""
    p = torch.full((v, v), rest)
    for i, row in rows.items():
        for j, q in row.items():
            p[i, j] = q
    return p.log()


def random_table(seed, v=V, trigram_=True):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*((v,) * (3 if trigram_ else 2)), generator=g) * 2


def greedy(table, start, max_tokens):
    seq = list(start)
    for _ in range(max_tokens):
        before = seq[-2] if len(seq) > 1 else seq[-1]
        tok = int((table if table.dim() == 3 else table[None].expand(V, V, V))[before, seq[-1]].argmax())
        if tok == END:
            break
        seq.append(tok)
    return seq[len(start):]


@pytest.mark.parametrize("alpha", [0.0, 1.0, 2.0])
def test_beam_1_is_greedy(alpha):
    for seed in range(6):  # ends after 0, 1, 3, 5 tokens or is cut at 8
        table = random_table(seed)
        table[:, :, END] -= 1.0
        (best,), = search(table, beam=1, max_tokens=8, length_penalty=alpha)
        assert best["tokens"] == greedy(table, [BOS], 8)
        ended = len(best["tokens"]) < 8  # 8 tokens: cut at max_tokens, no END scored
        assert best["log_prob"] == pytest.approx(log_prob(table, [BOS], best["tokens"], end=ended), abs=1e-5)
    # greedy stops at the first end token even when a longer hypothesis would score higher after the penalty
    (best,), = search(SHORT_LONG, beam=1, length_penalty=alpha)
    assert best["tokens"] == []
    bigram = random_table(7, trigram_=False)
    step, _ = trigram(bigram)
    def text(ids):
        return "".join("seabcd"[i] for i in ids)

    sampled, = generate(step, [BOS], SamplingConfig(temperature=0, max_tokens=8), text, end_id=END)
    (best,), = search(bigram, beam=1, max_tokens=8)
    assert best["tokens"] == greedy(bigram, [BOS], 8) and text(best["tokens"]) == sampled["text"]


# greedy takes A (0.5) but A's continuations are weak (END 0.34: 0.17 in all); B (0.4) then END (0.9) is 0.36
TRAP = probs_table({BOS: {A: 0.5, B: 0.4}, A: {END: 0.34, C: 0.33, D: 0.33}, B: {END: 0.9}, C: {END: 0.9},
                    D: {END: 0.9}})


def test_beam_finds_the_likelier_sequence_that_greedy_misses():
    (g,), = search(TRAP, beam=1, length_penalty=0)
    assert g["tokens"] == [A]
    (best,), = search(TRAP, beam=2, length_penalty=0)
    assert best["tokens"] == [B]
    lsm = TRAP.log_softmax(-1)
    assert best["log_prob"] == pytest.approx((lsm[BOS, B] + lsm[B, END]).item(), abs=1e-5)
    assert best["score"] == pytest.approx(best["log_prob"])  # no length penalty
    assert best["log_prob"] > g["log_prob"]


def test_n_best_gives_distinct_hypotheses_sorted_by_score():
    table = random_table(3)
    out, = search(table, beam=4, n_best=3, max_tokens=6)
    assert len(out) == 3
    assert len({tuple(h["tokens"]) for h in out}) == 3
    scores = [h["score"] for h in out]
    assert scores == sorted(scores, reverse=True)
    (best,), = search(table, beam=4, n_best=1, max_tokens=6)
    assert best == out[0]


# short: END at once (0.55, one scored token); long: A B C END (0.45 * 0.95 ** 3, four scored tokens)
SHORT_LONG = probs_table({BOS: {END: 0.55, A: 0.45}, A: {B: 0.95}, B: {C: 0.95}, C: {END: 0.95}}, rest=1e-5)


def test_length_penalty_decides_between_short_and_long():
    (short,), = search(SHORT_LONG, beam=2, length_penalty=0)
    assert short["tokens"] == []
    (long,), = search(SHORT_LONG, beam=2, length_penalty=2)
    assert long["tokens"] == [A, B, C]
    expected = log_prob(SHORT_LONG, [BOS], [A, B, C])
    assert long["log_prob"] == pytest.approx(expected, abs=1e-5)
    assert long["score"] == pytest.approx(expected / ((5 + 4) / 6) ** 2, abs=1e-5)  # GNMT, length 3 + END
    assert length_penalty(4, 2) == pytest.approx(2.25) and length_penalty(7, 0) == 1


# [] END: 0.6; [A] END: 0.3 * 0.5; [B C D] END: 0.1 * 0.999 ** 3, behind [A] after two tokens but ahead of it
# once divided by the length penalty (alpha 2): a bound that used the current length would stop too soon
LATE = probs_table({BOS: {END: 0.6, A: 0.3, B: 0.1}, A: {END: 0.5, BOS: 0.125, B: 0.125, C: 0.125, D: 0.125},
                    B: {C: 0.999}, C: {D: 0.999}, D: {END: 0.999}}, rest=1e-6)


def test_early_stop_bound_uses_the_maximum_length():
    out, = search(LATE, beam=2, n_best=2, length_penalty=2, max_tokens=6)
    assert [h["tokens"] for h in out] == [[], [B, C, D]]
    short, = search(LATE, beam=2, n_best=2, length_penalty=0, max_tokens=6)
    assert [h["tokens"] for h in short] == [[], [A]]


def test_batch_gives_each_input_its_own_answer_same_as_alone():
    table = random_table(11)
    table[:, :, END] += 1.5
    starts = [[BOS, A], [BOS, B], [C, D]]
    together = search(table, starts, beam=3, n_best=3, max_tokens=7)
    for start, hyps in zip(starts, together):
        alone, = search(table, [start], beam=3, n_best=3, max_tokens=7)
        assert [h["tokens"] for h in hyps] == [h["tokens"] for h in alone]
        assert [h["score"] for h in hyps] == pytest.approx([h["score"] for h in alone], abs=1e-5)
        for h in hyps:  # the reported log-prob is the model's: the cache followed each hypothesis
            ended = len(h["tokens"]) < 7
            assert h["log_prob"] == pytest.approx(log_prob(table, start, h["tokens"], end=ended), abs=1e-4)
    assert [h["tokens"] for h in together[0]] != [h["tokens"] for h in together[2]]


NO_END = probs_table({i: {A: 0.4, B: 0.3, C: 0.3} for i in range(V)}, rest=1e-9)


def test_max_len_ratio_and_max_tokens_bound_the_length():
    calls = []
    out = search(NO_END, [[BOS], [BOS]], calls=calls, beam=2, n_best=2, max_len_ratio=1.5, max_tokens=12,
                 source_lengths=[2, 10])
    assert {len(h["tokens"]) for h in out[0]} == {8}    # ceil(1.5 * 2) + 5
    assert {len(h["tokens"]) for h in out[1]} == {12}   # ceil(1.5 * 10) + 5 = 20, capped at 12
    assert len(calls) == 12  # one step per new token, none after the last
    (h,), = search(NO_END, beam=3, max_tokens=5)
    assert len(h["tokens"]) == 5
    assert h["log_prob"] == pytest.approx(log_prob(NO_END, [BOS], h["tokens"], end=False), abs=1e-5)
    assert h["score"] == pytest.approx(h["log_prob"] / length_penalty(5, 1.0))


ENDS_SOON = probs_table({i: {END: 0.99} for i in range(V)}, rest=0.002)


@pytest.mark.parametrize("alpha, most", [(0.0, 3), (1.0, 12)])
def test_early_stop_when_no_live_beam_can_win(alpha, most):
    calls = []
    out, = search(ENDS_SOON, calls=calls, beam=3, n_best=3, max_tokens=50, length_penalty=alpha)
    assert len(calls) <= most < 50
    assert out[0]["tokens"] == [] and len(out) == 3


def test_step_and_reorder_see_blocks_of_beam_rows():
    calls, reorders = [], []
    starts = [[BOS, A], [BOS, B], [C, D]]
    search(random_table(5), starts, calls=calls, reorders=reorders, beam=4, max_tokens=6, end_id=None)
    first, cache = calls[0]
    assert cache is None and first.tolist() == [s for s in starts for _ in range(4)]  # row i*4 + b is input i
    assert all(ids.shape == (12, 1) for ids, _ in calls[1:]) and len(calls) == 6
    assert len(reorders) == 5
    for index in reorders:
        assert index.dtype == torch.long and index.shape == (12,)
        assert (index // 4).tolist() == (torch.arange(12) // 4).tolist()


@pytest.mark.parametrize("kwargs, flag", [
    ({"beam": 0}, "--beam"), ({"beam": 2.5}, "--beam"), ({"beam": 2, "n_best": 3}, "--n-best"),
    ({"n_best": 0}, "--n-best"), ({"length_penalty": -1}, "--length-penalty"),
    ({"max_len_ratio": 0}, "--max-len-ratio"), ({"max_tokens": 0}, "--max-tokens")])
def test_invalid_configs_name_the_flag(kwargs, flag):
    with pytest.raises(InputError, match=flag):
        BeamConfig(**kwargs)


def test_flags_round_trip_and_no_torch_at_import():
    parser = argparse.ArgumentParser()
    add_options(parser, BeamConfig)
    cfg = BeamConfig(**given_options(BeamConfig, parser.parse_args(["--beam", "4", "--n-best", "2"])))
    assert (cfg.beam, cfg.n_best, cfg.length_penalty) == (4, 2, 1.0)
    code = "import sys, nlpdive.decode.beam; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
    assert math.isclose(BeamConfig().max_len_ratio, 1.5)


def test_finished_inputs_leave_the_batch():
    """Inputs done early (a short source here) stop being stepped; the others' results are those of searching
    each alone."""
    calls, reorders = [], []
    table = random_table(6)
    starts = [[BOS, A], [BOS, B], [C, D]]
    lengths = [1, 6, 2]  # at most 7, 14 and 8 new tokens
    together = search(table, starts, calls=calls, reorders=reorders, beam=3, n_best=2, end_id=None,
                      source_lengths=lengths)
    alone = [search(table, [s], beam=3, n_best=2, end_id=None, source_lengths=[n])[0]
             for s, n in zip(starts, lengths)]
    assert together == alone
    assert [len(t["tokens"]) for t in together[0]] == [7, 7] and len(together[1][0]["tokens"]) == 14
    rows = [ids.shape[0] for ids, _ in calls[1:]]
    assert rows[0] == 9 and rows[-1] == 3 and sorted(rows, reverse=True) == rows  # 3 inputs, then 2, then 1
    assert [len(i) for i in reorders] == rows
