"""The task contract: what every task object (Classifier, WordEmbeddings, and the tasks to come) offers.

    task = SomeTask.fit(...)            # trains; returns the task object itself
    task.save(DIR)                      # a saved model directory (config.json + model.safetensors + JSON files)
    task = SomeTask.load(DIR)           # or nlpdive.load(DIR), which picks the class from config.json "task"
    task.evaluate(FILE, out_dir=None, **reader) -> dict of metrics
    task.verbs                          # the verbs it serves, e.g. ("predict",): the CLI and the HTTP server
    task.verb("predict")(texts, ...)    # dispatch on this declaration, never on guesses

The verbs, with the signature each task that serves one gives it:
    predict(texts, batch_size=..., **options) -> [{"label" | "labels", "probabilities"}]
    generate(prompt, max_tokens=..., on_text=None, ...) -> [{"text", "tokens", "finish_reason"}] (language models)
    translate(texts, beam=..., ...) -> [{"translation", ...}] (translation models)
    similar(word, topn=10) -> [(word, cosine)]               (word vectors)
    analogy(a, b, c, topn=1) -> [(word, cosine)]             (word vectors)
    embed(texts) -> array [N, D]                             (encoders)
"""
from nlpdive.errors import InputError

VERBS = ("predict", "generate", "translate", "similar", "analogy", "embed")


class Task:
    """Base class of task objects. A subclass sets `task` (the name saved in config.json) and `verbs` (a tuple of
    VERBS it serves) and implements fit (a classmethod returning the task object), save, load and evaluate."""

    task = None
    verbs = ()

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        unknown = set(cls.verbs) - set(VERBS)
        if unknown:
            raise TypeError(f"{cls.__name__}.verbs: unknown verbs {sorted(unknown)}; the verbs are {VERBS}")
        missing = [v for v in cls.verbs if not callable(getattr(cls, v, None))]
        if missing:
            raise TypeError(f"{cls.__name__} declares verbs it does not define: {missing}")

    @classmethod
    def fit(cls, *args, **kwargs):
        raise NotImplementedError

    def save(self, path):
        raise NotImplementedError

    @classmethod
    def load(cls, path):
        raise NotImplementedError

    def evaluate(self, path, out_dir=None, **reader):
        raise NotImplementedError

    def serves(self, verb):
        return verb in self.verbs

    def verb(self, name, where=None):
        """The bound method for verb `name`; an InputError when this task does not serve it."""
        if name not in self.verbs:
            served = ", ".join(self.verbs) or "none"
            raise InputError(f"a {self.task} model cannot {name} (it serves: {served})", path=where,
                             hint="use a model directory trained for this command")
        return getattr(self, name)
