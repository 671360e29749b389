"""Text normalisation: Unicode NFKC, HTML line breaks (IMDB's `<br />`) to spaces, optional lower-casing."""
import re
import unicodedata
from dataclasses import asdict, dataclass

_HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


@dataclass
class Normalizer:
    lower: bool = True
    nfkc: bool = True
    html_breaks: bool = True  # "<br />", "<br>", "<BR/>" -> " "

    def __call__(self, text):
        if self.nfkc:
            text = unicodedata.normalize("NFKC", text)
        if self.html_breaks and "<" in text:
            text = _HTML_BREAK.sub(" ", text)
        return text.lower() if self.lower else text

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, d):
        return cls(**d)
