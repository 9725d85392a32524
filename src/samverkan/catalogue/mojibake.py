"""Text that a source damaged on the way, repaired at the importers' door.

The patterns met in the real data (``shared/data``; counts of names in the README of this
change and in ``docs/architecture.md``):

* UTF-8 read as Mac Roman: CORDIS ``organization.csv`` cities ``"G√ñTEBORG"`` (``GÖTEBORG``),
  ``"D√ºsseldorf"``;
* UTF-8 read as Windows-1252 (or Latin-1): ``"RMGÂ®"`` (``RMG®``), ``"Ã¶"`` (``ö``);
* HTML character references, sometimes escaped twice: the JRC hub catalogue's
  ``"l&#39;Energia"``, ``"R&amp;D"``, ``"Lule&amp;#229;"`` (``Luleå``);
* letters lost for good: a replacement character (``"FORSKNINGSR�DET"``) or a question mark
  inside a word (``"Sto?eczne"``), where a file in one 8-bit code page was read as another.

:func:`repair` undoes the first three exactly (each run of damaged characters is re-encoded
and decoded only where that gives valid UTF-8). A lost letter cannot be decoded back: it is
restored only where a word list makes it certain
(:meth:`samverkan.catalogue.swedish.SwedishSpelling.restore_lost`), and otherwise shown as
:data:`LOST` — never as ``�``. :func:`damage` is the honest detector the tests run over
every name.
"""

from __future__ import annotations

import html
import re
import unicodedata

LOST = "?"  # how a letter the source lost is shown when it cannot be restored
REPLACEMENT = "\ufffd"

# a character reference with its semicolon ("&#229;", "&#xE5;", "&amp;"); html.unescape alone
# would also read "&para" in "R&paradigm" as "¶"
_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]{2,}")
_LOST_LETTER = re.compile(r"(?<=\w)\?(?=\w)|\ufffd")
# Mac Roman and Windows-1252 renderings of the lead bytes of two- and three-byte UTF-8 letters
_MOJIBAKE = re.compile(r"√[^\x00-\x7f]|[ÃÂÅÄ][\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ¡-¿]|â€")
# the 8-bit code pages a UTF-8 text is read as: "√" and "¬" are Mac Roman's renderings of the lead
# bytes C3 and C2 ("G√ñTEBORG"); "Ã", "Â", "Å", "Ä" and "â" are Windows-1252's and Latin-1's
_MAC_ROMAN_LEADS = frozenset("√¬")


def repair(text: str) -> str:
    """``text`` with character references resolved and UTF-8 read in the wrong code page
    decoded; a lost letter (``�``) becomes :data:`LOST`. Clean text comes back unchanged.

    ``"G√ñTEBORG"`` → ``"GÖTEBORG"``; ``"Lule&amp;#229;"`` → ``"Luleå"``;
    ``"RMGÂ® Gold"`` → ``"RMG® Gold"``; ``"FORSKNINGSR�DET"`` → ``"FORSKNINGSR?DET"``.
    """
    for _ in range(3):  # "&amp;#229;" is escaped twice
        if not _REFERENCE.search(text):
            break
        text = _REFERENCE.sub(lambda m: html.unescape(m.group(0)), text)
    if _MOJIBAKE.search(text):
        text = _NON_ASCII_RUN.sub(_decode_run, text)
    return text.replace(REPLACEMENT, LOST)


def _decode_run(match: re.Match[str]) -> str:
    """A run of non-ASCII characters decoded back, if it is UTF-8 read in one of the code pages
    and decodes to text without stray combining marks; else the run as it is."""
    run = match.group(0)
    code_pages = ("mac_roman",) if _MAC_ROMAN_LEADS & set(run) else ("cp1252", "latin-1")
    for code_page in code_pages:
        try:
            decoded = run.encode(code_page).decode("utf-8")
        except UnicodeError:
            continue
        if decoded != run and not any(unicodedata.combining(ch) for ch in decoded):
            return decoded
    return run


def lost_letters(text: str) -> list[int]:
    """Positions of letters the source lost (``�``, or ``?`` inside a word)."""
    return [m.start() for m in _LOST_LETTER.finditer(text)]


def damage(text: str) -> str | None:
    """What is wrong with ``text`` as shown to a reader, or ``None``: a replacement character,
    a character reference, UTF-8 read in another code page, or a control character."""
    if REPLACEMENT in text:
        return "replacement character"
    if _REFERENCE.search(text):
        return "character reference"
    if _MOJIBAKE.search(text):
        return "UTF-8 read as Mac Roman or Windows-1252"
    if any(ord(ch) < 32 and ch not in "\t\n" or 0x7F <= ord(ch) < 0xA0 for ch in text):
        return "control character"
    return None
