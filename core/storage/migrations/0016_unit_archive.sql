-- The cabinet's «Подразделения» (core/cabinet/units.py): a class or group is archived rather than
-- deleted, so its students, chats, broadcasts and codes keep their history; archived ones are left
-- out wherever a person chooses a class (PeopleRepository.groups_of_org).
ALTER TABLE groups ADD COLUMN archived_at TEXT;
-- A class's class teacher, one per class, set in the cabinet (and by the demo). Before it only the
-- position ``class_teacher`` plus being in the class's chat said so, for all of a person's classes
-- at once; core/broadcast/addressing.py still falls back to that for classes without one.
ALTER TABLE groups ADD COLUMN class_teacher_id INTEGER REFERENCES persons (id);
