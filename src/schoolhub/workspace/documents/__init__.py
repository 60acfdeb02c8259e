"""Official documents (công văn), tasks, file storage."""
