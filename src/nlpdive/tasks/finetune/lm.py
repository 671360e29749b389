"""The fine-tuning recipe for language models, top to bottom (what `nlpdive finetune lm` runs): the
language-model recipe (tasks/lm/recipe.py) started from a pretrained model instead of a new one.

1. base        a Hugging Face causal LM (hub name or directory: AutoModelForCausalLM + its tokenizer; one without
               a pad token is fine: blocks need none), or an nlpdive language model (`nlpdive train lm`)
2. documents   text files are documents; CSV/TSV/JSONL files give one document per row (--text-column)
3. blocks      the documents joined with the end-of-text token, tokenised once, cut into --block-size windows
               (at most the model's context; default 256)
4. adapters    --lora R: LoRA adapters of rank R on the attention and MLP weights (peft), the rest frozen;
               --gradient-checkpointing for large models
5. training    the Trainer: AdamW (no decay on biases and norms), warm-up then cosine decay, clipping, bf16/fp16,
               DDP under torchrun; keep-best on validation loss; a time budget
6. metrics     validation loss, perplexity, bits per token and per character
7. save        a transformers directory, adapters merged (HF causal LMs), or an nlpdive lm directory
"""
from pathlib import Path

from nlpdive.errors import InputError
from nlpdive.tasks.finetune.config import FinetuneLMConfig, lm_train_defaults

DOCUMENTS_DIR = "documents"  # RUN/documents: the rows of tabular --data files as documents, for the tokeniser


def train(data, *, settings, valid=None, valid_split=None, train_cfg=None, out_dir="runs/finetune-lm",
          resume=False, encoding="utf-8"):
    """Fine-tune settings.base on `data` (files); saves the model in `out_dir` and returns its task object."""
    from nlpdive.tasks.lm import recipe
    from nlpdive.tasks.lm.config import VALID_SPLIT, LMConfig
    from nlpdive.train import TrainConfig, dist_info, select_device

    settings = settings if isinstance(settings, FinetuneLMConfig) else FinetuneLMConfig(**(settings or {}))
    device = select_device(train_cfg.device if train_cfg else "auto", dist_info().local_rank).type
    train_cfg = train_cfg or TrainConfig(**lm_train_defaults(settings, device))
    start = load_start(settings)                                                                   # 1.
    data = [data] if isinstance(data, (str, Path)) else list(data)
    data = documents(data, start.tokens, settings.text_column, encoding, out_dir)                  # 2.
    valid = documents([valid], start.tokens, settings.text_column, encoding, out_dir, "valid")[0] if valid else None
    return recipe.train(data, valid=valid, valid_split=valid_split or VALID_SPLIT, train_cfg=train_cfg,  # 3., 5.-7.
                        settings=LMConfig(model="gpt"), out_dir=out_dir, resume=resume, encoding=encoding, start=start)


def load_start(settings):
    """The recipe's Start: the base model, ready to train, and its tokens."""
    from nlpdive.tasks.lm.recipe import Start

    from nlpdive.tasks.finetune.hub import nlpdive_lm_dir

    if nlpdive_lm_dir(settings.base):
        return _nlpdive_start(Path(settings.base).expanduser(), settings, Start)
    return _hf_start(settings, Start)


def _nlpdive_start(path, settings, Start):
    """An nlpdive GPT or char-RNN from `nlpdive train lm`: its weights and tokens; the result is an lm model."""
    import nlpdive
    from nlpdive.tasks.lm.model import LanguageModel

    if settings.lora:
        raise InputError("--lora is for Hugging Face models", path=path, hint="drop --lora: nlpdive's own models "
                         "are small enough to fine-tune whole")
    base = nlpdive.load(path)
    if settings.block_size and settings.block_size != base.block_size:
        raise InputError(f"--block-size {settings.block_size}: an nlpdive model trains on with its own block size "
                         f"({base.block_size})", path=path, hint="drop --block-size")
    model = base.model.requires_grad_(True).train()
    return Start(model, base.model_class, base.model_cfg, base.tokens, key=f"nlpdive:{Path(path).resolve()}",
                 make=lambda m: LanguageModel(m, base.model_class, base.model_cfg, base.tokens, settings=None))


def _hf_start(settings, Start):
    """A transformers causal LM (+ LoRA adapters) in nlpdive's LM interface (models/hf.CausalLM)."""
    from transformers import AutoModelForCausalLM

    from nlpdive.models.hf import CausalLM
    from nlpdive.tasks.finetune.causal import MODEL_CLASS, HFLanguageModel, HFTokens
    from nlpdive.tasks.finetune.hub import from_pretrained, load_tokenizer, model_max_length, resolve_base

    if settings.base is None:
        raise InputError("--base is required", hint="e.g. --base gpt2")
    base, local = resolve_base(settings.base)
    tok = load_tokenizer(base, local)
    hf = from_pretrained(AutoModelForCausalLM, base, local, use_safetensors=True)
    context = model_max_length(hf.config, tok)
    block = settings.block_size or min(context, 256)
    if block > context:
        raise InputError(f"--block-size {block} exceeds the model's context of {context} tokens",
                         hint=f"use --block-size {context} or less")
    if settings.gradient_checkpointing:
        hf.gradient_checkpointing_enable()
        hf.config.use_cache = False
    if settings.lora:
        hf = with_lora(hf, settings)
    tokens = HFTokens(tok)
    model_cfg = {"block_size": block, "base": str(settings.base)}
    return Start(CausalLM(hf, block), MODEL_CLASS, model_cfg, tokens, key=f"hf:{settings.base}",
                 make=lambda m: HFLanguageModel(m, MODEL_CLASS, model_cfg, tokens, settings=settings))


def with_lora(hf, settings):
    """peft's LoRA adapters of rank settings.lora on the model's attention and MLP weights (peft's per-architecture
    default targets; every linear layer where it has none); only the adapters train."""
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError:
        raise InputError("--lora needs the peft library", hint="pip install peft") from None
    cfg = dict(r=settings.lora, lora_alpha=settings.lora_alpha or 2 * settings.lora, lora_dropout=settings.lora_dropout,
               task_type="CAUSAL_LM")
    try:
        return get_peft_model(hf, LoraConfig(**cfg))
    except ValueError:  # no default target modules for this architecture
        return get_peft_model(hf, LoraConfig(**cfg, target_modules="all-linear"))


def documents(paths, tokens, text_column, encoding, out_dir, name="train"):
    """Text files stay as they are (each a document); the rows of a CSV/TSV/JSONL file are documents, written to
    RUN/documents/ as one text file separated by the end-of-text token, for the recipe's tokeniser."""
    from nlpdive.data.files import detect_format
    from nlpdive.data.readers import read_texts

    out = []
    for i, path in enumerate(paths):
        if detect_format(path) == "txt" and text_column is None:
            out.append(path)
            continue
        if tokens.end_id is None:
            raise InputError("the model's tokenizer has no end-of-text token to separate the rows", path=path,
                             hint="give the text as a .txt file")
        texts = list(read_texts([path], encoding=encoding, text_column=text_column))
        if not texts:
            raise InputError("no text in the file", path=path, hint="check --text-column")
        folder = Path(out_dir) / DOCUMENTS_DIR if out_dir else Path(_tempdir())
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{name}-{i}.txt"
        target.write_text(_end_text(tokens).join(texts), encoding="utf-8")
        out.append(str(target))
    return out


def _end_text(tokens):
    text = getattr(tokens, "end_text", None)
    return text if text else tokens.tok.hf.id_to_token(tokens.end_id)


def _tempdir():
    import tempfile

    return tempfile.mkdtemp(prefix="nlpdive-finetune-")
