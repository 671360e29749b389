"""The Classifier task object: model + features + labels, on the task contract (tasks/base.py). It serves
`predict`; `fit` trains on in-memory texts (the whole recipe with its hold-out is tasks/classify/recipe.py)."""
from dataclasses import asdict, replace
from functools import partial
from pathlib import Path

import numpy as np

from nlpdive.errors import InputError
from nlpdive.tasks.base import Task
from nlpdive.tasks.classify.config import ClassifyConfig, train_defaults
from nlpdive.tasks.classify.features import features_from_dict, fit_features
from nlpdive.tasks.classify.labels import label_scheme, unzip
from nlpdive.tasks.classify.model import add_vector_words, load_vectors, new_model

FILES = ("pipeline.json", "labels.json")


class Classifier(Task):
    """A trained text classifier. Made by `Classifier.fit`, `nlpdive.tasks.classify.train` or `nlpdive.load(DIR)`."""

    task = "classify"
    verbs = ("predict",)

    def __init__(self, model, model_class, model_cfg, *, features, labels, settings, reader=None, metrics=None):
        self.model, self.model_class, self.model_cfg = model.eval(), model_class, model_cfg
        self.features, self.labels, self.settings = features, labels, settings
        self.scheme = label_scheme(settings)
        self.reader = reader or {}  # the reader flags used in training (evaluate/predict default to them)
        self.metrics = metrics
        self.train_result = None

    # -- training
    @classmethod
    def fit(cls, texts, labels, settings=None, train_cfg=None, valid=None, out_dir=None, resume=False, log=None,
            label_names=None, prepared=None):
        """Train on texts + labels (any hashable labels, turned into strings; multi-label: a list of labels per
        text) for train_cfg.epochs. `train_cfg`: a TrainConfig (default: the recipe's for the model); `valid`:
        (texts, labels) for validation metrics, early stopping and keep-best; `out_dir`: the run directory
        (metrics.jsonl, loss.png, checkpoints); `log(message)`; `label_names`: every label, in order (default:
        those in `labels`); `prepared`: the bag of words' vectorized texts (features.prepare). Returns the
        Classifier."""
        import torch

        from nlpdive.train import TrainConfig, Trainer

        settings = settings or ClassifyConfig()
        train_cfg = train_cfg or TrainConfig(**train_defaults(settings))
        scheme = label_scheme(settings)
        vecs, settings = load_vectors(settings)
        label_map = scheme.label_map(labels, label_names)
        y = scheme.encode(label_map, labels)
        feats, train_items = fit_features(texts, y, settings, len(label_map), prepared)
        if vecs is not None and settings.family != "bow":
            add_vector_words(feats.pipeline, vecs)
        torch.manual_seed(train_cfg.seed)
        clf = cls(*new_model(settings, feats, len(label_map), vecs, log), features=feats, labels=label_map,
                  settings=settings)
        trainer = Trainer(clf.model, train_cfg, out_dir=out_dir, resume=resume)
        criterion = scheme.loss(y, len(label_map), settings.class_weights).to(trainer.device)
        # bow: plain shuffled batches (length buckets only save padding, which EmbeddingBag has none of, and their
        # length-correlated batches cost the linear model ~0.5 point on MR and SST-2)
        sampler = None if settings.family == "bow" else partial(_bucket_sampler, feats.lengths(train_items))
        valid_data = None
        if valid is not None:
            valid_data = list(zip(feats.items(valid[0]), scheme.encode(label_map, valid[1]).tolist()))
        clf.train_result = trainer.fit(
            list(zip(train_items, y.tolist())), partial(_collate_labelled, feats.collate),
            loss_fn=lambda net, batch: criterion(net(*batch[:-1]), batch[-1]),
            valid_data=valid_data, evaluate_fn=partial(_evaluate_loader, criterion, scheme), batch_sampler_fn=sampler)
        clf.model.cpu().eval()
        return clf

    # -- use
    def logits(self, texts, batch_size=256):
        """[N, C] float32 logits, in the order of `texts` (batches sorted by length internally)."""
        import torch

        items = self.features.items(list(texts))
        order = np.argsort(self.features.lengths(items), kind="stable")
        out = np.zeros((len(items), len(self.labels)), dtype=np.float32)
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                idx = order[start:start + batch_size]
                inputs = self.features.collate([items[i] for i in idx])
                out[idx] = self.model(*(t.to(device) for t in inputs)).float().cpu().numpy()
        return out

    def predict_proba(self, texts, batch_size=256):
        """[N, C] probabilities: a softmax over the classes; multi-label: each label's sigmoid."""
        return self.scheme.probabilities(self.logits(texts, batch_size))

    def predict(self, texts, batch_size=256, threshold=None):
        """[{"label": str, "probabilities": {label: p}}] per text; multi-label: {"labels": [each label whose
        probability reaches `threshold` (default: the model's)], "probabilities": {label: p}}."""
        if isinstance(texts, str):
            texts = [texts]
        threshold = self._threshold(threshold)
        return self.scheme.predictions(self.predict_proba(texts, batch_size), self.labels.labels, threshold)

    def score(self, texts, labels, batch_size=256, threshold=None):
        """Metrics on in-memory texts + labels (nlpdive.metrics: classification_metrics or multilabel_metrics)."""
        threshold = self._threshold(threshold)
        y = self.scheme.encode(self.labels, labels)
        return self.scheme.score(y, self.logits(texts, batch_size), self.labels.labels, threshold)

    def evaluate(self, path, out_dir=None, batch_size=256, threshold=None, **reader_kw):
        """Metrics on a labelled file (reader flags default to the training file's; every row counts, empty texts
        too); with `out_dir`, also metrics.json and confusion_matrix.png (single-label) there."""
        examples, _ = self.scheme.read(path, {**self.reader, **reader_kw}, training=False)
        metrics = {"data": str(path), **self.score(*unzip(examples, self.scheme), batch_size, threshold)}
        if out_dir is not None:
            write_metrics(metrics, out_dir)
        return metrics

    def _threshold(self, threshold):
        """The given threshold (multi-label models only), else the model's."""
        if threshold is None:
            return self.settings.threshold
        if not self.settings.multi_label:
            raise InputError("--threshold is for multi-label models", hint="leave it out")
        return replace(self.settings, threshold=threshold).threshold  # ClassifyConfig checks the range

    # -- the saved model directory
    def save(self, path):
        from nlpdive.artifacts import save_model_dir

        json_files = {"pipeline.json": self.features.to_dict(), "labels.json": self.labels.to_dict()}
        if self.metrics is not None:
            json_files["metrics.json"] = self.metrics
        return save_model_dir(path, task=self.task, model_config={"class": self.model_class, "config": self.model_cfg},
                              state_dict=self.model.state_dict(), json_files=json_files,
                              extra_config={"classify": asdict(self.settings), "reader": self.reader})

    @classmethod
    def load(cls, path):
        """The classifier saved in `path`; every file is checked (types, ranges, agreement with the weights), and
        any mismatch is an InputError naming the file."""
        from nlpdive.artifacts import load_weights, read_config, read_json, reading
        from nlpdive.data import LabelMap
        from nlpdive.models.registry import build_model, load_weights_into

        path = Path(path)
        config = read_config(path)
        with reading(path / "config.json"):
            model_class, model_cfg = config["model"]["class"], config["model"]["config"]
            settings = ClassifyConfig.from_saved(config.get("classify", {}))
            reader = config.get("reader") or {}
            if not isinstance(reader, dict):
                raise TypeError("'reader' must be an object")
        model = build_model(model_class, model_cfg, where=path / "config.json")
        load_weights_into(model, load_weights(path), where=path / "model.safetensors")
        with reading(path / "pipeline.json"):
            features = features_from_dict(read_json(path / "pipeline.json"))
            _check_size(features.size, model_cfg, ("n_features", "vocab_size"), "vocabulary/features")
        with reading(path / "labels.json"):
            names = read_json(path / "labels.json")["labels"]
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise TypeError("'labels' must be a list of strings")
            labels = LabelMap(names)
            _check_size(len(labels), model_cfg, ("n_classes",), "labels")
        metrics = read_json(path / "metrics.json") if (path / "metrics.json").exists() else None
        return cls(model, model_class, model_cfg, features=features, labels=labels, settings=settings,
                   reader=reader, metrics=metrics)


