"""问题分析 page: Pareto, pain matrix and segments."""
