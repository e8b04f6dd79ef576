"""回访任务 page and the appointment dialog."""
