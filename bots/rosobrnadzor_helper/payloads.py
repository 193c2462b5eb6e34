"""The payload of every button of this bot: ``{"rb": action, ...}``, so it never collides with
another plugin's buttons in a shared community. Nothing of the bot is imported here: the handlers
and the desk (which posts buttons to the operators' chat) both use these classes.

Fields are loose (a forged or stale value becomes None, an appeal id then matches nothing): the
handlers answer such a button themselves («не найдено»), as they always have.
"""

from __future__ import annotations

from core.bot import LooseInt, LooseStr, Paging, Payload

KEY = "rb"


class Rb(Payload, key=KEY):
    """A button of this bot."""


class Menu(Rb, action="menu"):
    pass


class Cancel(Rb, action="cancel"):
    pass


class Back(Rb, action="back"):
    """Back in a dialog: to the step before the one the person is at."""


class OpenEntry(Rb, action="entry"):
    id: LooseStr = None  # a knowledge base entry


class StartAppeal(Rb, action="appeal"):
    pass


class ChooseCategory(Rb, action="cat"):
    c: LooseStr = None  # one of appeals.CATEGORIES


class UseQuestion(Rb, action="useq"):
    """The teacher's last question as the text of the appeal."""


class LinksDone(Rb, action="links_done"):
    pass


class SendAppeal(Rb, action="send"):
    pass


class MyAppeals(Rb, action="mine"):
    pass


class ShowAppeal(Rb, action="show"):
    a: LooseInt = None  # the appeal


class RateAnswer(Rb, action="rate"):
    a: LooseInt = None  # the appeal
    r: LooseInt = None  # 1..5


# Operators' buttons.
class Queue(Rb, Paging, action="queue"):
    f: LooseInt = None  # 1: page on through the operator's search


class FindInQueue(Rb, action="op_find"):
    pass


class OperatorCard(Rb, action="op_card"):
    a: LooseInt = None


class Take(Rb, action="op_take"):
    a: LooseInt = None


class Release(Rb, action="op_release"):
    a: LooseInt = None


class Answer(Rb, action="op_answer"):
    a: LooseInt = None


class Extend(Rb, action="op_extend"):
    a: LooseInt = None


class SendAnswer(Rb, action="op_send"):
    pass


class ExtendBy(Rb, action="op_days"):
    d: LooseInt = None  # days


OPERATOR_PAYLOADS = (
    Queue,
    OperatorCard,
    Take,
    Release,
    Answer,
    Extend,
    SendAnswer,
    ExtendBy,
    FindInQueue,
)
