"""Report requests, schedules, export files, delivery and the data-access log."""
