"""Tiny pretrained-model directories for the fine-tuning tests, made offline: random weights saved by transformers'
save_pretrained with a real tokenizer (a WordPiece / byte-level BPE trained here on the bundled demo data, or the
real GPT-2 tokenizer from ../shared/data when present). Loading `gpt2` or `bert-base-uncased` by name is the same
code path (from_pretrained)."""
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / "src" / "nlpdive" / "demo"


def demo_sentences():
    lines = (DEMO / "mr_sample.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [line.rsplit("\t", 1) for line in lines]


def tiny_bert(path, vocab_size=800, hidden=32, layers=2, seed=0):
    """A 2-layer BERT with a WordPiece vocabulary learnt from the demo sentences."""
    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    hf = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    hf.normalizer = normalizers.BertNormalizer(lowercase=True)
    hf.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    hf.decoder = decoders.WordPiece()
    hf.train_from_iterator([t for t, _ in demo_sentences()],
                           trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=specials))
    hf.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", hf.token_to_id("[CLS]")), ("[SEP]", hf.token_to_id("[SEP]"))])
    tok = BertTokenizerFast(tokenizer_object=hf, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                            sep_token="[SEP]", mask_token="[MASK]")
    torch.manual_seed(seed)
    model = BertForMaskedLM(BertConfig(vocab_size=hf.get_vocab_size(), hidden_size=hidden, num_hidden_layers=layers,
                                       num_attention_heads=2, intermediate_size=2 * hidden,
                                       max_position_embeddings=64))
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return Path(path)


def tiny_gpt2(path, tokenizer_dir=None, vocab_size=400, seed=0, n_positions=128):
    """A 2-layer GPT-2 (64 dims) with the real GPT-2 tokenizer (`tokenizer_dir`: encoder.json + vocab.bpe) or a
    byte-level BPE learnt from the demo Shakespeare."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

    if tokenizer_dir is not None:
        from nlpdive.text.tokenizer import load_gpt2_tokenizer

        hf = load_gpt2_tokenizer(tokenizer_dir).hf
    else:
        from nlpdive.text.tokenizer import train_tokenizer

        text = (DEMO / "shakespeare.txt").read_text(encoding="utf-8").splitlines()
        hf = train_tokenizer(text, vocab_size=vocab_size, special_tokens=["<|endoftext|>"]).hf
    end = "<|endoftext|>"
    tok = GPT2TokenizerFast(tokenizer_object=hf, eos_token=end, bos_token=end, unk_token=end)
    torch.manual_seed(seed)
    model = GPT2LMHeadModel(GPT2Config(n_layer=2, n_embd=64, n_head=2, n_positions=n_positions,
                                       vocab_size=hf.get_vocab_size(), bos_token_id=tok.eos_token_id,
                                       eos_token_id=tok.eos_token_id))
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return Path(path)
