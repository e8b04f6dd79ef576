"""质量评价 page: scorecard list, input, table and comparison."""
