"""Decoding: the logit filters, greedy and seeded sampling, stop strings, end tokens and streaming, with a fake
bigram model (a [V, V] logit table) over a character vocabulary."""
import argparse

import pytest
import torch

from nlpdive.decode import SamplingConfig, generate, next_tokens, process_logits
from nlpdive.errors import InputError
from nlpdive.options import add_options, given_options

CHARS = "abcdefgh"
A, B, C, D, E, F, G, H = range(8)


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def chars(ids):
    return "".join(CHARS[i] for i in ids)


def chain_table(chain, v=len(CHARS), high=5.0):
    """A table whose argmax after token i is chain[i]."""
    table = torch.zeros(v, v)
    for i, j in chain.items():
        table[i, j] = high
    return table


def random_table(seed=0, v=len(CHARS)):
    return torch.randn(v, v, generator=torch.Generator().manual_seed(seed)) * 2


def bigram(table, calls=None):
    """A step function: the logits after each row's last id; the cache is just those last ids."""

    def step(ids, cache):
        if calls is not None:
            calls.append((tuple(ids.shape), cache))
        last = ids[:, -1]                                                          # [B]
        return table[last], last.clone()

    return step


def run(table, prompt="a", on_text=None, end_id=None, **cfg):
    return generate(bigram(table), [CHARS.index(c) for c in prompt], SamplingConfig(**cfg), chars,
                    end_id=end_id, on_text=on_text)


def texts(results):
    return [r["text"] for r in results]


LOOP = chain_table({A: B, B: C, C: D, D: A})  # greedy: a -> bcdabcd...


def test_greedy_follows_the_argmax_chain_and_is_deterministic():
    out = run(LOOP, temperature=0, max_tokens=6, num_samples=3)
    assert texts(out) == ["bcdabc"] * 3
    assert run(LOOP, temperature=0, max_tokens=6) == run(LOOP, temperature=0, max_tokens=6)


def test_step_interface_prompt_first_then_one_token_with_the_returned_cache():
    calls = []
    generate(bigram(LOOP, calls), [A, B, C], SamplingConfig(temperature=0, max_tokens=3, num_samples=2), chars)
    assert [shape for shape, _ in calls] == [(2, 3), (2, 1), (2, 1)]  # no step after the last token
    assert calls[0][1] is None
    assert calls[1][1].tolist() == [C, C] and calls[2][1].tolist() == [D, D]


def test_same_seed_same_samples_other_seed_other_samples():
    table = random_table()
    first = texts(run(table, temperature=1.0, max_tokens=20, num_samples=4, seed=1))
    assert first == texts(run(table, temperature=1.0, max_tokens=20, num_samples=4, seed=1))
    assert first != texts(run(table, temperature=1.0, max_tokens=20, num_samples=4, seed=2))
    assert len(set(first)) > 1  # the rows of one batch are different samples


@pytest.mark.parametrize("filters", [dict(top_k=1), dict(top_p=1e-6), dict(min_p=0.999), dict(temperature=1e-4)])
def test_filters_at_their_extreme_equal_greedy(filters):
    table = random_table(3)
    greedy = texts(run(table, temperature=0, max_tokens=15, num_samples=3))
    assert texts(run(table, **{"temperature": 1.0, **filters}, max_tokens=15, num_samples=3, seed=0)) == greedy


def test_temperature_sharpens_towards_greedy():
    table = random_table(5)
    greedy = run(table, temperature=0, max_tokens=30)[0]["text"]

    def agreement(t):
        out = texts(run(table, temperature=t, max_tokens=30, num_samples=8, seed=0))
        return sum(a == b for text in out for a, b in zip(text, greedy))

    assert agreement(0.05) > agreement(2.0)


