"""The fine-tuned encoder classifier: a Hugging Face encoder + classification head (models/hf.EncoderClassifier)
on the task contract. It is a Classifier (tasks/classify/classifier.py): predict, evaluate and score are the same
code, so `evaluate` and `predict` give what `train classify`'s give. Its directory is both an nlpdive model and a
transformers one: config.json + model.safetensors + the tokenizer files, which
AutoModelForSequenceClassification.from_pretrained(DIR) and AutoTokenizer.from_pretrained(DIR) load, beside
nlpdive's labels.json and metrics.json (config.json carries nlpdive's keys too)."""
import warnings
from dataclasses import asdict
from functools import partial
from pathlib import Path

import numpy as np

from nlpdive.errors import InputError

from nlpdive.tasks.classify.classifier import Classifier, _bucket_sampler, _collate_labelled, _evaluate_loader
from nlpdive.tasks.classify.labels import label_scheme
from nlpdive.tasks.finetune.config import FinetuneClassifyConfig, classify_train_defaults
from nlpdive.tasks.finetune.hub import (INSTALLED_ENCODER, from_pretrained, load_tokenizer, model_max_length,
                                        resolve_base)

MODEL_CLASS = "EncoderClassifier"
MAX_BATCH = 64  # texts per forward pass when predicting


class EncoderTokens:
    """The features of an encoder: its tokenizer's ids (with its special tokens), cut to `max_length`; batches
    are padded to their longest text (dynamic padding) with an attention mask."""

    def __init__(self, tokenizer, max_length):
        self.tok, self.max_length = tokenizer, int(max_length)

    @property
    def size(self):
        return len(self.tok)

    def items(self, texts, what="texts"):
        """Token ids per text; texts longer than max_length are cut by the tokenizer (keeping its end token), and
        a warning says how many."""
        texts = [t if isinstance(t, str) else "" for t in texts]
        ids = self.tok(texts, truncation=False, verbose=False)["input_ids"]
        long = [i for i, x in enumerate(ids) if len(x) > self.max_length]
        if long:
            cut = self.tok([texts[i] for i in long], truncation=True, max_length=self.max_length)["input_ids"]
            for i, x in zip(long, cut):
                ids[i] = x
            warnings.warn(f"{len(long)} of {len(ids)} {what} are longer than {self.max_length} tokens and were cut "
                          "to that length (--max-length)")
        return ids

    @staticmethod
    def lengths(items):
        return np.fromiter((len(x) for x in items), dtype=np.int64, count=len(items))

    def collate(self, items):
        """(input_ids [B, T], attention_mask [B, T]) padded to the batch's longest."""
        import torch

        width = max((len(x) for x in items), default=1)
        ids = torch.full((len(items), width), self.tok.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(items), width), dtype=torch.long)
        for i, x in enumerate(items):
            ids[i, :len(x)] = torch.as_tensor(x, dtype=torch.long)
            mask[i, :len(x)] = 1
        return ids, mask


