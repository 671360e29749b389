"""The fine-tuned Hugging Face causal LM on the task contract: a LanguageModel (tasks/lm/model.py) whose model is
models/hf.CausalLM, so `generate` (decode/ with the model's KV cache, every sampling option) and `evaluate`
(loss, perplexity, bits per character) are the language-model task's own code. Its directory is a transformers
one (config.json + model.safetensors + generation_config.json + the tokenizer files, LoRA adapters merged) with
nlpdive's keys in config.json and metrics.json beside; adapter/ holds the LoRA adapters alone (peft's format)."""
from dataclasses import asdict
from pathlib import Path

from nlpdive.tasks.lm.model import LanguageModel
from nlpdive.tasks.lm.tokens import SubwordTokens

MODEL_CLASS = "CausalLM"


class HFTokens(SubwordTokens):
    """A transformers tokenizer as language-model tokens; documents are separated by its end-of-text token."""

    def __init__(self, hf_tokenizer):
        from nlpdive.text.tokenizer import SubwordTokenizer

        super().__init__(SubwordTokenizer(hf_tokenizer.backend_tokenizer))
        self.hf_tokenizer = hf_tokenizer
        if hf_tokenizer.eos_token_id is not None:
            self.end_id = hf_tokenizer.eos_token_id
        self.vocab_size = max(self.vocab_size, len(hf_tokenizer))

    @property
    def end_text(self):
        return None if self.end_id is None else self.hf_tokenizer.convert_ids_to_tokens(self.end_id)


class HFLanguageModel(LanguageModel):
    task = "finetune-lm"
    verbs = ("generate",)

    def __init__(self, model, model_class, model_cfg, tokens, metrics=None, settings=None):
        super().__init__(model, model_class, model_cfg, tokens, metrics=metrics, settings=None)
        self.finetune = settings  # FinetuneLMConfig

    @classmethod
    def fit(cls, *args, **kwargs):
        """Fine-tune on files: nlpdive.tasks.finetune.train_lm (the recipe)."""
        from nlpdive.tasks.finetune.lm import train

        return train(*args, **kwargs)

    def hf_model(self):
        """The plain transformers model: LoRA adapters merged into its weights."""
        hf = self.model.hf
        if hasattr(hf, "merge_and_unload"):  # a peft model
            hf = hf.merge_and_unload()
            self.model.hf = hf
        return hf

    def save(self, path):
        from nlpdive.tasks.finetune.hub import save_hf_dir

        adapters = None
        if hasattr(self.model.hf, "merge_and_unload"):  # LoRA: the adapters alone, in peft's format, first
            adapters = self.model.hf
        keys = {"task": self.task, "model": {"class": self.model_class, "config": self.model_cfg},
                "finetune_lm": asdict(self.finetune) if self.finetune else None}
        return save_hf_dir(path, self.hf_model, self.tokens.hf_tokenizer, keys, {"metrics.json": self.metrics},
                           before=adapters and (lambda tmp: adapters.save_pretrained(tmp / "adapter",
                                                                                     safe_serialization=True)))

    @classmethod
    def load(cls, path):
        from transformers import AutoModelForCausalLM

        from nlpdive.artifacts import reading
        from nlpdive.models.hf import CausalLM
        from nlpdive.tasks.finetune.config import FinetuneLMConfig
        from nlpdive.tasks.finetune.hub import load_hf_dir

        path = Path(path)
        config, hf, tok, metrics = load_hf_dir(path, AutoModelForCausalLM)
        with reading(path / "config.json"):
            model_cfg = config["model"]["config"]
            block = int(model_cfg["block_size"])
            settings = FinetuneLMConfig(**config["finetune_lm"]) if config.get("finetune_lm") else None
        return cls(CausalLM(hf, block), MODEL_CLASS, model_cfg, HFTokens(tok), metrics=metrics, settings=settings)
