"""Scores, comments, grade sheets, locking, corrections and student records (học bạ số)."""