class EncoderClassifier(Classifier):
    """Made by `nlpdive.tasks.finetune.train_classifier` (the recipe), `EncoderClassifier.fit` or
    `nlpdive.load(DIR)`."""

    task = "finetune-classify"
    verbs = ("predict",)

    @classmethod
    def fit(cls, texts, labels, settings=None, train_cfg=None, valid=None, out_dir=None, resume=False, log=None,
            label_names=None, prepared=None):
        """Fine-tune settings.base on texts + labels (the arguments of Classifier.fit)."""
        import torch
        from transformers import AutoModelForSequenceClassification

        from nlpdive.models.hf import EncoderClassifier as Net
        from nlpdive.train import TrainConfig, Trainer

        settings = settings or FinetuneClassifyConfig()
        train_cfg = train_cfg or TrainConfig(**classify_train_defaults(settings))
        scheme = label_scheme(settings)
        label_map = scheme.label_map(labels, label_names)
        y = scheme.encode(label_map, labels)
        base, local = resolve_base(settings.base)
        tok = load_tokenizer(base, local)
        torch.manual_seed(train_cfg.seed)  # the new head's initialisation
        names = label_map.labels
        hf = from_pretrained(AutoModelForSequenceClassification, base, local, num_labels=len(names),
                             id2label=dict(enumerate(names)), label2id={n: i for i, n in enumerate(names)},
                             problem_type="multi_label_classification" if settings.multi_label else
                             "single_label_classification", use_safetensors=True)
        if len(tok) > hf.get_input_embeddings().num_embeddings:  # a pad token was added
            hf.resize_token_embeddings(len(tok))
        hf.config.pad_token_id = tok.pad_token_id
        limit = model_max_length(hf.config, tok)
        feats = EncoderTokens(tok, min(settings.max_length, limit))
        try:
            net = Net(hf, settings.pooling)
        except ValueError as e:
            raise InputError(f"--pooling {settings.pooling}: {e}", hint="add --pooling cls") from None
        clf = cls(net, MODEL_CLASS, {"pooling": settings.pooling, "max_length": feats.max_length,
                                     "base": str(settings.base or INSTALLED_ENCODER)},
                  features=feats, labels=label_map, settings=settings)
        train_items = feats.items(texts, "training texts")
        groups = param_groups(net, settings, train_cfg)
        trainer = Trainer(net, train_cfg, out_dir=out_dir, resume=resume)
        criterion = scheme.loss(y, len(label_map), settings.class_weights).to(trainer.device)
        valid_data = None
        if valid is not None:
            valid_data = list(zip(feats.items(valid[0], "validation texts"),
                                  scheme.encode(label_map, valid[1]).tolist()))
        clf.train_result = trainer.fit(
            list(zip(train_items, y.tolist())), partial(_collate_labelled, feats.collate),
            loss_fn=lambda model, batch: criterion(model(*batch[:-1]), batch[-1]), valid_data=valid_data,
            evaluate_fn=partial(_evaluate_loader, criterion, scheme), param_groups=groups,
            batch_sampler_fn=partial(_bucket_sampler, feats.lengths(train_items)))
        net.cpu().eval()
        return clf

    def logits(self, texts, batch_size=MAX_BATCH):
        """Classifier.logits in batches of at most MAX_BATCH texts (sorted by length): a transformer's activations
        for more texts than that fall out of the CPU's caches (MR: 129 sentences/s at 64, 106 at 256)."""
        return super().logits(texts, min(batch_size, MAX_BATCH))

    # -- the saved model directory
    def save(self, path):
        from nlpdive.tasks.finetune.hub import save_hf_dir

        keys = {"task": self.task, "model": {"class": self.model_class, "config": self.model_cfg},
                "finetune": asdict(self.settings), "reader": self.reader}
        return save_hf_dir(path, lambda: self.model.hf, self.features.tok, keys,
                           {"labels.json": self.labels.to_dict(), "metrics.json": self.metrics})

    @classmethod
    def load(cls, path):
        from transformers import AutoModelForSequenceClassification

        from nlpdive.artifacts import read_json, reading
        from nlpdive.data import LabelMap
        from nlpdive.models.hf import EncoderClassifier as Net
        from nlpdive.tasks.finetune.hub import load_hf_dir

        path = Path(path)
        config, hf, tok, metrics = load_hf_dir(path, AutoModelForSequenceClassification)
        with reading(path / "config.json"):
            model_cfg = config["model"]["config"]
            settings = FinetuneClassifyConfig.from_saved(config["finetune"])
            reader = config.get("reader") or {}
            max_length, pooling = int(model_cfg["max_length"]), model_cfg["pooling"]
            net = Net(hf, pooling)
        with reading(path / "labels.json"):
            labels = LabelMap(read_json(path / "labels.json")["labels"])
            if len(labels) != hf.config.num_labels:
                raise ValueError(f"{len(labels)} labels but config.json has {hf.config.num_labels}")
        return cls(net, MODEL_CLASS, model_cfg, features=EncoderTokens(tok, max_length), labels=labels,
                   settings=settings, reader=reader, metrics=metrics)


def param_groups(net, settings, train_cfg):
    """AdamW groups: layer-wise learning rates (the head at --lr, each layer below at --layer-decay times the one
    above, the embeddings lowest), weight decay on matrices only (not biases or norms), and the layers below
    --train-layers frozen. Mean pooling leaves the pooler (if any) unused: frozen too, for DDP."""
    layers = net.layer_groups()  # [embeddings, layer 1, ..., layer L, head]
    n = len(layers) - 2
    trained_from = 0 if settings.train_layers == "all" else max(0, n - settings.train_layers) + 1
    pooler = getattr(net.hf.base_model, "pooler", None)
    unused = {id(p) for p in pooler.parameters()} if settings.pooling == "mean" and pooler is not None else set()
    groups = []
    for depth, params in enumerate(layers):
        trained = depth >= trained_from or depth == len(layers) - 1
        for p in params:
            p.requires_grad_(trained and id(p) not in unused)
        lr = train_cfg.lr * settings.layer_decay ** (len(layers) - 1 - depth)
        for decay, chosen in ((train_cfg.weight_decay, [p for p in params if p.requires_grad and p.dim() >= 2]),
                              (0.0, [p for p in params if p.requires_grad and p.dim() < 2])):
            if chosen:
                groups.append({"params": chosen, "weight_decay": decay, "lr": lr})
    return groups
