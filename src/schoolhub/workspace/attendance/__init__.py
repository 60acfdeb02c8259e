"""Attendance, leave requests, monthly reports."""
