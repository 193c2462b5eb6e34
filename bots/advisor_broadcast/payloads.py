"""Every button of the counsellor's bot: ``{"ab": action, ...}``, and the compose dialog's
Back/Cancel (``flow``; its steps are registered by handlers.py and audiences.py).

Ids and choices a handler checks itself are ``LooseInt``/``LooseStr``: a forged value arrives as
None and is answered by asking again.
"""

from __future__ import annotations

from core.bot import BackTo, Flow, LooseInt, LooseStr, Paging, Payload

from .shared import FLOW

KEY = "ab"


class Advisor(Payload, key=KEY):
    """The base of the bot's payloads (not a payload itself)."""


class Menu(Advisor, action="menu"): ...


class Cancel(Advisor, action="cancel"): ...


class Back(BackTo, Advisor, action="back"): ...


# --- composing ------------------------------------------------------------------------------
class New(Advisor, action="new"): ...


class School(Advisor, action="school"):
    id: LooseInt = None


class AudienceKind(Advisor, action="aud"):
    kind: LooseStr = None


class ToggleGroup(Advisor, action="grp"):
    id: LooseInt = None
    page: LooseInt = None  # the page it is on, shown again once it is ticked


class GroupsPage(Paging, Advisor, action="grp_page"): ...


class GroupsDone(Advisor, action="grp_done"): ...


class AddLink(Advisor, action="add_link"): ...


class DropFiles(Advisor, action="drop_files"): ...


class ToWhen(Advisor, action="to_when"): ...


class When(Advisor, action="when"):
    kind: LooseStr = None  # now, at, weekly


class At(Advisor, action="at"):
    text: LooseStr = None  # read as if typed: "завтра 9:00"


class Day(Advisor, action="day"):
    d: LooseInt = None  # 1 (Monday) to 7


class Confirm(Advisor, action="confirm"): ...


# --- lists and reports ----------------------------------------------------------------------
class Scheduled(Paging, Advisor, action="scheduled"):
    f: LooseInt = None  # 1: «Ещё» of search results, paging on through the same search


class Reports(Paging, Advisor, action="reports"):
    f: LooseInt = None


class Find(Advisor, action="find"):
    kind: LooseStr = None  # scheduled or reports


class Details(Advisor, action="details"):
    id: LooseInt = None


class Stop(Advisor, action="stop"):
    id: LooseInt = None


class Answers(Advisor, action="answers"):
    """The broadcasts with answers (handled in replies.py)."""

    pg: LooseInt = None


class AnswersOf(Advisor, action="answers_of"):
    """The answers to one broadcast (handled in replies.py)."""

    id: LooseInt = None
    pg: LooseInt = None


class AnswerTo(Advisor, action="answer"):
    """«Ответить» to one answer: the reply and the page of answers to come back to."""

    r: LooseInt = None
    pg: LooseInt = None


# The compose dialog's «Назад» and «Отмена» (core's labels); Back carries the step's short name.
flow = Flow(FLOW, back=Back, cancel=Cancel)
