"""Who may write to whom: the communication rules and their evaluation in bulk."""

from .rules import RULES, Decision, Inputs, Outcome, Party, PolicyGap, Rule, decide

__all__ = ["RULES", "Decision", "Inputs", "Outcome", "Party", "PolicyGap", "Rule", "decide"]
