"""Tokens for the normaliser: spaCy's Indonesian tokenizer, split once more into atoms.

spaCy (``spacy.blank("id")``: tokenizer only, no trained pipeline) gives tokens with their
offsets in the original text. Customers glue numbers and words ("3rb5ratus", "50k",
"Rp50.000,-", "3500an"), which spaCy keeps as one token; each token is therefore split
into atoms: a written number ("50.000", "1,3"), a run of letters, or one other character.
Every atom keeps its character offsets in the ORIGINAL text, so entities can point back.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

NUM = "num"
WORD = "word"
SYM = "sym"

_ATOM = re.compile(r"([0-9]+(?:[.,][0-9]+)*)|([^\W\d_]+)|(\S)")
# spaCy's tokenizer splits prefixes and suffixes off a token one at a time, copying the
# rest each time: quadratic in the length of a run without spaces (1,000 emoji: 190 ms).
# No word, number or identifier is that long, so such a run is split into atoms directly.
MAX_SPACY_TOKEN = 64
_LONG_RUN = re.compile(r"\S{" + str(MAX_SPACY_TOKEN + 1) + ",}")

# spaCy adds every string it has seen to the pipeline's vocabulary, for good: every
# IDPEL, NIK, phone number, e-mail and typo of every customer, about 1 kB each (400,000
# random tokens: +378 MB). Past this many new entries the tokenizer is replaced by a fresh
# one, built in a background thread (spacy.blank takes about 3 s) while the old one serves.
VOCAB_GROWTH_LIMIT = 20_000

_nlp: Language | None = None
_base_vocab = 0
_replacing: threading.Thread | None = None
_nlp_lock = threading.Lock()


def _fresh() -> Language:
    import spacy

    return spacy.blank("id")


def tokenizer() -> Language:
    """The blank Indonesian spaCy pipeline, loaded once (lazily: importing spaCy is slow),
    and replaced when its vocabulary has grown by ``VOCAB_GROWTH_LIMIT``."""
    global _nlp, _base_vocab
    nlp = _nlp
    if nlp is None:
        with _nlp_lock:
            if _nlp is None:
                _nlp = _fresh()
                _base_vocab = len(_nlp.vocab)
            nlp = _nlp
    elif len(nlp.vocab) > _base_vocab + VOCAB_GROWTH_LIMIT:
        _replace_in_background()
    return nlp


def _replace_in_background() -> None:
    global _replacing
    with _nlp_lock:
        if _replacing is not None:
            return
        _replacing = threading.Thread(target=_replace, name="spacy-tokenizer-renewal",
                                      daemon=True)
    _replacing.start()


def _replace() -> None:
    global _nlp, _base_vocab, _replacing
    try:
        fresh = _fresh()
        with _nlp_lock:
            _nlp, _base_vocab = fresh, len(fresh.vocab)
    finally:
        with _nlp_lock:
            _replacing = None


def warm_up() -> None:
    """Load spaCy now rather than on the first message. Importing spaCy pulls in thinc
    and, through it, TensorFlow when installed (about 6 s here): call this at start-up
    of any process that reads messages (NLU component, action server)."""
    tokenizer()


@dataclass(frozen=True, slots=True)
class Atom:
    kind: str  # NUM, WORD or SYM
    text: str  # as written
    lower: str
    start: int  # offsets in the original text
    end: int


def _split(piece: str, offset: int) -> list[Atom]:
    found = []
    for match in _ATOM.finditer(piece):
        if match.group(1) is not None:
            kind = NUM
        elif match.group(2) is not None:
            kind = WORD
        else:
            kind = SYM
        atom = match.group(0)
        found.append(Atom(kind, atom, atom.lower(), offset + match.start(), offset + match.end()))
    return found


def plain_atoms(text: str) -> list[Atom]:
    """The atoms of ``text`` by the atom pattern alone, without spaCy: what reads digit
    runs where spaCy is not loaded (the masking of personal data in every log record)."""
    return _split(text, 0)


def atoms(text: str) -> list[Atom]:
    """The atoms of ``text`` in order (linear in its length: see MAX_SPACY_TOKEN)."""
    long_runs = [match.span() for match in _LONG_RUN.finditer(text)]
    masked = text
    for start, end in long_runs:  # spaces of the same length: the offsets stay right
        masked = masked[:start] + " " * (end - start) + masked[end:]
    result: list[Atom] = []
    for token in tokenizer().make_doc(masked):
        result += _split(token.text, token.idx)
    for start, end in long_runs:
        result += _split(text[start:end], start)
    if long_runs:
        result.sort(key=lambda atom: atom.start)
    return result


_SPACES = re.compile(r"\s*")


class Sentence:
    """A message as atoms, with the atoms already claimed by an earlier reading marked."""

    __slots__ = ("text", "atoms", "used", "about_money")

    def __init__(self, text: str, atomise: Callable[[str], list[Atom]] | None = None) -> None:
        self.text = text
        self.atoms = (atomise or atoms)(text)
        self.used = [False] * len(self.atoms)
        # the message is about an amount (an amount was asked, or it names stroom/token):
        # "gocap"/"cepek" can then only be 50.000/100.000
        self.about_money = False

    def __len__(self) -> int:
        return len(self.atoms)

    def gap(self, i: int) -> str:
        """The text between atom ``i - 1`` and atom ``i``."""
        return self.text[self.atoms[i - 1].end : self.atoms[i].start] if i > 0 else ""

    def spaced(self, i: int) -> bool:
        """Whether atom ``i`` follows atom ``i - 1`` with nothing but spaces between."""
        return 0 < i < len(self.atoms) and _SPACES.fullmatch(self.gap(i)) is not None

    def free(self, i: int) -> bool:
        return 0 <= i < len(self.atoms) and not self.used[i]

    def word(self, i: int) -> str | None:
        """The lower-case word at ``i`` when it is a free word atom, else None."""
        if 0 <= i < len(self.atoms) and not self.used[i] and self.atoms[i].kind == WORD:
            return self.atoms[i].lower
        return None

    def next_word(self, i: int) -> str | None:
        """The word at ``i`` when it follows atom ``i - 1`` after spaces only."""
        return self.word(i) if self.spaced(i) else None

    def claim(self, first: int, last: int) -> None:
        for k in range(first, last + 1):
            self.used[k] = True

    def span(self, first: int, last: int) -> tuple[int, int]:
        return self.atoms[first].start, self.atoms[last].end
