"""The dashboard's period choices (本月 …) in a module of their own: the 工作台 page fills its
filter with them while it is built, before the statistics services are imported (those load with
the first figures, after the window's first paint). ``services.dashboard`` interprets them."""

THIS_MONTH = "本月"
THIS_QUARTER = "本季度"
THIS_YEAR = "本年"
LAST_MONTH = "上月"
LAST_QUARTER = "上季度"
CUSTOM = "自定义"
PERIOD_CHOICES = (THIS_MONTH, THIS_QUARTER, THIS_YEAR, LAST_MONTH, LAST_QUARTER, CUSTOM)
