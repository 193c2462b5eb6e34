"""Every button of the trainer: ``{"et": action, ...}`` (several plugins share one community, so
each payload carries the plugin's key ``et``; its value names the action).

Numbers and texts a handler checks itself (a forged number is answered by asking again) are
``LooseInt``/``LooseStr``: a forged value arrives as None instead of making the button stale.
"""

from __future__ import annotations

from core.bot import BackTo, LooseInt, LooseStr, Paging, Payload

KEY = "et"


class Trainer(Payload, key=KEY):
    """The base of the trainer's payloads (not a payload itself)."""


# --- the menu and the dialog's Back/Close --------------------------------------------------
class Menu(Trainer, action="menu"): ...


class Close(Trainer, action="close"): ...


class Back(BackTo, Trainer, action="back"): ...


class Train(Trainer, action="train"): ...


class Due(Trainer, action="due"): ...


class Homework(Trainer, action="homework"): ...


class Progress(Trainer, action="progress"): ...


class Remind(Trainer, action="remind"): ...


class Assign(Trainer, action="assign"): ...


class Results(Trainer, action="results"): ...


# --- choosing what to train ----------------------------------------------------------------
class Exam(Trainer, action="exam"):
    v: LooseStr = None


class Subject(Trainer, action="subject"):
    v: LooseStr = None


class SubjectsPage(Paging, Trainer, action="subj_page"): ...


class Number(Trainer, action="num"):
    v: LooseInt = None


class NumbersPage(Paging, Trainer, action="num_page"): ...


class Topics(Trainer, action="topics"):
    p: LooseInt = None  # the page of topics


class Topic(Trainer, action="topic"):
    i: LooseInt = None  # the topic's index in the subject's list


class Review(Trainer, action="review"): ...


class DontKnow(Trainer, action="idk"): ...


# --- the reminder and the assignments, from the student's side ------------------------------
class RemindAt(Trainer, action="at"):
    v: LooseStr = None  # "18:00"


class RemindOff(Trainer, action="remind_off"): ...


class OpenAssignment(Trainer, action="open"):
    a: LooseInt = None


# --- the teacher: assigning a set, and the results -----------------------------------------
class AssignClass(Trainer, action="acls"):
    g: LooseInt = None


class AssignClassesPage(Paging, Trainer, action="acls_page"): ...


class AssignExam(Trainer, action="aexam"):
    v: LooseStr = None


class AssignSubject(Trainer, action="asubj"):
    v: LooseStr = None


class AssignSubjectsPage(Paging, Trainer, action="asubj_page"): ...


class AssignNumber(Trainer, action="anum"):
    v: LooseInt = None
    page: LooseInt = None  # the page it is on, shown again once it is ticked


class AssignNumbersPage(Paging, Trainer, action="anum_page"): ...


class AssignNumbersDone(Trainer, action="anums"): ...


class AssignCount(Trainer, action="acnt"):
    v: LooseInt = None


class AssignDue(Trainer, action="adue"):
    v: LooseInt = None  # days


class AssignConfirm(Trainer, action="aok"): ...


class Report(Trainer, action="arep"):
    a: LooseInt = None


class ReportsPage(Paging, Trainer, action="arep_page"): ...
