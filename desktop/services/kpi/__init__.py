"""质量评价 (表1): KPI scorecards, indicators, scores and grades."""
