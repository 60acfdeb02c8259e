"""School years, terms, subjects, rooms, classes, teaching assignments."""
