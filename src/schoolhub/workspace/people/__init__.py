"""Staff directory, students, guardians, bulk import, search, school profile."""