def _check_size(size, model_cfg, keys, what):
    """The file's count must be the model's (config.json and the weights agree already)."""
    expected = next((model_cfg[k] for k in keys if k in model_cfg), None)
    if expected is None:
        raise ValueError(f"the model in config.json has no {' or '.join(keys)}")
    if size != expected:
        raise ValueError(f"{size} {what} but the model in config.json has {expected}")


def write_metrics(metrics, out_dir):
    """out_dir/metrics.json + out_dir/confusion_matrix.png (single-label metrics)."""
    from nlpdive.artifacts import write_metrics as write_json_metrics
    from nlpdive.metrics import plot_confusion

    write_json_metrics(out_dir, metrics)
    if "confusion_matrix" in metrics:
        plot_confusion(metrics, Path(out_dir) / "confusion_matrix.png")


def _bucket_sampler(lengths, dataset, batch_size, epoch_seed, rank, world):
    from nlpdive.data import BucketSampler

    return BucketSampler(lengths, batch_size, seed=epoch_seed, num_replicas=world, rank=rank)


def _collate_labelled(collate, batch):
    """[(item, label)] -> (*model inputs, labels): class ids (ints) -> long [B]; multi-hot rows -> float [B, K]."""
    import torch

    items, labels = zip(*batch)
    return (*collate(list(items)), torch.tensor(labels))


def _evaluate_loader(criterion, scheme, model, loader):
    """Validation metrics for the Trainer (early stopping may monitor any of them): the loss and the scheme's
    metrics (accuracy, macro-F1; multi-label: micro- and macro-F1, subset accuracy, Hamming loss)."""
    total, preds, golds = 0.0, [], []
    for batch in loader:
        logits = model(*batch[:-1])
        total += criterion(logits, batch[-1]).item() * len(batch[-1])
        preds.append(scheme.batch_decisions(logits).cpu().numpy())
        golds.append(batch[-1].cpu().numpy())
    golds, preds = np.concatenate(golds), np.concatenate(preds)
    return {"valid_loss": total / max(1, len(golds)), **scheme.valid_metrics(golds, preds)}
