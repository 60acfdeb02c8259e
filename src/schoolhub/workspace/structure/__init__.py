"""School years, terms, subjects, classes, assignments, rooms, timetable, grades and records."""
