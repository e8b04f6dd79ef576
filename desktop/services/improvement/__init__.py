"""改进方案: improvement actions from a problem to 已闭环, with their verification."""