def test_repetition_penalty_stops_the_loop_on_a():
    table = torch.full((8, 8), 1.0) + 0.1 * torch.arange(8.0)  # every row prefers h, g, ... a little
    table[:, A] = 3.0                                         # ... but 'a' much more: a loop on 'a'
    assert run(table, temperature=0, max_tokens=6)[0]["text"] == "aaaaaa"
    text = run(table, temperature=0, max_tokens=6, repetition_penalty=4.0)[0]["text"]
    assert text == "hgfedc"  # every seen token is penalised, so the next unseen one wins


def test_repetition_penalty_divides_positive_and_multiplies_negative_seen_logits():
    logits = torch.tensor([[2.0, -1.0, 3.0, 0.5]])
    out = process_logits(logits, torch.tensor([[0, 1, 1]]), SamplingConfig(temperature=0, repetition_penalty=2.0))
    assert out.tolist() == [[1.0, -2.0, 3.0, 0.5]]  # id 1 twice in the history: penalised once
    assert logits.tolist() == [[2.0, -1.0, 3.0, 0.5]]  # the input is left alone


def test_top_k_top_p_min_p_keep_the_expected_tokens():
    logits = torch.tensor([[0.5, 0.3, 0.15, 0.05]]).log()

    def kept(**cfg):
        out = process_logits(logits, None, SamplingConfig(temperature=1.0, **cfg))
        return torch.isfinite(out)[0].tolist()

    assert kept(top_k=2) == [True, True, False, False]
    assert kept(top_p=0.7) == [True, True, False, False]   # 0.5 < 0.7 <= 0.5 + 0.3
    assert kept(top_p=0.85) == [True, True, True, False]
    assert kept(min_p=0.5) == [True, True, False, False]   # >= 0.25
    assert kept() == [True] * 4


def test_next_tokens_samples_with_the_generator():
    logits = torch.zeros(3, 50)
    cfg = SamplingConfig(temperature=1.0)
    draw = [next_tokens(logits, None, cfg, torch.Generator().manual_seed(7)).tolist() for _ in range(2)]
    assert draw[0] == draw[1]
    assert next_tokens(torch.eye(3) * 5, None, SamplingConfig(temperature=0), None).tolist() == [0, 1, 2]


def test_stop_string_across_tokens_cuts_the_text_and_never_streams():
    pieces = []
    out = run(LOOP, temperature=0, stop=["cda"], on_text=lambda i, p: pieces.append((i, p)))[0]
    assert out == {"text": "b", "tokens": 1, "finish_reason": "stop"}
    assert pieces == [(0, "b")]  # "c", "cd" were held back, then turned out to be the stop string


def test_a_held_back_start_that_is_no_stop_is_streamed_later():
    pieces = []
    out = run(LOOP, temperature=0, max_tokens=6, stop=("cdx", "zz"), on_text=lambda i, p: pieces.append(p))[0]
    assert out == {"text": "bcdabc", "tokens": 6, "finish_reason": "length"}
    assert pieces == ["b", "cda", "b", "c"]  # the last "c" is flushed at the end


def test_stop_inside_multi_character_tokens():
    vocab = ["<s>", "hi", " there", "!\n", "\nbye"]
    table = chain_table({0: 1, 1: 2, 2: 3, 3: 4, 4: 1}, v=len(vocab))
    pieces = []
    out = generate(bigram(table), [0], SamplingConfig(temperature=0, stop=("\n\n",)),
                   lambda ids: "".join(vocab[i] for i in ids), on_text=lambda i, p: pieces.append(p))[0]
    assert out == {"text": "hi there!", "tokens": 3, "finish_reason": "stop"}
    assert "".join(pieces) == out["text"] and "\n" not in "".join(pieces)


def test_stop_string_at_the_very_start():
    out = run(LOOP, temperature=0, stop=("b",))[0]
    assert out == {"text": "", "tokens": 0, "finish_reason": "stop"}


