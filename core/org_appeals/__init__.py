"""Appeals to an organisation: a person with a role there writes to it in the community's dialog
(``handlers``), the appeal is kept (``store``) and an admin answers it from the cabinet
(``answers``; the page is miniapp/cabinet/appeals.py)."""
