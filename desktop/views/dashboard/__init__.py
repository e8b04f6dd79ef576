"""工作台 page: tiles, charts and the 日报 panel."""
