"""The e-mails of accounts: in the recipient's language (every string of the accounts package has
its Swedish translation), the link in the text and the HTML, names escaped in the HTML."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from samverkan.accounts import letters
from samverkan.web import i18n

ACCOUNTS = Path(__file__).resolve().parents[2] / "src" / "samverkan" / "accounts"


def test_every_string_of_accounts_has_a_swedish_translation():
    found = {m for _f, _l, m, _c, _x in extract_from_dir(ACCOUNTS, [("**.py", "python")], keywords={"_": None})}
    assert "Confirm your e-mail address for samverkan" in found
    with i18n.catalogue_path("sv").open("rb") as po:
        translated = {m.id for m in read_po(po, locale="sv") if m.id and m.string and not m.fuzzy}
    assert not sorted(found - translated), "run scripts/i18n and translate"


def test_each_letter_carries_its_link_in_both_parts_and_escapes_names():
    link = "https://samverkan.example/account/confirm/abc"
    for language, greeting in (("sv", "Hej <b>Anna</b>!"), ("en", "Hello <b>Anna</b>,")):
        letter = letters.confirm(language, "<b>Anna</b>", link)
        assert greeting in letter.text and link in letter.text
        assert f'href="{link}"' in letter.html and "<b>Anna</b>" not in letter.html
        assert "&lt;b&gt;Anna&lt;/b&gt;" in letter.html
    invite = letters.invite("sv", "Alfa & Omega", "Anna", "editor", link)
    assert invite.subject == "Gå med i Alfa & Omega på samverkan"
    assert "som redaktör" in invite.text and "Alfa &amp; Omega" in invite.html
