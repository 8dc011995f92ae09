"""Modal screens: the generated key help, a yes/no confirmation, an error/notice dialog,
the mode picker, and a typed answer (a new budget, a new name)."""

from __future__ import annotations

import re

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option


def binding_rows(app) -> list[tuple[str, str]]:
    """(keys, text) for every key of the view on screen (then the app's own), in declaration
    order; the text is the binding's tooltip (the longer form) or else its description.
    Bindings with the same action and description are merged into one row ("q / ^c")."""
    rows: list[tuple[str, str]] = []
    index: dict[str, int] = {}
    seen: set[str] = set()
    for binding in [*app.main_screen.BINDINGS, *app.BINDINGS]:
        if not isinstance(binding, Binding) or not binding.description or \
                binding.key in seen:
            continue
        seen.add(binding.key)
        keys = " / ".join(app.get_key_display(Binding(k.strip(), binding.action))
                          for k in binding.key.split(","))
        key = binding.action.removeprefix("app.") + "\0" + binding.description
        if key in index:
            old_keys, desc = rows[index[key]]
            rows[index[key]] = (f"{old_keys} / {keys}", desc)
        else:
            index[key] = len(rows)
            rows.append((keys, binding.tooltip or binding.description))
    return rows


def page_keys(*keys: tuple[str, str, str]) -> list[Binding]:
    """The keys of a full screen shown over another (the runs list, the compare view):
    (keys, action, footer label) each, then escape or q: back, last in the footer."""
    return [Binding(*key) for key in keys] + [Binding("escape,q", "back", "Back")]


class HelpScreen(ModalScreen[None]):
    """Every key of the view on screen, generated from its BINDINGS (never hand-maintained)."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 76; max-width: 95%; height: auto; max-height: 95%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    HelpScreen #help-title { text-style: bold; width: 100%; text-align: center; }
    HelpScreen #help-table { height: auto; }
    HelpScreen #help-hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close help", show=False),
    ]

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
        table.add_column(no_wrap=True, justify="right")
        table.add_column()
        for keys, description in binding_rows(self.app):
            table.add_row(Text(keys, style="bold #ffb74d"), description)
        with VerticalScroll():
            yield Static("rnn-tui keys", id="help-title")
            yield Static(table, id="help-table")
            yield Static("Every command is also in the command palette (ctrl+p). "
                         "Esc closes this help.", id="help-hint")


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; dismisses with True for y/Enter, False for n/Esc."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 60; height: auto; border: thick $warning; background: $surface; padding: 1 2;
    }
    ConfirmScreen #confirm-keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, id="confirm-question")
            yield Static("[b]y[/b] yes    [b]n[/b] / esc no", id="confirm-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class MessageScreen(ModalScreen[None]):
    """A dialog for errors (bad corpus, diverged run, a bug in the engine)."""

    DEFAULT_CSS = """
    MessageScreen { align: center middle; }
    MessageScreen > Vertical {
        width: 80%; max-width: 100; height: auto; max-height: 80%;
        border: thick $error; background: $surface; padding: 1 2;
    }
    MessageScreen #message-title { text-style: bold; color: $error; }
    MessageScreen #message-details { height: auto; max-height: 16; color: $text-muted; }
    MessageScreen #message-keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [Binding("escape,enter,q", "dismiss", "Close", show=False)]

    def __init__(self, title: str, text: str, details: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.details = details

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, id="message-title")
            yield Static(Text(self.text), id="message-text")
            if self.details:
                with VerticalScroll(id="message-details"):
                    yield Static(Text(self.details))
            yield Static("esc / enter close", id="message-keys")


class ModeScreen(ModalScreen[str]):
    """Pick what to train: any family's model or task. Dismisses with the key of the chosen
    entry (or None on Esc)."""

    DEFAULT_CSS = """
    ModeScreen { align: center middle; }
    ModeScreen > Vertical {
        width: 80; max-width: 95%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    ModeScreen #mode-title { text-style: bold; width: 100%; text-align: center; }
    ModeScreen OptionList { height: auto; max-height: 16; border: none; }
    ModeScreen #mode-hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape,q", "dismiss", "Cancel", show=False)]

    def __init__(self, entries: list[tuple[str, str]], current: str,
                 title: str = "What to train",
                 hint: str = "Enter picks (training restarts from fresh weights; the current "
                             "run is checkpointed) · Esc cancels",
                 greyed: set[str] | frozenset = frozenset()) -> None:
        super().__init__()
        # (not `disabled`: a Widget's own attribute, which would disable the whole screen)
        self.entries, self.current, self.greyed = entries, current, greyed
        self.title, self.hint = title, hint

    def compose(self) -> ComposeResult:
        options = [Option(("● " if key == self.current else "  ") + label, id=key,
                          disabled=key in self.greyed) for key, label in self.entries]
        with Vertical():
            yield Static(self.title, id="mode-title")
            yield OptionList(*options, id="mode-list")
            yield Static(self.hint, id="mode-hint")

    def on_mount(self) -> None:
        keys = [key for key, _ in self.entries]
        option_list = self.query_one(OptionList)
        option_list.highlighted = keys.index(self.current) if self.current in keys else 0
        option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class AskScreen(ModalScreen[object]):
    """A question answered by typing: `parse(text)` turns the answer into the result (a
    ValueError's message is shown and the dialog stays); Esc dismisses with None."""

    DEFAULT_CSS = """
    AskScreen { align: center middle; }
    AskScreen > Vertical {
        width: 70; max-width: 95%; height: auto; border: thick $accent;
        background: $surface; padding: 1 2;
    }
    AskScreen #ask-error { color: $error; height: auto; }
    AskScreen #ask-keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, question: str, parse, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.question, self.parse = question, parse
        self.value, self.placeholder = value, placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, id="ask-question")
            yield Input(self.value, placeholder=self.placeholder, id="ask-input")
            yield Static("", id="ask-error")
            yield Static("[b]enter[/b] ok    [b]esc[/b] cancel", id="ask-keys")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            answer = self.parse(event.value)
        except ValueError as exc:
            self.query_one("#ask-error", Static).update(Text(str(exc)))
            return
        self.dismiss(answer)

    def action_cancel(self) -> None:
        self.dismiss(None)


def parse_budget(text: str, step: int, elapsed_s: float) -> dict:
    """"500" (more steps), "5m", "90s", "1h" (more time) -> the continued run's budget as
    --resume options: total steps or total minutes, the other budget off."""
    m = re.fullmatch(r"\s*\+?\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|steps?)?\s*", text.lower())
    if not m:
        raise ValueError("type a number of steps (500) or a time (5m, 90s, 1h)")
    amount, unit = float(m.group(1)), (m.group(2) or "steps")
    if amount <= 0:
        raise ValueError("more than nothing, please")
    if unit.startswith("step"):
        if amount != int(amount):
            raise ValueError("a whole number of steps")
        return {"steps": step + int(amount), "minutes": None}
    minutes = amount / 60 if unit.startswith("s") else amount * 60 if unit == "h" else amount
    return {"minutes": round(elapsed_s / 60 + minutes, 4), "steps": None}
