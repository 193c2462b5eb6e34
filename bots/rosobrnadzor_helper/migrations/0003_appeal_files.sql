-- Documents and photos a teacher sent with an appeal: [[kind, attachment, title], ...], kind
-- "doc" or "photo", attachment the community's own copy as VK names it ("photo-1_2_key"),
-- uploaded once when the appeal was written and attached to every message that shows it.
ALTER TABLE rosobrnadzor_helper_appeals ADD COLUMN files TEXT NOT NULL DEFAULT '[]';
