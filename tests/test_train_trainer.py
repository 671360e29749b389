"""The Trainer in-process on a toy model: determinism, keep-best, early stopping, evaluation schedule,
accumulation, precisions, records on disk, and the errors users see."""
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "train_helpers"))

torch = pytest.importorskip("torch")
toy_train = pytest.importorskip("toy_train")

from nlpdive.errors import InputError  # noqa: E402


def _valid_loss(model):
    x, y = toy_train.make_data(32, seed=7).tensors
    model.eval()
    with torch.no_grad():
        return torch.nn.functional.cross_entropy(model(x), y).item()


def _flat(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def test_same_seed_same_metrics_and_weights():
    a, ra = toy_train.train(epochs=1)
    b, rb = toy_train.train(epochs=1)
    assert ra.history == rb.history
    assert torch.equal(_flat(a.model), _flat(b.model))


def test_keep_best_ends_with_the_best_weights():
    kept, result = toy_train.train(epochs=3)
    last, last_result = toy_train.train(epochs=3, keep_best=False)
    losses = [r["valid_loss"] for r in result.history]
    assert result.best["valid_loss"] == min(losses) != losses[-1]  # the toy run overfits in epoch 3
    assert _valid_loss(kept.model) == pytest.approx(min(losses), abs=1e-6)
    assert _valid_loss(last.model) == pytest.approx(losses[-1], abs=1e-6)


def test_early_stopping_on_a_maximised_metric():
    # valid_loss only falls at first, so "max" sees no improvement after the first evaluation
    _, result = toy_train.train(epochs=5, mode="max", patience=1)
    assert result.stopped_early and result.steps == 24 and len(result.history) == 2
    assert result.best["epoch"] == 1


def test_evaluates_every_n_steps_and_at_epoch_end():
    _, result = toy_train.train(epochs=2, eval_every=5)
    assert [r["step"] for r in result.history] == [5, 10, 12, 15, 20, 24]  # global step counts


def test_gradient_accumulation_matches_the_full_batch():
    full, _ = toy_train.train(epochs=1, dropout=0, batch_size=8)
    accum, result = toy_train.train(epochs=1, dropout=0, batch_size=8, accum=2)
    assert result.steps == 12
    torch.testing.assert_close(_flat(accum.model), _flat(full.model), atol=1e-5, rtol=0)


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_mixed_precision_on_cpu_trains(precision):
    trainer, result = toy_train.train(epochs=2, precision=precision, device="cpu")
    assert result.history[-1]["valid_loss"] < result.history[0]["train_loss"]
    assert trainer.scaler.is_enabled() == (precision == "fp16")


def test_sgd_with_linear_schedule_trains():
    _, result = toy_train.train(epochs=2, optimizer="sgd", schedule="linear", lr=0.1)
    assert result.history[-1]["valid_loss"] < result.history[0]["valid_loss"]


def test_run_directory_records(tmp_path):
    toy_train.train(tmp_path, epochs=2, log_every=5, checkpoint_every=5, keep_checkpoints=2)
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    train = [r for r in records if r["kind"] == "train"]
    assert [r["step"] for r in train] == [5, 10, 15, 20]
    assert all(r["examples_per_s"] > 0 and r["lr"] > 0 for r in train)
    assert [r["step"] for r in records if r["kind"] == "eval"] == [12, 24]
    assert (tmp_path / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["step-00000020", "step-00000024"]
    toy_train.train(tmp_path, epochs=1)  # a new run in the same directory starts a new record
    assert [p.name for p in (tmp_path / "checkpoints").iterdir()] == ["step-00000012"]
    assert len((tmp_path / "metrics.jsonl").read_text().splitlines()) == 1


def test_resume_errors_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no checkpoint"):
        toy_train.train(tmp_path / "empty", resume=True)
    toy_train.train(tmp_path / "run", epochs=1)
    weights = next((tmp_path / "run" / "checkpoints").iterdir()) / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(InputError, match="corrupt checkpoint"):
        toy_train.train(tmp_path / "run", resume=True)


def test_resume_with_another_model_is_an_input_error(tmp_path):
    toy_train.train(tmp_path, epochs=1)
    trainer = toy_train.Trainer(torch.nn.Linear(8, 3), toy_train.TrainConfig(), out_dir=tmp_path, resume=True)
    with pytest.raises(InputError, match="does not fit this model"):
        trainer.fit(toy_train.make_data(), toy_train.collate, toy_train.loss_fn)


def test_unknown_monitor_names_the_metrics():
    with pytest.raises(InputError, match="--monitor 'accuracy'.*valid_loss"):
        toy_train.train(epochs=1, monitor="accuracy")


def test_batch_smaller_than_accumulation_is_an_input_error():
    with pytest.raises(InputError, match="--batch-size 2"):
        toy_train.train(batch_size=2, accum=4)


def test_resume_with_another_batch_size_is_an_input_error(tmp_path):
    toy_train.train(tmp_path, epochs=1)
    with pytest.raises(InputError, match="--batch-size 16 differs from the checkpoint's 8"):
        toy_train.train(tmp_path, resume=True, batch_size=16)


def test_custom_evaluate_count_and_sampler(tmp_path):
    import numpy as np

    seen = []

    def evaluate(model, loader):
        seen.append((torch.is_grad_enabled(), model.training, len(loader)))
        return {"valid_loss": torch.tensor(0.5), "accuracy": np.float32(0.75)}

    def first_half(dataset, batch_size, epoch_seed, rank, world):  # a batch sampler that skips half the data
        return [list(range(i, i + batch_size)) for i in range(0, len(dataset) // 2, batch_size)]

    trainer = toy_train.Trainer(toy_train.Toy(), toy_train.TrainConfig(epochs=1, batch_size=8, log_every=2),
                                out_dir=tmp_path)
    result = trainer.fit(toy_train.make_data(), toy_train.collate, toy_train.loss_fn,
                         valid_data=toy_train.make_data(32, seed=7), evaluate_fn=evaluate,
                         batch_sampler_fn=first_half, count_fn=lambda b: 3 * len(b[0]), count_unit="tokens")
    assert seen == [(False, False, 4)]
    assert result.steps == 6 and result.best == {"step": 6, "epoch": 1, "train_loss": pytest.approx(
        result.history[0]["train_loss"]), "valid_loss": 0.5, "accuracy": 0.75}
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert all(r["tokens_per_s"] > 0 for r in records if r["kind"] == "train")
