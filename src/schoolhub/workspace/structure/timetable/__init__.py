"""The weekly timetable (thời khoá biểu)."""
