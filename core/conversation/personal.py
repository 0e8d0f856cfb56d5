"""Settings per person in a conversation: read them for each turn, answer "settings" and
"set ..." with the card of current values and its menus, save changes.

The card is a `Message` whose menus carry the words that choose each value, so Telegram's
buttons, Discord's select menus and the console's typed words all come back as one grammar
(`core.preferences.parse`).
"""

from __future__ import annotations

import dataclasses

from core import preferences as prefs
from core.conversation.turn import Menu, Message, Option, Turn
from core.ports import PreferenceStore
from core.preferences import Change, Preferences


class Personal:
    """Reads and changes the settings of the person behind a turn."""

    def __init__(self, store: PreferenceStore) -> None:
        self.store = store

    async def load(self, turn: Turn) -> Turn:
        """The turn with its person's settings, in the reply language they choose."""
        mine = await self.store.get_preferences(turn.key.person)
        return dataclasses.replace(turn, preferences=mine,
                                   language=mine.reply_language(turn.language))

    async def answer(self, turn: Turn, text: str, app_language: str) -> Message:
        """"settings" shows the card; "set default mood calm" saves, then shows it.
        `app_language` is the person's app language (the turn's before `load`)."""
        asked = prefs.parse(text) if text else None
        mine, language = turn.preferences, turn.language
        fields = prefs.fields_for(turn.key.platform)
        if isinstance(asked, (Change, prefs.Invalid)) and asked.field not in fields:
            return card(mine, language, prefs.one_way_text(turn.key.platform, language)
                        + "\n\n", turn.key.platform)  # nothing to save here
        if isinstance(asked, prefs.Unknown) and asked.said:
            return Message(prefs.unknown_text(asked, language, fields) + "\n\n"
                           + _how(language, fields), menus=menus(mine, language, fields))
        if isinstance(asked, prefs.Invalid):
            return Message(prefs.invalid_text(asked, language) + "\n\n"
                           + prefs.allowed_text(language, fields) + "\n\n"
                           + _how(language, fields), menus=menus(mine, language, fields))
        head = ""
        if isinstance(asked, Change):
            mine = prefs.apply(mine, asked)
            await self.store.save_preferences(turn.key.person, mine)
            language = mine.reply_language(app_language)  # a new language answers in it
            head = prefs.saved_text(asked, language) + "\n\n"
        return card(mine, language, head, turn.key.platform)


def card(mine: Preferences, language: str, head: str = "", platform: str = "") -> Message:
    """The current settings with a menu per setting (of those that mean something here)."""
    w = prefs.words(language)
    fields = prefs.fields_for(platform)
    lines = prefs.describe(mine, language, fields)
    if platform == "discord":  # says why there is no choice; the console just does not offer it
        lines.append(w["one_way"])
    shown = "\n".join("• " + line for line in lines)
    colon = "：" if language == "zh" else ":"
    return Message(f"{head}{w['title']}{colon}\n{shown}\n\n{_how(language, fields)}",
                   menus=menus(mine, language, fields))


def _how(language: str, fields: tuple[prefs.Field, ...]) -> str:
    """How to change them, with examples only of settings offered here."""
    return prefs.words(language)["how" if "delivery" in fields else "how_one_way"]


def menus(mine: Preferences, language: str,
          fields: tuple[prefs.Field, ...] = prefs.FIELDS) -> tuple[Menu, ...]:
    w = prefs.words(language)
    return tuple(
        Menu(w[field], tuple(
            Option(prefs.shown_value(field, value, language),
                   prefs.say(field, value, language),
                   chosen=getattr(mine, field) == value)
            for value in prefs.choices(field)))
        for field in fields)