def test_end_token_ends_a_sample_and_is_not_in_the_text():
    table = chain_table({A: B, B: C, C: H})
    pieces = []
    out = run(table, temperature=0, end_id=H, stop=("cz",), on_text=lambda i, p: pieces.append(p))[0]
    assert out == {"text": "bc", "tokens": 2, "finish_reason": "end"}
    assert "".join(pieces) == "bc"  # the held-back "c" is flushed at the end


def test_max_tokens_gives_length_with_exactly_that_many_tokens():
    out = run(random_table(), temperature=1.0, max_tokens=7, num_samples=4, seed=0)
    assert len(out) == 4
    assert all(r["finish_reason"] == "length" and r["tokens"] == 7 and len(r["text"]) == 7 for r in out)


def test_finished_rows_are_ignored_while_others_go_on():
    table = random_table(1)
    table[:, H] += 1.0  # the end token is likely, so samples end at different steps
    out = run(table, temperature=1.0, max_tokens=12, num_samples=8, seed=0, end_id=H)
    reasons = {r["finish_reason"] for r in out}
    assert reasons == {"end", "length"}
    assert all("h" not in r["text"] and r["tokens"] == len(r["text"]) for r in out)


def test_streamed_pieces_add_up_to_each_sample_text():
    streamed = {}
    out = run(random_table(2), temperature=1.0, max_tokens=25, num_samples=4, seed=3, stop=("ab", "ccc"),
              on_text=lambda i, p: streamed.__setitem__(i, streamed.get(i, "") + p))
    for i, r in enumerate(out):
        assert streamed.get(i, "") == r["text"]
        assert "ab" not in r["text"] and "ccc" not in r["text"]


def test_multi_byte_characters_stream_whole():
    e_acute = list("é".encode())                                                # [0xC3, 0xA9]
    table = chain_table({ord("a"): e_acute[0], e_acute[0]: e_acute[1], e_acute[1]: ord("b"), ord("b"): ord("a")},
                        v=256)
    pieces = []
    out = generate(bigram(table), [ord("a")], SamplingConfig(temperature=0, max_tokens=9),
                   lambda ids: bytes(ids).decode("utf-8", errors="replace"), on_text=lambda i, p: pieces.append(p))
    assert out[0]["text"] == "ébaéba\ufffd"  # the last token starts a character that never finished
    assert pieces == ["é", "b", "a", "é", "b", "a", "\ufffd"]  # never a half character mid-stream


@pytest.mark.parametrize("bad,flag", [(dict(temperature=-1), "--temperature"), (dict(top_p=0), "--top-p"),
                                      (dict(top_p=1.5), "--top-p"), (dict(min_p=1.0), "--min-p"),
                                      (dict(top_k=0), "--top-k"), (dict(max_tokens=0), "--max-tokens"),
                                      (dict(repetition_penalty=0), "--repetition-penalty"),
                                      (dict(num_samples=0), "--num-samples"), (dict(seed=-1), "--seed"),
                                      (dict(max_tokens=2.5), "--max-tokens"), (dict(stop=("a", "")), "--stop")])
def test_invalid_configs_name_the_flag(bad, flag):
    with pytest.raises(InputError, match=flag):
        SamplingConfig(**bad)


def test_flags_are_generated_from_the_config():
    parser = argparse.ArgumentParser()
    add_options(parser, SamplingConfig)
    parser.add_argument("--stop", action="append", dest="stop")  # the one flag option() cannot generate
    args = parser.parse_args(["--temperature", "0", "--top-k", "5", "--stop", "\n", "--stop", "END"])
    cfg = SamplingConfig(**given_options(SamplingConfig, args))
    assert (cfg.temperature, cfg.top_k, cfg.stop, cfg.max_tokens) == (0, 5, ("\n", "END"), 200)
    assert SamplingConfig(stop="END").stop == ("END",)


def test_empty_prompt_is_an_input_error():
    with pytest.raises(InputError, match="prompt"):
        generate(bigram(LOOP), [], SamplingConfig(), chars)
