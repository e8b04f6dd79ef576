"""改进方案 page and the action dialog."""
